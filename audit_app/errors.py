"""Error pages and JSON errors: a clear message, never a stack trace."""
from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from .extensions import db

log = logging.getLogger(__name__)


def _messages() -> dict[int, str]:
    return {
        400: _("The request could not be processed."),
        403: _("You do not have permission to do this."),
        404: _("This page does not exist or you cannot see it."),
        405: _("This action is not possible here."),
        413: _("The file or form is too large."),
        500: _("An unexpected error occurred. It has been logged; please try again."),
        503: _("The service is temporarily unavailable. Please try again in a moment."),
    }


def _wants_json() -> bool:
    return request.path.startswith("/api/") or (
        request.accept_mimetypes.best == "application/json"
    )


def render_error(code: int, message: str | None = None):
    message = message or _messages().get(code) or _("An error occurred.")
    if _wants_json():
        return jsonify(error={"code": str(code), "message": message, "fields": {}}), code
    return render_template("errors/error.html", code=code, message=message), code


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(e: CSRFError):
        return render_error(
            400, _("The form has expired or was not sent from this site. Please try again.")
        )

    @app.errorhandler(HTTPException)
    def http_error(e: HTTPException):
        if e.code and e.code >= 500:
            db.session.rollback()
        return render_error(e.code or 500)

    @app.errorhandler(Exception)
    def unexpected_error(e: Exception):
        db.session.rollback()
        log.exception("unhandled error on %s %s", request.method, request.path)
        return render_error(InternalServerError.code)
