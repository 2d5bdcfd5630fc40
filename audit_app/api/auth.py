"""Bearer-token authentication for every non-public API endpoint."""
from __future__ import annotations

from flask import current_app, request
from flask_babel import gettext as _

from ..errors import ApiError
from ..models import utcnow
from ..request_user import set_request_user
from ..services import tokens as token_service
from . import bp


def public(view):
    """Mark a view as needing no token (register, verification, the description and docs)."""
    view.api_public = True
    return view


def _refuse(message: str):
    raise ApiError(401, "unauthorized", message,
                   headers={"WWW-Authenticate": 'Bearer realm="api"'})


@bp.before_request
def authenticate():
    """Resolve the bearer token to its user, or answer 401 before the view runs."""
    view = current_app.view_functions.get(request.endpoint)
    if view is None or getattr(view, "api_public", False):
        return  # public, or no such route (the 404/405 handler answers)
    scheme, _sep, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        if request.cookies:
            _refuse(_("The API does not accept cookie sign-ins: send an API token as "
                      "\"Authorization: Bearer <token>\"."))
        _refuse(_("Authentication required: send a valid API token as "
                  "\"Authorization: Bearer <token>\"."))
    user = token_service.authenticate(token, now=utcnow())
    if user is None:
        _refuse(_("The API token is unknown, revoked, or its user is deactivated."))
    # Permissions, templates and the locale selection see the token's user; the session
    # cookie is neither read nor written.
    set_request_user(user)
    return
