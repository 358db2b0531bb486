"""The figures in the Prometheus text exposition format (version 0.0.4), as served on /metrics."""

from __future__ import annotations

from observability.figures import Counter, Figures, Histogram, Labels

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def escaped(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def label_text(names: Labels, values: Labels, extra: str = "") -> str:
    pairs = [f'{name}="{escaped(value)}"' for name, value in zip(names, values, strict=True)]
    if extra:
        pairs.append(extra)
    return "{" + ",".join(pairs) + "}" if pairs else ""


def number(value: float) -> str:
    return repr(float(value)) if value != int(value) else f"{int(value)}.0"


def counter_lines(counter: Counter) -> list[str]:
    lines = [f"# HELP {counter.name} {counter.help}", f"# TYPE {counter.name} counter"]
    for values, total in sorted(counter.values.items()):
        lines.append(f"{counter.name}{label_text(counter.label_names, values)} {number(total)}")
    return lines


def histogram_lines(histogram: Histogram) -> list[str]:
    name, names = histogram.name, histogram.label_names
    lines = [f"# HELP {name} {histogram.help}", f"# TYPE {name} histogram"]
    for values, series in sorted(histogram.series.items()):
        cumulative = 0
        for bound, count in zip((*histogram.bounds, float("inf")), series.counts, strict=True):
            cumulative += count
            le = 'le="+Inf"' if bound == float("inf") else f'le="{bound!r}"'
            lines.append(f"{name}_bucket{label_text(names, values, le)} {cumulative}.0")
        lines.append(f"{name}_sum{label_text(names, values)} {number(series.total)}")
        lines.append(f"{name}_count{label_text(names, values)} {cumulative}.0")
    return lines


def exposition(figures: Figures) -> bytes:
    lines: list[str] = []
    for counter in figures.counters():
        lines += counter_lines(counter)
    for histogram in figures.histograms():
        lines += histogram_lines(histogram)
    gauge = figures.subscriptions
    lines += [f"# HELP {gauge.name} {gauge.help}", f"# TYPE {gauge.name} gauge", f"{gauge.name} {number(gauge.read())}"]
    return ("\n".join(lines) + "\n").encode()
