"""Structured logging for MediaNest and the libraries it runs (uvicorn, alembic, huey).

Every line carries the request id of the request it belongs to (bound in a contextvar by the
request-id middleware). A redaction step drops values of keys that look like secrets, so a token
passed to a log call by mistake never reaches the log.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import MutableMapping
from typing import Any

import structlog

from medianest.observability import access

SECRET_KEY_PATTERN = re.compile(
    r"(token|secret|password|passwd|api[_-]?key|authorization|cookie|credential)", re.IGNORECASE
)
REDACTED = "[redacted]"


def redact_secrets(
    _: Any, __: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    for key in list(event_dict):
        if key != "event" and SECRET_KEY_PATTERN.search(key):
            event_dict[key] = REDACTED
    return event_dict


def configure_logging(level: str = "info", fmt: str = "console") -> None:
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        redact_secrets,
    ]
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if fmt == "json"
        else structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    )
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            renderer,
        ],
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # No renderer shows thread or process names: not collecting them makes every record cheaper.
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False
    access.configure(fmt)
    # uvicorn's access log duplicates our request log line; its error log is useful.
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    logging.getLogger("uvicorn.access").disabled = True
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("alembic.runtime.migration").setLevel(logging.WARNING)
    # Huey logs every task execution at INFO; jobs log their own meaningful lines.
    logging.getLogger("huey").setLevel(max(logging.WARNING, root.level))


def get_logger(name: str) -> structlog.stdlib.BoundLogger:
    logger: structlog.stdlib.BoundLogger = structlog.get_logger(name)
    return logger
