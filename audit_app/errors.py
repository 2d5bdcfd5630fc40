"""Error pages and JSON errors: a clear message, never a stack trace.

Under ``/api/`` every error, whatever raised it (an :class:`ApiError`, ``abort()``, a
routing miss, a too-large body, an unexpected exception), is the JSON of the API contract:
``{"error": {"code": "<machine code>", "message": "<text in the request's language>",
"fields": {...}}}``. Pages get the HTML error page.
"""
from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from .extensions import db
from .services.errors import (
    NotFound,
    RenderFailed,
    ServiceError,
    StorageFailed,
    TransitionRefused,
    ValidationFailed,
    VersionConflict,
)

log = logging.getLogger(__name__)

#: HTTP status → the API's machine code for errors that carry no more specific one.
MACHINE_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    410: "gone",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_failed",
    429: "too_many_requests",
    500: "internal_error",
    503: "service_unavailable",
}


class ApiError(Exception):
    """An API refusal: HTTP ``status``, machine ``code``, a message, field errors, extra keys.

    ``extra`` goes next to ``error`` in the body (e.g. ``current`` for a version conflict).
    """

    def __init__(self, status: int, code: str | None = None, message: str | None = None, *,
                 fields: dict | None = None, details: list | tuple | None = None,
                 extra: dict | None = None, headers: dict | None = None):
        super().__init__(code or MACHINE_CODES.get(status, "error"))
        self.status = status
        self.code = code or MACHINE_CODES.get(status, "error")
        self.message = message
        self.fields = {k: str(v) for k, v in (fields or {}).items()}
        self.details = list(details) if details is not None else None
        self.extra = extra or {}
        self.headers = headers or {}


#: Service error class → HTTP status. One handler per class answers whatever a view left
#: uncaught: JSON under /api/, the error page elsewhere. The most specific class wins.
SERVICE_ERROR_STATUS: dict[type[ServiceError], int] = {
    NotFound: 404,
    ValidationFailed: 422,
    VersionConflict: 409,
    TransitionRefused: 409,
    RenderFailed: 503,
    StorageFailed: 503,
    ServiceError: 409,
}


def _messages() -> dict[int, str]:
    return {
        400: _("The request could not be processed."),
        401: _("Authentication required: send a valid API token as \"Authorization: Bearer <token>\"."),
        403: _("You do not have permission to do this."),
        404: _("This page does not exist or you cannot see it."),
        405: _("This action is not possible here."),
        409: _("This step is not possible in the current state."),
        413: _("The file or form is too large."),
        415: _("The request body must be JSON."),
        422: _("The input was not accepted. Please check the marked fields."),
        500: _("An unexpected error occurred. It has been logged; please try again."),
        503: _("The service is temporarily unavailable. Please try again in a moment."),
    }


def is_api_request() -> bool:
    return request.path.startswith("/api/")


def _wants_json() -> bool:
    return is_api_request() or (request.accept_mimetypes.best == "application/json")


def json_error(status: int, code: str | None = None, message: str | None = None, *,
               fields: dict | None = None, details=None, extra: dict | None = None,
               headers: dict | None = None):
    """The API's error response (status, machine code, translated message, field errors),
    as the ``Error`` model of the API's description."""
    # Imported here: the API package imports this module (ApiError) while it loads.
    from .api.responses import Error

    body = Error.of(
        code or MACHINE_CODES.get(status, "error"),
        str(message or _messages().get(status) or _("An error occurred.")),
        {k: str(v) for k, v in (fields or {}).items()},
        details, extra)
    response = jsonify(body.model_dump(mode="json"))
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def render_error(code: int, message: str | None = None, *, headers: dict | None = None):
    message = message or _messages().get(code) or _("An error occurred.")
    if _wants_json():
        return json_error(code, message=message, headers=headers)
    return render_template("errors/error.html", code=code, message=message), code, headers or {}


def init_app(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def api_error(e: ApiError):
        db.session.rollback()
        return json_error(e.status, e.code, e.message, fields=e.fields, details=e.details,
                          extra=e.extra, headers=e.headers)

    def service_error(e: ServiceError):
        db.session.rollback()
        status = next(code for cls, code in SERVICE_ERROR_STATUS.items() if isinstance(e, cls))
        message = None if isinstance(e, NotFound) else str(e.message)
        if _wants_json():
            return json_error(status, e.code, message, fields=e.fields)
        return render_error(status, message)

    for cls in SERVICE_ERROR_STATUS:
        app.register_error_handler(cls, service_error)

    @app.errorhandler(CSRFError)
    def csrf_error(e: CSRFError):
        return render_error(
            400, _("The form has expired or was not sent from this site. Please try again.")
        )

    @app.errorhandler(HTTPException)
    def http_error(e: HTTPException):
        if e.code and e.code >= 500:
            db.session.rollback()
        headers = {}
        if e.code == 405 and getattr(e, "valid_methods", None):
            headers["Allow"] = ", ".join(e.valid_methods)
        if e.code == 401 and is_api_request():
            headers["WWW-Authenticate"] = 'Bearer realm="api"'
        return render_error(e.code or 500, headers=headers)

    @app.errorhandler(Exception)
    def unexpected_error(e: Exception):
        db.session.rollback()
        log.exception("unhandled error on %s %s", request.method, request.path)
        return render_error(InternalServerError.code)
