"""Reading API requests: the JSON body, query arguments, pagination.

Everything that is not what the OpenAPI description promises is refused here, before any
service runs: 400 for a body that is not a JSON object (or nested too deeply), 413 for one
too large, 422 naming each bad field; the body's fields are checked by the pydantic models
of :mod:`audit_app.api.schemas`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from flask import current_app, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from pydantic import BaseModel

from ..errors import ApiError
from ..services import inputs
from ..services.errors import ValidationFailed

#: The largest id a path or body may name (PostgreSQL ``integer``; SQLite would overflow later).
MAX_ID = inputs.MAX_ID
#: Id converter of the routes; ids beyond MAX_ID are answered 404 by the loaders (a
#: converter limit would make werkzeug answer 405 for the method-less path).
ID = "int"
MAX_PAGE = 1_000_000
MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 20
_MISSING = object()


def api_user():
    """The token's user (set by the authentication hook), as a plain object for services."""
    return current_user._get_current_object()


def _bad_text(value: str) -> bool:
    """NUL characters and lone surrogates cannot be stored (PostgreSQL, UTF-8)."""
    if "\x00" in value:
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _check_values(value: Any, path: str, fields: dict) -> None:
    if isinstance(value, str):
        if _bad_text(value):
            fields[path or "body"] = _("contains characters that cannot be stored")
    elif isinstance(value, float):
        if not math.isfinite(value):
            fields[path or "body"] = _("must be a finite number")
    elif isinstance(value, dict):
        for key, item in value.items():
            if _bad_text(key):
                fields["body"] = _("contains characters that cannot be stored")
            else:
                _check_values(item, f"{path}.{key}" if path else key, fields)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _check_values(item, f"{path}[{i}]", fields)


def json_body(allowed: tuple[str, ...] | None = None) -> dict:
    """The request's JSON object; 400 when malformed or not an object, 422 on unknown keys."""
    if (request.content_length or 0) > inputs.MAX_JSON_BYTES:
        raise ApiError(413)
    raw = request.get_data(cache=True)
    if len(raw) > inputs.MAX_JSON_BYTES:
        raise ApiError(413)
    try:
        data = inputs.parse_json(raw) if raw.strip() else None
    except inputs.JsonRefused as exc:
        code = "malformed_json" if exc.code == "malformed_json" else "too_deep"
        raise ApiError(400, code, str(exc.message)) from None
    if not isinstance(data, dict):
        raise ApiError(400, "not_an_object", _("The request body must be a JSON object."))
    fields: dict[str, str] = {}
    _check_values(data, "", fields)
    if allowed is not None:
        for key in data:
            if key not in allowed and not _bad_text(key):
                fields[key] = _("unknown field")
    if fields:
        raise ApiError(422, "validation_failed", None, fields=fields)
    return data


def query_text(key: str, *, max_length: int) -> str:
    """``?key=`` as text (empty when absent); 422 when longer than ``max_length`` (a limit
    of :data:`audit_app.services.inputs.LIMITS`) or not storable."""
    value = request.args.get(key, "")
    if len(value) > max_length or _bad_text(value):
        raise ApiError(422, "validation_failed", None, fields={key: _("invalid value")})
    return value


@dataclass(frozen=True)
class Upload:
    """A file sent to the API: its name with the extension and its bytes."""

    name: str
    data: bytes


def uploaded_file() -> Upload:
    """The file of an upload request, in either of the API's two forms (the same for every
    upload endpoint): ``multipart/form-data`` with the field ``file`` (the name from the
    part), or the bytes themselves as the body with ``?name=``. 422 (``file`` or ``name``)
    when the file or its name is missing; 413 when a body is larger than
    EVIDENCE_MAX_BYTES. The content is checked by the service (type, size, name)."""
    if request.mimetype == "multipart/form-data":
        part = request.files.get("file")
        if part is None:
            raise ApiError(422, "validation_failed", None, fields={"file": _("Choose a file.")})
        return Upload(part.filename or "", part.read())
    name = query_text("name", max_length=inputs.LIMITS["upload.name"])
    if not name.strip():
        raise ApiError(422, "validation_failed", None, fields={"name": _("required")})
    if (request.content_length or 0) > current_app.config["EVIDENCE_MAX_BYTES"]:
        raise ApiError(413)
    return Upload(name, request.get_data())


def query_int(key: str, *, default: int | None = None, low: int = 1, high: int = MAX_ID) -> int | None:
    raw = request.args.get(key)
    if raw is None or raw == "":
        return default
    if not (raw.isascii() and raw.isdigit()) or not low <= int(raw) <= high:
        raise ApiError(422, "validation_failed", None,
                       fields={key: _("must be a whole number between %(low)s and %(high)s",
                                      low=low, high=high)})
    return int(raw)


def query_choice(key: str, choices) -> str | None:
    raw = request.args.get(key)
    if raw is None or raw == "":
        return None
    if raw not in {str(c) for c in choices}:
        raise ApiError(422, "validation_failed", None,
                       fields={key: _("must be one of %(allowed)s",
                                      allowed=", ".join(str(c) for c in choices))})
    return raw


def page_args() -> tuple[int, int]:
    """``?page=`` (from 1) and ``?per_page=`` (1-100); 422 on anything else."""
    page = query_int("page", default=1, high=MAX_PAGE)
    per_page = query_int("per_page", default=DEFAULT_PER_PAGE, high=MAX_PER_PAGE)
    return page, per_page


def respond(body: BaseModel, status: int = 200, *, location: str | None = None):
    """The JSON response of a response model (:mod:`audit_app.api.responses`)."""
    response = jsonify(body.model_dump(mode="json"))
    response.status_code = status
    if location is not None:
        response.headers["Location"] = location
    return response


def path_segment(value: str, max_length: int) -> str:
    """A path segment that can name a stored object (no NUL, not too long), else 404."""
    if len(value) > max_length or "\x00" in value or not value.isprintable():
        raise ApiError(404)
    return value


def validation_error(exc: ValidationFailed, rename: dict | None = None) -> ApiError:
    """A service's refusal as the API's 422, its fields renamed to the body's names."""
    rename = rename or {}
    return ApiError(422, "validation_failed", str(exc.message),
                    fields={rename.get(k, k): v for k, v in exc.fields.items()})


def require(allowed: bool, *, visible: bool = True) -> None:
    """403 when the user sees the object but may not do this; 404 when they cannot see it."""
    if allowed:
        return
    raise ApiError(403 if visible else 404)
