"""Spans, read from the OpenTelemetry SDK's in-memory exporter set up through the server's own hook: one span for the
operation and one per source batch, children of it, never one per field; on both execution paths."""

from __future__ import annotations

from dataclasses import replace

import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from starlette.testclient import TestClient

from config import Config, ConfigError, ObservabilitySettings
from http_api.observation import build_observer
from server import create_app
from tests.observability.test_metrics import FLEET, ask


@pytest.mark.parametrize("fast_path", [True, False], ids=["fast path", "graphql-core"])
def test_one_span_per_operation_and_per_source_batch(config: Config, vins: list[str], fast_path: bool) -> None:
    exporter = InMemorySpanExporter()
    settings = ObservabilitySettings(tracing="otlp")
    observer = build_observer(settings, span_exporter=exporter)
    traced = replace(config, fast_path=fast_path, observability=settings)
    with TestClient(create_app(traced, observer=observer)) as client:
        ask(client, FLEET, {"vins": vins[:30]}, headers={
            "traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"})  # fmt: skip
    spans = exporter.get_finished_spans()
    operations = [s for s in spans if s.kind == SpanKind.SERVER]
    assert [s.name for s in operations] == ["Fleet"]
    operation = operations[0]
    assert operation.attributes is not None and operation.attributes["aftersales.outcome"] == "ok"
    assert operation.context is not None and operation.parent is not None
    assert f"{operation.context.trace_id:032x}" == "0af7651916cd43dd8448eb211c80319c", "the caller's trace goes on"
    batches = sorted(s.name for s in spans if s is not operation)
    assert batches == ["DSS/DMS ServiceEventsByVinLoader", "TDS EngineByCodeLoader", "TDS OilNormByCodeLoader",
                       "VMS VehicleByVinLoader"]  # fmt: skip
    assert all(s.parent is not None and s.parent.span_id == operation.context.span_id for s in spans
               if s is not operation)  # fmt: skip
    vehicles = next(s for s in spans if s.name == "VMS VehicleByVinLoader")
    assert vehicles.attributes is not None and vehicles.attributes["aftersales.batch_size"] == 30


def test_tracing_off_makes_no_spans_and_the_default_is_off() -> None:
    assert Config.from_env({}).observability.tracing == "off"
    assert build_observer(ObservabilitySettings()).tracing is None


def test_the_settings_are_read_from_the_environment() -> None:
    env = {"AFTERSALES_TRACING": "OTLP", "AFTERSALES_METRICS": "off", "AFTERSALES_METRICS_PORT": "9464",
           "AFTERSALES_METRICS_MAX_OPERATIONS": "7"}  # fmt: skip
    settings = Config.from_env(env).observability
    read = (settings.tracing, settings.metrics, settings.metrics_port, settings.max_operations)
    assert read == ("otlp", False, 9464, 7)
    with pytest.raises(ConfigError, match="AFTERSALES_TRACING"):
        Config.from_env({"AFTERSALES_TRACING": "jaeger"})
