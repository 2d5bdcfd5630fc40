"""One way to page a list: the count and the page's rows in SQL, one :class:`Page` result.

Every list (web and API) goes through :func:`paginate`; templates use the one macro in
``templates/_macros/pagination.html``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from ..extensions import db
from .inputs import MAX_PAGE


@dataclass(frozen=True)
class Page:
    """One page of a list: its items, the page number (from 1), the page size, the total."""

    items: list
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1

    # The names the lists used before (centre rows, users): the same items.
    @property
    def rows(self) -> list:
        return self.items

    @property
    def users(self) -> list:
        return self.items


def paginate(stmt: sa.Select, page: int, per_page: int, *, clamp: bool = True,
             scalars: bool = True, unique: bool = False) -> tuple[list[Any], int, int]:
    """``(rows, page, total)`` of a SELECT: counted and sliced in SQL, never in Python.

    ``page`` is taken within 1 .. :data:`~audit_app.services.inputs.MAX_PAGE`; with ``clamp`` a
    page past the end gives the last page (lists on pages), without it an empty page (the API
    answers what was asked). ``scalars`` returns the first column's objects, else rows.
    """
    page = min(max(1, page), MAX_PAGE)
    total = db.session.scalar(
        sa.select(sa.func.count()).select_from(stmt.order_by(None).subquery())) or 0
    if clamp:
        page = min(page, max(1, -(-total // per_page)))
    sliced = stmt.limit(per_page).offset((page - 1) * per_page)
    if scalars:
        result = db.session.scalars(sliced)
        rows = list(result.unique() if unique else result)
    else:
        rows = list(db.session.execute(sliced).all())
    return rows, page, total


def page_of(stmt: sa.Select, page: int, per_page: int, **kw) -> Page:
    """:func:`paginate` as a :class:`Page`."""
    rows, page, total = paginate(stmt, page, per_page, **kw)
    return Page(items=rows, page=page, per_page=per_page, total=total)
