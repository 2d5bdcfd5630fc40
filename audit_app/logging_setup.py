"""Structured log lines with a request id, and nothing secret in them.

Every record of the ``audit_app`` logger (and its children) becomes one line on stderr,
JSON (``LOG_FORMAT = "json"``) or ``key=value`` (``"keyvalue"``), carrying the id of the
request it belongs to. The id comes from a trusted ``X-Request-ID`` header
(``TRUST_REQUEST_ID_HEADER``) or is generated, and is echoed as the ``X-Request-ID``
response header so a user's report can be matched to the log.

What is never logged: passwords, tokens, ``Authorization`` / cookie headers and form
bodies. The app never passes them to a logger; the :class:`RedactingFilter` is the
backstop for messages and ``extra`` fields that would contain them anyway.
"""
from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from datetime import UTC, datetime

from flask import Flask, g, has_request_context, request
from flask.logging import default_handler

#: A client's id is used only if it looks like one (no spaces, quotes or newlines).
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
#: Keys whose values are never written, wherever they appear.
SECRET_KEYS = frozenset({
    "password", "new_password", "old_password", "current_password", "password_confirm",
    "token", "api_token", "access_token", "refresh_token", "csrf_token", "secret", "secret_key",
    "authorization", "cookie", "set-cookie", "x-api-key", "session",
})
_SECRET_IN_TEXT = [
    # key=value / key: value pairs, as in form bodies, query strings and header dumps
    re.compile(r"(?i)\b(password|passwort|new_password|current_password|token|api_token|"
               r"access_token|csrf_token|secret|session)(\s*[=:]\s*)([^\s&,;\"']+)"),
    re.compile(r"(?i)\b(authorization)(\s*[=:]\s*)((?:bearer|basic|token)\s+)?([^\s,;\"']+)"),
    re.compile(r"(?i)\b(bearer)(\s+)([A-Za-z0-9._~+/=-]{8,})"),
]
REDACTED = "[redacted]"
_HANDLER_MARK = "_audit_app_structured"
#: Attributes every LogRecord has; anything else came in through ``extra=``.
_STANDARD = set(vars(logging.LogRecord("x", 0, "x", 0, "x", None, None))) | {"message", "asctime"}


def redact_text(text: str) -> str:
    """``text`` with the values of secret-looking ``key=value`` pairs replaced."""
    for pattern in _SECRET_IN_TEXT:
        text = pattern.sub(lambda m: m.group(1) + m.group(2) + REDACTED, text)
    return text


def redact_value(key: str, value):
    """``value`` unless ``key`` names a secret; dicts are cleaned recursively."""
    if key.lower() in SECRET_KEYS:
        return REDACTED
    if isinstance(value, dict):
        return {k: redact_value(str(k), v) for k, v in value.items()}
    if isinstance(value, str):
        return redact_text(value)
    return value


class RedactingFilter(logging.Filter):
    """Scrub secrets from the message and ``extra`` fields; add the request id."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 -- a broken %-format must not lose the record
            message = str(record.msg)
        record.msg, record.args = redact_text(message), None
        for key in set(vars(record)) - _STANDARD:
            setattr(record, key, redact_value(key, getattr(record, key)))
        if not getattr(record, "request_id", None):
            record.request_id = current_request_id()
        return True


def _fields(record: logging.LogRecord) -> dict:
    fields = {
        "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
        "level": record.levelname.lower(),
        "logger": record.name,
        "msg": record.getMessage(),
        "request_id": getattr(record, "request_id", None) or "-",
    }
    for key in sorted(set(vars(record)) - _STANDARD - set(fields)):
        fields[key] = getattr(record, key)
    if record.exc_info:
        # The trace goes to the operator's log, never to a user (errors.py renders a page).
        fields["exc"] = redact_text(logging.Formatter().formatException(record.exc_info))
    return fields


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return json.dumps(_fields(record), ensure_ascii=False, default=str)


class KeyValueFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        parts = []
        for key, value in _fields(record).items():
            text = str(value)
            if not text or any(c in text for c in ' "=\n\t'):
                text = json.dumps(text, ensure_ascii=False)
            parts.append(f"{key}={text}")
        return " ".join(parts)


def current_request_id() -> str | None:
    if has_request_context():
        return g.get("request_id")
    return None


def _incoming_request_id(app: Flask) -> str:
    if app.config.get("TRUST_REQUEST_ID_HEADER"):
        given = request.headers.get("X-Request-ID", "")
        if _REQUEST_ID.match(given):
            return given
    return uuid.uuid4().hex


def configure_logging(app: Flask) -> logging.Handler:
    """Give the ``audit_app`` logger one structured handler (idempotent per process)."""
    logger = logging.getLogger("audit_app")
    logger.removeHandler(default_handler)
    handler = next((h for h in logger.handlers if getattr(h, _HANDLER_MARK, False)), None)
    if handler is None:
        handler = logging.StreamHandler(sys.stderr)
        setattr(handler, _HANDLER_MARK, True)
        logger.addHandler(handler)
    handler.setFormatter(
        KeyValueFormatter() if app.config.get("LOG_FORMAT") == "keyvalue" else JsonFormatter()
    )
    if not any(isinstance(f, RedactingFilter) for f in logger.filters):
        logger.addFilter(RedactingFilter())
    # Records of child loggers (audit_app.errors, ...) do not pass the parent's logger
    # filters, so the handler carries one as well.
    if not any(isinstance(f, RedactingFilter) for f in handler.filters):
        handler.addFilter(RedactingFilter())
    logger.setLevel(str(app.config.get("LOG_LEVEL", "INFO")).upper())
    return handler


def init_app(app: Flask) -> None:
    """Structured logging, the request id, and (with LOG_REQUESTS) one line per request."""
    configure_logging(app)
    request_log = logging.getLogger("audit_app.request")

    @app.before_request
    def assign_request_id() -> None:
        g.request_id = _incoming_request_id(app)
        g.request_started = time.perf_counter()

    @app.after_request
    def echo_request_id(response):
        rid = g.get("request_id")
        if rid:
            response.headers["X-Request-ID"] = rid
        if app.config.get("LOG_REQUESTS"):
            quiet = request.endpoint in ("static", "ops.healthz") and response.status_code < 400
            # Path only: query strings may carry tokens; bodies are never logged.
            request_log.log(
                logging.DEBUG if quiet else logging.INFO, "request",
                extra={"method": request.method, "path": request.path,
                       "status": response.status_code,
                       "duration_ms": round((time.perf_counter() - g.get(
                           "request_started", time.perf_counter())) * 1000, 1)},
            )
        return response
