"""The token's user, users (for composing teams) and the catalogue versions."""
from __future__ import annotations

from ... import permissions as perm
from ...services import access
from ...services import catalogs as catalog_service
from ...services import users as user_service
from ...workflow import Role
from .. import bp, responses
from ..helpers import api_user, page_args, query_choice, require, respond


@bp.route("/me")
def me():
    """The token's user."""
    return respond(responses.Me.of(api_user()))


@bp.route("/users")
def users():
    """Users with their roles, for composing audit teams (working-group leads and admins)."""
    user = api_user()
    require(perm.sees_everything(user))
    role = query_choice("role", [r.value for r in Role])
    page, per_page = page_args()
    result = user_service.list_users(role=Role(role) if role else None, page=page,
                                     per_page=per_page)
    return respond(responses.UserPage(items=[responses.User.of(u) for u in result.users],
                                      page=result.page, per_page=per_page, total=result.total))


@bp.route("/catalogs")
def catalogs():
    """Every catalogue version (key, version, titles, status)."""
    page, per_page = page_args()
    result = catalog_service.catalog_page(page, per_page)
    return respond(responses.CatalogPage(
        items=[responses.CatalogSummary.of(c) for c in result.items], page=page,
        per_page=per_page, total=result.total))


@bp.route("/catalogs/<key>/<version>")
def catalog(key: str, version: str):
    """One catalogue version with categories, criteria, scoring types, bands and pass rules."""
    row = access.catalog_version(key, version)
    catalog = catalog_service.domain_catalog(row.id, checksum=row.checksum)
    return respond(responses.CatalogDetail.of(row, catalog))
