"""Geometry of the category chart: plain numbers for the SVG macro in ``_macros/charts.html``.

The same macro draws the chart on the audit page and in the PDF report, so the browser and
WeasyPrint show the same picture; this module does the arithmetic, the template only places it.
"""
from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from .scoring import format_percent, format_threshold, percent_1dp

#: Colours of a bar (status is also written as text beside it, never colour alone).
PASSING = "#0b5c8e"
BELOW_PASS = "#8a5a00"
BELOW_MINIMUM = "#a32020"

_ROW = 26  # height of one category row in SVG units
_TOP = 24  # room above the first row for the pass-line label
_LABEL_WIDTH = 235
_BAR_WIDTH = 300
_TEXT_WIDTH = 225
_LABEL_CHARS = 36


def _short(text: str, limit: int = _LABEL_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def category_chart(
    categories: list[dict], *, pass_percent: Decimal | int, lang: str, title: str,
    pass_text: str, below_text: str, dropped_text: str,
) -> dict:
    """Bars for ``categories`` (dicts: code, title, percent (0-100 or None), dropped, below_minimum).

    Widths use the percent rounded down to one decimal, as the printed number is; a dropped
    category gets no bar and ``dropped_text``. ``pass_percent`` places the vertical pass line
    (the catalogue's overall minimum). All texts arrive translated.
    """
    bar_x = _LABEL_WIDTH + 10
    pass_x = bar_x + float(Decimal(pass_percent) / 100 * _BAR_WIDTH)
    bars = []
    for i, cat in enumerate(categories):
        y = _TOP + i * _ROW
        percent = cat["percent"]
        if cat["dropped"] or percent is None:
            width, fill, text = 0.0, BELOW_PASS, dropped_text if cat["dropped"] else format_percent(None, lang)
        else:
            shown = percent_1dp(Fraction(percent))
            width = float(min(shown, Decimal(100)) / 100 * _BAR_WIDTH)
            below_pass = shown < Decimal(pass_percent)
            fill = BELOW_MINIMUM if cat["below_minimum"] else BELOW_PASS if below_pass else PASSING
            text = format_percent(percent, lang)
            if cat["below_minimum"]:
                text += " " + below_text
        bars.append({
            "label": _short(f"{cat['code']} {cat['title']}"), "y": y, "bar_y": y + 5,
            "text_y": y + 17, "width": round(width, 1), "fill": fill, "text": text,
            "text_x": bar_x + _BAR_WIDTH + 8,
        })
    height = _TOP + _ROW * max(len(bars), 1) + 4
    return {
        "title": title, "width": bar_x + _BAR_WIDTH + _TEXT_WIDTH, "height": height,
        "bar_x": bar_x, "bar_width": _BAR_WIDTH, "label_x": _LABEL_WIDTH, "bars": bars,
        "pass_x": round(pass_x, 1), "pass_label": f"{pass_text} {format_threshold(pass_percent, lang)}",
        "bottom": height - 2,
    }


def chart_for_result(result, catalog, lang: str, **texts) -> dict:
    """:func:`category_chart` for a :class:`~audit_app.scoring.ScoreResult` of ``catalog``."""
    rows = [
        {"code": c.code, "title": c.title.get(lang), "percent": c.percent, "dropped": c.dropped,
         "below_minimum": c.below_minimum}
        for c in result.categories
    ]
    return category_chart(rows, pass_percent=catalog.rules.overall_minimum, lang=lang, **texts)


#: Colours of the comparison chart: the centre's own view light, the audit's result dark
#: (the legend and the numbers beside each bar say which is which, never colour alone).
SELF_FILL = "#9cc3dd"
AUDIT_FILL = "#0b5c8e"
_PAIR_ROW = 44  # two bars and a gap per category
_LEGEND = 22  # room above the first row for the legend


def comparison_chart(categories: list[dict], *, lang: str, title: str, self_text: str,
                     audit_text: str, dropped_text: str) -> dict:
    """Two bars per category: the centre's self-assessment and the audit's result.

    ``categories`` are dicts: code, title, self_percent, audit_percent (0-100 or None),
    dropped. A missing percent (not scored, or dropped) draws no bar and says so in text.
    All texts arrive translated.
    """
    bar_x = _LABEL_WIDTH + 10
    top = _TOP + _LEGEND

    def bar(percent, y, fill, prefix, dropped):
        if percent is None or dropped:
            return {"y": y, "width": 0.0, "fill": fill, "text_y": y + 12,
                    "text": f"{prefix}: {dropped_text if dropped else format_percent(None, lang)}"}
        shown = percent_1dp(Fraction(percent))
        return {"y": y, "width": round(float(min(shown, Decimal(100)) / 100 * _BAR_WIDTH), 1),
                "fill": fill, "text_y": y + 12,
                "text": f"{prefix}: {format_percent(percent, lang)}"}

    rows = []
    for i, cat in enumerate(categories):
        y = top + i * _PAIR_ROW
        rows.append({
            "label": _short(f"{cat['code']} {cat['title']}"), "text_y": y + 22,
            "bars": [bar(cat["self_percent"], y + 4, SELF_FILL, self_text, False),
                     bar(cat["audit_percent"], y + 21, AUDIT_FILL, audit_text, cat["dropped"])],
        })
    height = top + _PAIR_ROW * max(len(rows), 1) + 4
    return {
        "title": title, "width": bar_x + _BAR_WIDTH + _TEXT_WIDTH, "height": height,
        "bar_x": bar_x, "bar_width": _BAR_WIDTH, "label_x": _LABEL_WIDTH, "rows": rows,
        "text_x": bar_x + _BAR_WIDTH + 8, "top": top - 4,
        "legend": [{"x": bar_x, "fill": SELF_FILL, "text": self_text},
                   {"x": bar_x + 160, "fill": AUDIT_FILL, "text": audit_text}],
    }
