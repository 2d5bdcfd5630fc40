"""JSON API v1 at ``/api/v1``: the same services and the same permission module as the pages.

Authentication is a bearer token (``Authorization: Bearer aiz_...``); the token's user becomes
flask_login's ``current_user`` for the request, so :mod:`audit_app.permissions` decides exactly
as it does for the pages. Cookies never authenticate here, and no CSRF token is needed.
"""
from flask import Blueprint

from ..extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # bearer tokens only: a browser's cookies never authenticate here

from . import auth, routes  # noqa: F401
