"""Structured JSON log lines, one object per line, with the request id, principal and operation where there are."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import orjson

_fields: ContextVar[Mapping[str, str]] = ContextVar("log_fields", default={})  # noqa: B039 (never mutated)


def bind(**fields: str | None) -> None:
    """Every line logged from now on by this task (and the tasks it starts) names these fields."""
    _fields.set({**_fields.get(), **{name: value for name, value in fields.items() if value is not None}})


def field(name: str) -> str | None:
    """The value this task's log lines give `name` now."""
    return _fields.get().get(name)


@contextmanager
def bound(**fields: str | None) -> Iterator[None]:
    """Every line logged inside (by this task and the tasks it starts) names these fields."""
    token = _fields.set(_fields.get())
    bind(**fields)
    try:
        yield
    finally:
        _fields.reset(token)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **_fields.get(),
        }
        request_id = getattr(record, "request_id", None)
        if request_id is not None:
            line["requestId"] = request_id
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(line).decode()


class ClientInputErrors(logging.Filter):
    """A text frame that is not UTF-8 is the client's error, which the WebSocket layer logs with a traceback:
    keep it as one warning line (the connection is closed with 1007 all the same)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], UnicodeDecodeError):
            record.exc_info = record.exc_text = None
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


def configure(level: str) -> dict[str, Any]:
    """Logging for the whole process, uvicorn's loggers included; returns the dict for uvicorn's log_config."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonFormatter}},
        "filters": {"client_input": {"()": ClientInputErrors}},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}},
        "root": {"handlers": ["stderr"], "level": level},
        "loggers": {
            "uvicorn": {"level": level},
            "uvicorn.error": {"filters": ["client_input"]},
            "uvicorn.access": {"level": "WARNING"},
            "strawberry.execution": {"level": "CRITICAL"},
        },
    }
