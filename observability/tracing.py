"""OpenTelemetry traces: one span per GraphQL operation and one per source batch, never per field.

Imported only when tracing is switched on: the OpenTelemetry SDK costs start-up time that a server without
tracing does not pay. Spans go over OTLP/HTTP to `OTEL_EXPORTER_OTLP_ENDPOINT` (the SDK reads the standard
`OTEL_EXPORTER_OTLP_*` variables); on AWS that is the ADOT collector, which passes them on to X-Ray.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from opentelemetry import context, propagate, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor, SpanExporter
from opentelemetry.trace import Span, SpanKind, Status, StatusCode

SERVICE = "aftersales-graph"


class OpenSpan:
    """A span that is the current one until it ends (the batches that run inside become its children)."""

    __slots__ = ("span", "token")

    def __init__(self, span: Span) -> None:
        self.span = span
        self.token = context.attach(trace.set_span_in_context(span))

    def end_operation(self, operation: str, outcome: str, error: BaseException | None) -> None:
        span = self.span
        span.update_name(operation)
        span.set_attribute("graphql.operation.name", operation)
        self._end(outcome, error)

    def end_batch(self, outcome: str, error: BaseException | None) -> None:
        self._end(outcome, error)

    def _end(self, outcome: str, error: BaseException | None) -> None:
        span = self.span
        span.set_attribute("aftersales.outcome", outcome)
        if error is not None:
            span.record_exception(error)
        if outcome != "ok":
            span.set_status(Status(StatusCode.ERROR, outcome))
        span.end()
        context.detach(self.token)


class Tracing:
    def __init__(self, provider: TracerProvider) -> None:
        self.provider = provider
        self.tracer = provider.get_tracer("aftersales")

    def operation(self, headers: Mapping[str, str] | None) -> OpenSpan:
        """The operation's span, a child of the caller's when the request carries a W3C `traceparent`."""
        parent = propagate.extract(headers) if headers is not None and "traceparent" in headers else None
        return OpenSpan(self.tracer.start_span("GraphQL operation", parent, SpanKind.SERVER))

    def batch(self, source: str, loader: str, size: int) -> OpenSpan:
        attributes: dict[str, Any] = {"aftersales.source": source, "aftersales.loader": loader,
                                      "aftersales.batch_size": size}  # fmt: skip
        return OpenSpan(self.tracer.start_span(f"{source} {loader}", attributes=attributes, kind=SpanKind.CLIENT))

    def flush(self) -> None:
        """Everything ended so far is sent (a Lambda process may be frozen after its answer)."""
        self.provider.force_flush()

    def shutdown(self) -> None:
        self.provider.shutdown()


def start_tracing(exporter: SpanExporter | None = None) -> Tracing:
    """Tracing over OTLP/HTTP in batches, or into `exporter` span by span (tests hand an in-memory one)."""
    provider = TracerProvider(resource=Resource.create({"service.name": SERVICE}))
    if exporter is None:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    else:
        provider.add_span_processor(SimpleSpanProcessor(exporter))
    return Tracing(provider)
