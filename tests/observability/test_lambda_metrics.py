"""On Lambda every invocation writes its figures as one CloudWatch embedded-metric-format line on stdout, and a
process without tracing never imports OpenTelemetry."""

from __future__ import annotations

from pathlib import Path

from tests.access.credentials import ADMIN, key_file
from tests.test_lambda import RUNNER, VIN, graphql_event, printed

# after the events: the OpenTelemetry modules the process imported, as one more JSON line
IMPORTS = RUNNER + """
print(json.dumps({"imported": sorted(m for m in sys.modules if m.startswith("opentelemetry"))}))
"""


def test_each_invocation_writes_one_embedded_metrics_line(prepared: Path, tmp_path: Path) -> None:
    env = {"AFTERSALES_DATA": str(prepared), "AFTERSALES_CACHE_DIR": str(tmp_path), "AFTERSALES_PRODUCTION": "true",
           "AFTERSALES_API_KEYS": str(key_file(tmp_path, [ADMIN]))}  # fmt: skip
    fleet = f'query Fleet {{ vehicles(vins: ["{VIN}"]) {{ vin serviceEvents {{ date }} }} }}'
    lines, _ = printed([graphql_event(fleet, headers=ADMIN.header), graphql_event(fleet)], env, IMPORTS)
    answers = [line for line in lines if "statusCode" in line]
    emf = [line for line in lines if "_aws" in line]
    assert [a["statusCode"] for a in answers] == [200, 401]
    assert [line for line in lines if "imported" in line] == [{"imported": []}]
    assert len(emf) == 2, "one line per invocation"
    first, second = emf
    assert (first["operation"], first["outcome"], first["requests"]) == ("Fleet", "ok", 1)
    assert (second["operation"], second["outcome"], second["requests"]) == ("unnamed", "UNAUTHENTICATED", 1)
    assert first["source.VMS.ok"] == 1 and first["source.DSS/DMS.ok"] == 1
    assert first["loader.VehicleByVinLoader.keys"] == [1]
    assert len(first["request_duration_seconds"]) == 1 and first["request_duration_seconds"][0] > 0
    assert "source.VMS.ok" not in second, "each line holds its own invocation only"
    directive = first["_aws"]["CloudWatchMetrics"][0]
    assert directive["Namespace"] == "AftersalesGraph"
    assert directive["Dimensions"] == [["operation", "outcome"]]
    declared = {m["Name"] for m in directive["Metrics"]}
    assert declared == {key for key in first if key not in ("_aws", "operation", "outcome")}
    assert all(isinstance(first[name], int | float | list) for name in declared)
    assert isinstance(first["_aws"]["Timestamp"], int)

