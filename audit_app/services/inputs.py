"""Input rules in one place: text limits, normalisation and one parser per kind of input.

Web forms, the JSON API and the CSV import read user input through these functions, and the
services check their arguments with them again, so a rule cannot differ between the faces:

- **Text** is normalised to NFC (a decomposed „Göttingen“ is the same name as a composed
  one), may not contain NUL or other control characters (PostgreSQL cannot store NUL; the
  others are invisible), and has exactly one length limit, :data:`LIMITS`. Names also refuse
  bidirectional overrides and zero-width characters, which make one text look like another.
- **Numbers** are ASCII digits only: ``"1_000"`` (Python's digit grouping), Arabic-Indic
  ``"١٢"``, full-width ``"１２"`` or superscript ``"²"`` digits are refused, as are exponents
  (``"1e26"``). Decimals must fit the column they are stored in (``NUMERIC(14,2)``).
- **Page numbers** in query strings never fail: anything unusable is page 1, anything too
  large the last possible page.
- **JSON bodies** are parsed with a size and a nesting limit (``'[' * 100000`` is refused,
  not a RecursionError).

Every refusal is an :class:`InputError` whose message is translated (lazily), so the caller
shows it next to its field.
"""
from __future__ import annotations

import json
import re
import unicodedata
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import lazy_gettext as _l

#: The largest id a path, query or body may name (PostgreSQL ``integer``).
MAX_ID = 2_147_483_647
#: The largest page number a list accepts; larger ones count as this one.
MAX_PAGE = 1_000_000
#: Largest JSON request body of the API, and its deepest nesting.
MAX_JSON_BYTES = 1024 * 1024
MAX_JSON_DEPTH = 32

#: Every text field's one length limit, in characters after normalisation. Web forms (their
#: ``Length`` validators and ``maxlength``), the API models and the services read it here.
LIMITS: dict[str, int] = {
    # centres
    "centre.name": 200,
    "centre.operating_company": 200,
    "centre.street": 200,
    "centre.postcode": 10,
    "centre.city": 120,
    "centre.federal_state": 40,
    "centre.website": 300,
    "centre.contact_name": 120,
    "centre.contact_email": 254,
    "centre.contact_phone": 50,
    "centre.number": 20,  # numbers typed as text (years, counts, percent, dates)
    # users and sign-in
    "user.name": 120,
    "user.email": 254,
    "user.password": 500,
    "token.label": 100,
    # audits
    "answer.comment": 5000,
    "answer.na_reason": 2000,
    "answer.finding": 2000,
    "answer.value": 40,
    "review.reason": 5000,
    "transition.note": 5000,
    "transition.override_reason": 5000,
    "certificate.reason": 2000,
    # conditions (Auflagen): the centre's answer, a lead's check, an extension
    "condition.cause": 5000,
    "condition.measure": 5000,
    "condition.note": 5000,
    "condition.extension_reason": 2000,
    # the name of a file sent through the API as the body itself (``?name=``)
    "upload.name": 200,
    "catalog.key": 50,
    "catalog.version": 50,
    # the centre's side: application, questionnaire, self-assessment, document review
    "application.message": 2000,
    "questionnaire.text": 5000,  # a text answer
    "questionnaire.value": 40,  # a number, date or yes/no answer as typed
    "self_assessment.comment": 5000,
    "document_review.note": 2000,
    # lists and search
    "search.q": 200,
    # the sealed CSV preview carried from the preview to the import (Flask refuses form
    # fields over 500 kB; see services.centres.MAX_SEALED_CHARS)
    "import.sealed": 450_000,
}

#: Characters that change how a text is displayed without being seen: bidirectional
#: embeddings, overrides and isolates, zero-width spaces and joiners, the BOM. Refused in names.
INVISIBLE = frozenset(
    "\u061c\u180e\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
    "\u2060\u2061\u2062\u2063\u2064\u2066\u2067\u2068\u2069\ufeff"
)
#: Control characters allowed in multi-line text (tab, line feed, carriage return).
_ALLOWED_CONTROL = frozenset("\t\n\r")

_WHOLE = re.compile(r"[+-]?[0-9]+", re.ASCII)
_GROUPED = re.compile(r"[+-]?[0-9]{1,3}(?:[. \u00a0][0-9]{3})+")
_DECIMAL = re.compile(r"[+-]?[0-9]+(?:[.,][0-9]+)?", re.ASCII)
_GERMAN_DATE = re.compile(r"([0-9]{1,2})\.([0-9]{1,2})\.([0-9]{4})", re.ASCII)
_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})", re.ASCII)

MSG_TOO_LONG = _l("Please enter at most %(max)s characters.")
MSG_BAD_CHARACTERS = _l("contains characters that cannot be stored")
MSG_INVISIBLE = _l("contains invisible or text-direction characters; please type the name plainly")
MSG_NOT_TEXT = _l("must be text")
MSG_WHOLE = _l("must be a whole number")
MSG_NUMBER = _l("must be a number")
MSG_TOO_LARGE = _l("is too large")
MSG_PLACES = _l("at most two decimal places")


class InputError(ValueError):
    """A value was refused; ``message`` says why in the user's language (lazy string)."""

    def __init__(self, message):
        super().__init__(message)  # lazy: translated when shown, in the request's language
        self.message = message


def limit(key: str) -> int:
    """The length limit of a text field, e.g. ``limit("answer.comment")`` → 5000."""
    return LIMITS[key]


# --- text -----------------------------------------------------------------------------------

def normalise(value: str) -> str:
    """NFC, the composed form: „Go\\u0308ttingen“ becomes „Göttingen“."""
    return unicodedata.normalize("NFC", value)


def text_problem(value: str, *, max_length: int | None = None, name: bool = False,
                 multiline: bool = True):
    """Why ``value`` (already normalised) cannot be stored, or None.

    NUL, other control characters (except tab and line breaks in multi-line text) and lone
    surrogates are refused everywhere; ``name`` also refuses :data:`INVISIBLE` characters.
    """
    for ch in value:
        if ch in _ALLOWED_CONTROL and multiline:
            continue
        category = unicodedata.category(ch)
        if category in ("Cc", "Cs") or ch in _ALLOWED_CONTROL:
            return MSG_BAD_CHARACTERS
        if name and (ch in INVISIBLE or category == "Cf"):
            return MSG_INVISIBLE
    if max_length is not None and len(value) > max_length:
        return _l("Please enter at most %(max)s characters.", max=max_length)
    return None


def clean_text(value: Any, key: str | int, *, name: bool = False, one_line: bool = False,
               strip: bool = True) -> str:
    """Text for storing: None is "", NFC, stripped, checked against its limit and characters.

    ``key`` names the limit in :data:`LIMITS` (or is the limit itself); ``one_line`` folds
    runs of whitespace (names, cities) into single spaces. Raises :class:`InputError`.
    """
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InputError(MSG_NOT_TEXT)
    max_length = LIMITS[key] if isinstance(key, str) else key
    text = normalise(value)
    if one_line:
        text = " ".join(text.split())
    elif strip:
        text = text.strip()
    problem = text_problem(text, max_length=max_length, name=name, multiline=not one_line)
    if problem is not None:
        raise InputError(problem)
    return text


# --- numbers --------------------------------------------------------------------------------

def parse_whole(raw: Any, low: int | None = None, high: int | None = None, *,
                grouping: bool = False, message=MSG_WHOLE) -> int | None:
    """A whole number from an int or ASCII digits ("8400"; "8.400" with ``grouping``).

    None or "" is None. Booleans, floats, other digits, signs inside, ``_`` and exponents are
    refused with ``message``; values outside ``low..high`` with a range message.
    """
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if isinstance(raw, bool):
        raise InputError(message)
    if isinstance(raw, int):
        value = raw
    elif isinstance(raw, str):
        text = raw.strip()
        if len(text) > 30:  # never int() a megabyte of digits
            digits = text.isascii() and text.lstrip("+-").isdigit()
            raise InputError(MSG_TOO_LARGE if digits else message)
        if _WHOLE.fullmatch(text):
            value = int(text)
        elif grouping and _GROUPED.fullmatch(text):
            value = int(re.sub(r"[. \u00a0]", "", text))
        else:
            raise InputError(message)
    else:
        raise InputError(message)
    if (low is not None and value < low) or (high is not None and value > high):
        raise InputError(_range_message(low, high))
    return value


def _range_message(low, high):
    if low is not None and high is not None:
        return _l("must be between %(low)s and %(high)s", low=low, high=high)
    if high is not None:
        return MSG_TOO_LARGE
    return _l("must be at least %(low)s", low=low)


def parse_points(raw: Any) -> int | None:
    """Points as typed or sent (0-3 in every catalogue; the criterion says which are allowed).

    ASCII digits only: "²" or "３" are refused, not crashed on.
    """
    return parse_whole(raw, 0, 99)


def parse_decimal(raw: Any, *, digits: int = 14, places: int = 2,
                  message=MSG_NUMBER) -> Decimal | None:
    """A decimal that fits ``NUMERIC(digits, places)``: "3200", "87,5", 87.5, 3200.25.

    None or "" is None. Exponents ("1e26", "1e400"), infinities, NaN, ``_`` and non-ASCII
    digits are refused; so are more than ``digits - places`` digits before the point and
    more than ``places`` after it.
    """
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if isinstance(raw, bool):
        raise InputError(message)
    if isinstance(raw, Decimal):
        value = raw
    elif isinstance(raw, int):
        value = Decimal(raw)
    elif isinstance(raw, float):
        value = Decimal(repr(raw))  # the shortest text of the float, as the client wrote it
    elif isinstance(raw, str):
        text = raw.strip()
        if len(text) > LIMITS["answer.value"] or not _DECIMAL.fullmatch(text):
            raise InputError(message)
        value = Decimal(text.replace(",", "."))
    else:
        raise InputError(message)
    if not value.is_finite():
        raise InputError(message)
    if abs(value) >= Decimal(10) ** (digits - places):
        raise InputError(MSG_TOO_LARGE)
    try:
        exact = value == value.quantize(Decimal(1).scaleb(-places))
    except InvalidOperation:
        exact = False
    if not exact:
        raise InputError(MSG_PLACES if places == 2 else
                         _l("at most %(places)s decimal places", places=places))
    return value


def parse_page(raw: Any) -> int:
    """A page number from a query string: 1 for anything unusable, at most :data:`MAX_PAGE`."""
    if isinstance(raw, int) and not isinstance(raw, bool):
        return min(max(raw, 1), MAX_PAGE)
    if not isinstance(raw, str):
        return 1
    text = raw.strip()
    if not text or not text.isascii() or not text.isdigit():
        return 1
    if len(text) > len(str(MAX_PAGE)):
        return MAX_PAGE
    return min(max(int(text), 1), MAX_PAGE)


def parse_id(raw: Any) -> int | None:
    """An object id (1 .. :data:`MAX_ID`) from an int or ASCII digits; None when unusable."""
    try:
        return parse_whole(raw, 1, MAX_ID)
    except InputError:
        return None


def parse_day(raw: Any) -> date | None:
    """A date from ``date``, "DD.MM.YYYY" or "YYYY-MM-DD" (ASCII digits). None for empty.

    Raises :class:`InputError` for another format or a day that does not exist.
    """
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if isinstance(raw, date):
        return raw
    if not isinstance(raw, str):
        raise InputError(_l("Please enter a date as DD.MM.YYYY."))
    text = raw.strip()
    german, iso = _GERMAN_DATE.fullmatch(text), _ISO_DATE.fullmatch(text)
    try:
        if german:
            return date(int(german[3]), int(german[2]), int(german[1]))
        if iso:
            return date(int(iso[1]), int(iso[2]), int(iso[3]))
    except ValueError:
        raise InputError(_l("This date does not exist.")) from None
    raise InputError(_l("Please enter a date as DD.MM.YYYY."))


# --- JSON -----------------------------------------------------------------------------------

class JsonRefused(InputError):
    """A JSON body that cannot be read: ``code`` is ``malformed_json`` or ``too_deep``."""

    def __init__(self, code: str, message):
        super().__init__(message)
        self.code = code


def _depth(value: Any, limit: int) -> bool:
    """Whether ``value`` nests no deeper than ``limit`` (iterative: no recursion to exhaust)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (dict, list)):
            if depth > limit:
                return False
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return True


def _max_nesting(data: str, limit: int) -> bool:
    """A cheap pre-check on the raw text: bracket depth outside strings never exceeds ``limit``."""
    depth = 0
    in_string = escaped = False
    for ch in data:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > limit:
                return False
        elif ch in "]}":
            depth -= 1
    return True


def parse_json(raw: bytes, *, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """A JSON document from request bytes (UTF-8), nested at most ``max_depth`` levels.

    Raises :class:`JsonRefused`: ``malformed_json`` for bytes that are not JSON (including
    NaN and Infinity, which JSON does not have), ``too_deep`` for deeper nesting.
    """
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise JsonRefused("malformed_json", _l("The request body is not valid JSON.")) from None
    if not _max_nesting(text, max_depth):
        raise JsonRefused("too_deep", _l("The request body is nested too deeply (at most "
                                         "%(depth)s levels).", depth=max_depth))

    def refuse_constant(name):
        raise ValueError(name)

    try:
        value = json.loads(text, parse_constant=refuse_constant)
    except (ValueError, RecursionError):
        raise JsonRefused("malformed_json", _l("The request body is not valid JSON.")) from None
    if not _depth(value, max_depth):  # pragma: no cover - the pre-check already caught it
        raise JsonRefused("too_deep", _l("The request body is nested too deeply (at most "
                                         "%(depth)s levels).", depth=max_depth))
    return value
