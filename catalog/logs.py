"""Logging for every Valbar process: the level from settings, plain or JSON lines, and the
id of the request being served on each line logged while serving it.

``valbar serve`` hands :func:`logging_config` to uvicorn (so its own loggers and Valbar's
go through one handler: before, nothing configured the root logger under uvicorn and
Valbar's INFO lines were dropped by Python's last-resort handler); the Celery worker applies
it through its ``setup_logging`` signal (``indexer.jobs``); another server (gunicorn with
uvicorn workers) gets it from :func:`configure_logging` when the app finds logging
unconfigured. The request id lives in a context variable set by the API's request-id
middleware; :class:`RequestIdFilter` copies it onto each record.

:class:`RedactSecretsFilter` keeps link secrets out of the log: an access log line names the
request's whole URL, so the values of token-like query parameters (a password reset's
``/konto/nytt-losenord?token=…``) and the token segment of the link paths that carry one
(``/inbjudan/<token>``, ``/bekrafta-registrering/<token>``) are written as ``[redacted]``.
"""

from __future__ import annotations

import json
import logging
import logging.config
import re
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from catalog.settings import Settings

request_id_var: ContextVar[str | None] = ContextVar("valbar_request_id", default=None)
NO_REQUEST = "-"
PLAIN_FORMAT = "%(asctime)s %(levelname)-7s %(name)s [%(request_id)s] %(message)s"
# loggers that would otherwise keep handlers of their own (uvicorn's) or stay silent
SERVER_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access", "celery", "gunicorn.error")


REDACTED = "[redacted]"
# query parameters whose value is a secret (matched on the name: ``token``, ``reset_token``,
# ``api_key``, ``signature`` …)
_SECRET_QUERY = re.compile(
    r"(?P<name>[?&;][^=&;\s\"']*(?:token|key|secret|password|passwd|signature)"
    r"[^=&;\s\"']*=)[^&;\s\"'#]*",
    re.IGNORECASE,
)
# link paths whose last segment is the secret
_SECRET_PATH = re.compile(
    r"(?P<name>/(?:inbjudan|bekrafta-registrering|konto/nytt-losenord)/)[^/?#\s\"']+"
)


def redact_secrets(text: str) -> str:
    """``text`` with the values of token-like query parameters and the token segments of
    link paths replaced by ``[redacted]``."""
    if "/" not in text and "=" not in text:
        return text
    text = _SECRET_QUERY.sub(lambda m: m["name"] + REDACTED, text)
    return _SECRET_PATH.sub(lambda m: m["name"] + REDACTED, text)


class RedactSecretsFilter(logging.Filter):
    """Redacts link secrets (:func:`redact_secrets`) in a record's message and string
    arguments: uvicorn's access line passes the URL as an argument."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact_secrets(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact_secrets(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {
                k: redact_secrets(v) if isinstance(v, str) else v for k, v in record.args.items()
            }
        return True


def current_request_id() -> str | None:
    """The id of the request this code serves (``None`` outside a request)."""
    return request_id_var.get()


class RequestIdFilter(logging.Filter):
    """Puts ``record.request_id`` on every record (``-`` outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            record.request_id = request_id_var.get() or NO_REQUEST
        return True


def _json_request_id(record: logging.LogRecord) -> str | None:
    value = getattr(record, "request_id", None) or request_id_var.get()
    return None if value in (None, NO_REQUEST) else str(value)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request_id (+ exception)."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": _json_request_id(record),
            "process": record.process,
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def logging_config(settings: Settings) -> dict[str, Any]:
    """A :func:`logging.config.dictConfig` dictionary (picklable: the workers of ``valbar
    serve`` are spawned with it)."""
    level = settings.log_level.upper()
    formatter: dict[str, Any] = (
        {"()": "catalog.logs.JsonFormatter"} if settings.log_json else {"format": PLAIN_FORMAT}
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "request_id": {"()": "catalog.logs.RequestIdFilter"},
            "redact": {"()": "catalog.logs.RedactSecretsFilter"},
        },
        "formatters": {"valbar": formatter},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "formatter": "valbar",
                "filters": ["request_id", "redact"],
            }
        },
        "root": {"level": level, "handlers": ["stderr"]},
        # uvicorn's and Celery's loggers hand their records to the root handler
        "loggers": {
            name: {"level": level, "handlers": [], "propagate": True} for name in SERVER_LOGGERS
        },
    }


def configure_logging(settings: Settings) -> None:
    """Apply :func:`logging_config` to this process."""
    logging.config.dictConfig(logging_config(settings))


def is_configured() -> bool:
    """True when the root logger has a handler of Valbar's (the request-id filter)."""
    return any(
        any(isinstance(f, RequestIdFilter) for f in handler.filters)
        for handler in logging.getLogger().handlers
    )
