"""The process's observer, as the settings say: figures unless metrics are off, tracing only when switched on."""

from __future__ import annotations

from typing import TYPE_CHECKING

from config import ObservabilitySettings
from observability.figures import Figures
from observability.observer import Observer

if TYPE_CHECKING:
    from opentelemetry.sdk.trace.export import SpanExporter


def build_observer(settings: ObservabilitySettings, per_invocation: bool = False,
                   span_exporter: SpanExporter | None = None) -> Observer:  # fmt: skip
    """`per_invocation` keeps each observation for the Lambda invocation's embedded metrics; `span_exporter`
    replaces the OTLP exporter when tracing is on (tests read the spans from memory)."""
    figures = Figures(keep_values=per_invocation) if settings.metrics else None
    tracing = None
    if settings.tracing == "otlp":
        from observability.tracing import start_tracing  # the OpenTelemetry SDK loads only when tracing is on

        tracing = start_tracing(span_exporter)
    return Observer(figures, tracing, settings.max_operations)
