"""Jinja filters and globals: locale-aware dates, numbers and percents, catalogue texts."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction

from flask import Flask, g
from flask_babel import format_decimal, get_locale

from .labels import certificate_status_label, label
from .scoring import format_percent


def current_lang() -> str:
    """The request's language code, "de" or "en" (looked up once per request)."""
    lang = g.get("_aiz_lang")
    if lang is None:
        locale = get_locale()
        lang = g._aiz_lang = locale.language if locale is not None else "de"
    return lang


def percent(value: Fraction | Decimal | None) -> str:
    """Format a percent for display in the user's language (rounded down to one decimal)."""
    if value is None:
        return format_percent(None, current_lang())
    return format_percent(Fraction(value), current_lang())


def localdate(value: date | datetime | None) -> str:
    """A date as 26.11.2026 (German) or 26 Nov 2026 (English); datetimes in Berlin time.

    Formatted directly (see :func:`localdatetime`); tested equal to Babel's patterns.
    """
    if value is None:
        return "–"
    if isinstance(value, datetime):
        value = _to_local(value).date()
    if current_lang() == "de":
        return f"{value.day:02d}.{value.month:02d}.{value.year}"
    return f"{value.day} {_EN_MONTHS[value.month - 1]} {value.year}"


_EN_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _user_zone():
    """The display time zone (BABEL_DEFAULT_TIMEZONE), looked up once per request."""
    zone = g.get("_aiz_zone")
    if zone is None:
        from zoneinfo import ZoneInfo

        from flask import current_app

        zone = g._aiz_zone = ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE") or "UTC")
    return zone


def _to_local(value: datetime) -> datetime:
    if value.tzinfo is None:  # stored UTC without zone (SQLite)
        from datetime import UTC

        value = value.replace(tzinfo=UTC)
    return value.astimezone(_user_zone())


def localdatetime(value: datetime | None) -> str:
    """A timestamp in Berlin time: "26.11.2026, 14:02" (German), "26 Nov 2026, 14:02" (English).

    Formatted directly rather than through Babel's pattern engine: a checklist shows one
    timestamp per card, and Babel's formatting was a tenth of the page's rendering time.
    """
    if value is None:
        return "–"
    local = _to_local(value)
    if current_lang() == "de":
        return f"{local.day:02d}.{local.month:02d}.{local.year}, {local.hour:02d}:{local.minute:02d}"
    return (f"{local.day} {_EN_MONTHS[local.month - 1]} {local.year}, "
            f"{local.hour:02d}:{local.minute:02d}")


def localtime(value: datetime | None) -> str:
    """The time of day in Berlin time, "14:02" (a card's "saved 14:02")."""
    if value is None:
        return "–"
    local = _to_local(value)
    return f"{local.hour:02d}:{local.minute:02d}"


def number(value, digits: int = 0) -> str:
    if value is None:
        return "–"
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, format=pattern)


def tr(de: str, en: str) -> str:
    """Pick the German or English text of catalogue content for the current language."""
    return en if current_lang() == "en" and en else de


def bar_chart(counts: dict, *, width: int = 160, row: int = 28) -> dict:
    """Geometry of a horizontal bar chart (labels, bar widths) for an inline SVG."""
    from .labels import label

    top = max(counts.values(), default=0) or 1
    bars = [
        {"key": getattr(key, "value", key), "label": label(key), "count": count,
         "width": round(width * count / top) if count else 0, "y": i * row}
        for i, (key, count) in enumerate(counts.items())
    ]
    return {"bars": bars, "height": max(row * len(bars), row)}


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(
        percent=percent, localdate=localdate, localdatetime=localdatetime, localtime=localtime,
        number=number, label=label
    )
    app.jinja_env.globals.update(tr=tr, current_lang=current_lang, bar_chart=bar_chart,
                                 certificate_status_label=certificate_status_label)
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
