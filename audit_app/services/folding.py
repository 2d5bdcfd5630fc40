"""Case-insensitive matching that also folds umlauts, identical on SQLite and PostgreSQL."""
from __future__ import annotations

import re

import sqlalchemy as sa

from ..extensions import db

# --------------------------------------------------------------------------------------------
# Case-insensitive matching that also folds umlauts, on SQLite and PostgreSQL

#: Upper-case forms that ``str.upper()`` does not give as one character.
_EXTRA_UPPER = {"ß": "ẞ"}


def _case_variants(ch: str) -> str:
    """``ch`` and its single-character upper case, for characters SQL ``lower()`` may not fold.

    ASCII letters need no variants: ``lower()`` folds them on every backend. SQLite's
    ``lower()`` leaves every other character alone (and PostgreSQL's does too under the C
    locale), so for those the pattern lists both cases explicitly.
    """
    if ch.isascii():
        return ch
    upper = _EXTRA_UPPER.get(ch, ch.upper())
    return ch + upper if len(upper) == 1 and upper != ch else ch


def folded_match(column, term: str, *, whole: bool = False) -> sa.ColumnElement[bool]:
    """``column`` contains ``term`` (or equals it when ``whole``), ignoring case, umlauts included.

    ``lower(column)`` folds ASCII; every other letter of the lowered term becomes a character
    class of its cases (``göttingen`` → ``g[öÖ]ttingen``), matched with ``GLOB`` on SQLite and
    a case-sensitive regular expression on PostgreSQL. The same rows match on both backends
    whatever the database locale, and the condition stays in SQL (so paging works).
    """
    term = term.lower()
    dialect = db.session.get_bind().dialect.name
    lowered = sa.func.lower(column)
    if dialect == "sqlite":
        parts = []
        for ch in term:
            variants = _case_variants(ch)
            if len(variants) > 1 or ch in "*?[":
                parts.append(f"[{variants}]")
            else:
                parts.append(ch)
        pattern = "".join(parts)
        return lowered.op("GLOB")(pattern if whole else f"*{pattern}*")
    if dialect == "postgresql":
        parts = []
        for ch in term:
            variants = _case_variants(ch)
            if len(variants) > 1:
                parts.append(f"[{variants}]")
            elif not ch.isalnum():
                parts.append("\\" + ch)
            else:
                parts.append(ch)
        pattern = "".join(parts)
        return lowered.op("~")(f"^{pattern}$" if whole else pattern)
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return column.ilike(escaped if whole else f"%{escaped}%", escape="\\")


#: German alphabetical order (DIN 5007-1: ä = a, ß = ss), identical on both backends.
_SORT_FOLDS = (("ä", "a"), ("Ä", "a"), ("ö", "o"), ("Ö", "o"), ("ü", "u"), ("Ü", "u"),
               ("ß", "ss"), ("ẞ", "ss"))


def sort_key(column):
    expr = sa.func.lower(column)
    for old, new in _SORT_FOLDS:
        expr = sa.func.replace(expr, old, new)
    return expr


# --------------------------------------------------------------------------------------------
# Forgiving search: "Gottingen", "Goettingen" and "göttingen" all find "Göttingen"

#: Characters that separate words besides whitespace and ASCII punctuation (dashes, quotes).
_SEPARATORS = "–—‒―„“”‚‘’«»‹›·…"
_SEPARATOR_RUN = re.compile(r"[\s!-/:-@\[-`{-~" + _SEPARATORS + r"]+")
_UMLAUT_VOWELS = str.maketrans({"ä": "a", "ö": "o", "ü": "u"})
_E_AFTER_VOWEL = re.compile(r"([aou])e")


def search_key(text: str) -> str:
    """The form in which search compares text: lower case, umlauts as their vowel, ß as ss,
    "ae"/"oe"/"ue" as the vowel, every run of spaces, punctuation and dashes as one space.

    Applied to both sides, it lets German users type the way they do: "Gottingen",
    "Goettingen" and "göttingen" → "gottingen" like "Göttingen"; "halle saale" like
    "Halle (Saale)"; "strasse" like "Straße". A few unrelated words fold together too
    ("Quelle"/"Qulle"); for a search that is the right side to err on. The same function runs
    in SQL (:func:`search_key_sql`, identical results, tested on both backends).
    """
    folded = (text or "").lower().replace("ß", "ss").replace("ẞ", "ss").translate(_UMLAUT_VOWELS)
    folded = _E_AFTER_VOWEL.sub(r"\1", folded)
    return _SEPARATOR_RUN.sub(" ", folded).strip()


def search_key_sql(column) -> sa.ColumnElement[str]:
    """:func:`search_key` of ``column`` in SQL (SQLite: the registered function
    ``aiz_search_key``; PostgreSQL: lower/replace/translate/regexp_replace)."""
    dialect = db.session.get_bind().dialect.name
    if dialect == "sqlite":
        return sa.func.aiz_search_key(column)
    expr = sa.func.lower(column)
    expr = sa.func.replace(sa.func.replace(expr, "ß", "ss"), "ẞ", "ss")
    expr = sa.func.translate(expr, "äöüÄÖÜ", "aouaou")  # lower() may keep non-ASCII capitals
    expr = sa.func.regexp_replace(expr, "([aou])e", "\\1", "g")
    separators = "[[:space:]!-/:-@\\[-`{-~" + _SEPARATORS + "]+"
    expr = sa.func.regexp_replace(expr, separators, " ", "g")
    return sa.func.btrim(expr)


def search_match(column, query: str) -> sa.ColumnElement[bool]:
    """``column`` contains every word of ``query`` in order, compared by :func:`search_key`."""
    key = search_key(query)
    escaped = key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return search_key_sql(column).like(f"%{escaped}%", escape="\\")
