"""Findings, reasons and their sentences in German and English; percent display helpers.

Pure code: standard library only. The engine (:mod:`audit_app.scoring.engine`) decides
*what* applies; this module only says it. Findings and reasons carry a machine ``kind`` or
``code`` plus ``params`` (a tuple of ``(name, value)`` pairs whose values are ``str``,
``int``, ``bool``, ``None``, :class:`~decimal.Decimal`, :class:`~fractions.Fraction` or
tuples of those), so they stay hashable, comparable and easy to serialise; the sentence is
rendered on demand by ``.text(lang)``.

Percents are rendered with :func:`format_percent`, which rounds *down* to one decimal so a
displayed value never appears to pass a threshold it misses (64.96 % shows as "64,9 %").
Thresholds from the catalogue are shown as written ("65 %", "62,5 %").
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

#: The type of ``Finding.params`` and ``Reason.params``.
Params = tuple[tuple[str, object], ...]

#: What :func:`format_percent` shows when there is no value (en dash).
NO_VALUE = "\u2013"

#: German puts a (no-break) space between number and percent sign (DIN 5008).
_DE_PERCENT_SUFFIX = "\u00a0%"


def percent_1dp(fr: Fraction | Decimal | int) -> Decimal:
    """Round a percent *down* to one decimal place for display.

    ``fr`` is a percent (0-100) as an exact number. Rounding is toward negative infinity
    (floor), never up, so a displayed value never appears to pass a threshold it misses:
    64.96 gives 64.9, 64.99 gives 64.9 and only 65 itself gives 65.0. For the 0-100 range
    of percents floor and truncation toward zero agree. The result always has exactly one
    decimal place (100 gives ``Decimal("100.0")``, 0 gives ``Decimal("0.0")``).
    """
    tenths = math.floor(Fraction(fr) * 10)
    return Decimal(tenths).scaleb(-1)


def format_percent(fr: Fraction | Decimal | int | None, lang: str = "de") -> str:
    """Format a percent for display with one decimal place, rounded down.

    German ("de", the default, and any language other than "en"): decimal comma and a
    no-break space before the sign, "64,9 %". English ("en"): "64.9%". ``None`` (no result
    yet, or a dropped category) gives an en dash "–". See :func:`percent_1dp` for rounding.
    """
    if fr is None:
        return NO_VALUE
    digits = str(percent_1dp(fr))
    if _english(lang):
        return f"{digits}%"
    return digits.replace(".", ",") + _DE_PERCENT_SUFFIX


def format_threshold(value: Decimal | int, lang: str = "de") -> str:
    """Format a catalogue threshold (a percent, 0-100) exactly as configured.

    No rounding and no forced decimals: 65 gives "65 %" / "65%", 62.5 gives "62,5 %" /
    "62.5%". Used for the minimums that reasons compare against.
    """
    digits = format(Decimal(value).normalize(), "f")
    if _english(lang):
        return f"{digits}%"
    return digits.replace(".", ",") + _DE_PERCENT_SUFFIX


class Severity(StrEnum):
    """How serious a finding is; majors refuse, minors become conditions."""

    MAJOR = "major"
    MINOR = "minor"
    OBSERVATION = "observation"


#: Order in which findings are listed: majors first.
SEVERITY_ORDER: tuple[Severity, ...] = (Severity.MAJOR, Severity.MINOR, Severity.OBSERVATION)


class FindingKind(StrEnum):
    """Why a finding exists: a computed rule, or an auditor's free text ("manual")."""

    KNOCKOUT = "knockout"  # knock-out criterion not met (major)
    CATEGORY_MINIMUM = "category_minimum"  # category below the category minimum (major)
    ZERO_POINTS_WEIGHT3 = "zero_points_weight3"  # weight-3 criterion with 0 points (major)
    ZERO_POINTS = "zero_points"  # any other criterion with 0 points (minor)
    ONE_POINT = "one_point"  # a criterion with 1 point (observation)
    MANUAL = "manual"  # written by an auditor, severity as given


class ReasonCode(StrEnum):
    """Machine code of a :class:`Reason`; the outcome that uses it is noted per member."""

    MISSING_CRITERIA = "missing_criteria"  # incomplete
    KNOCKOUT_NOT_MET = "knockout_not_met"  # refuse
    NO_OVERALL_RESULT = "no_overall_result"  # refuse: every category dropped out
    OVERALL_BELOW_MINIMUM = "overall_below_minimum"  # refuse
    CATEGORY_BELOW_MINIMUM = "category_below_minimum"  # refuse
    MAJOR_FINDING = "major_finding"  # refuse: weight-3 zero or a manual major finding
    THRESHOLDS_MET = "thresholds_met"  # award with conditions, listed first
    MINOR_FINDING = "minor_finding"  # award with conditions: one per condition
    ALL_PASSED = "all_passed"  # award
    CATEGORY_DROPPED = "category_dropped"  # note on any complete outcome


@dataclass(frozen=True)
class ManualFinding:
    """A free-text finding written by an auditor; counts toward the outcome by severity.

    ``text`` is shown as written (it is not translated); ``criterion_code`` optionally ties
    the finding to a criterion of the catalogue.
    """

    severity: Severity
    text: str
    criterion_code: str | None = None


@dataclass(frozen=True)
class Finding:
    """A major or minor nonconformity, or an observation, computed or written by hand.

    ``criterion_code`` names the criterion (None for category findings and for manual
    findings not tied to a criterion); ``category_code`` names the category (for criterion
    findings the criterion's category). ``params`` holds the plain values the sentence
    needs (see the module docstring).
    """

    severity: Severity
    kind: FindingKind
    criterion_code: str | None = None
    category_code: str | None = None
    params: Params = ()

    @property
    def manual(self) -> bool:
        """True for a finding written by an auditor."""
        return self.kind == FindingKind.MANUAL

    def text(self, lang: str = "de") -> str:
        """The finding as a complete sentence in German ("de", default) or English ("en").

        Manual findings return the auditor's text unchanged, in whatever language it was
        written.
        """
        return _FINDING_TEXTS[FindingKind(self.kind)](dict(self.params), _english(lang))


@dataclass(frozen=True)
class Reason:
    """One reason for an outcome: a machine ``code``, plain ``params`` and a sentence.

    Reasons that restate a finding carry ``finding_kind`` plus that finding's params; a
    condition (``minor_finding``) also carries ``deadline_months``.
    """

    code: ReasonCode
    params: Params = ()

    def text(self, lang: str = "de") -> str:
        """The reason as a complete sentence in German ("de", default) or English ("en").

        Names the criteria or categories concerned and the thresholds compared against;
        percents are rounded down to one decimal (see :func:`format_percent`).
        """
        return _REASON_TEXTS[ReasonCode(self.code)](dict(self.params), _english(lang))


# --- rendering ------------------------------------------------------------------------------


def _english(lang: str | None) -> bool:
    # Same rule as catalog.model.Text.get: exactly "en" is English, anything else German,
    # so a reason and the criterion titles inside it never come out in different languages.
    return lang == "en"


def _quoted(title: object, en: bool) -> str:
    return f"\u201c{title}\u201d" if en else f"\u201e{title}\u201c"


def _points(n: object, en: bool, dative: bool = False) -> str:
    if en:
        return f"{n} point" if n == 1 else f"{n} points"
    if n == 1:
        return f"{n} Punkt"
    return f"{n} Punkten" if dative else f"{n} Punkte"


def _months(n: object, en: bool) -> str:
    if en:
        return f"{n} month" if n == 1 else f"{n} months"
    return f"{n} Monat" if n == 1 else f"{n} Monaten"


def _criterion(p: Mapping[str, object], en: bool) -> str:
    title = p["title_en"] if en else p["title_de"]
    noun = "criterion" if en else "Kriterium"
    return f"{noun} {p['criterion_code']} {_quoted(title, en)}"


def _category(p: Mapping[str, object], en: bool) -> str:
    title = p["title_en"] if en else p["title_de"]
    noun = "category" if en else "Kategorie"
    return f"{noun} {p['category_code']} {_quoted(title, en)}"


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def _knockout_text(p: Mapping[str, object], en: bool) -> str:
    title = p["title_en"] if en else p["title_de"]
    code = p["criterion_code"]
    if p.get("not_applicable"):
        if en:
            return (
                f"Knock-out criterion {code} {_quoted(title, en)} is not met: it is marked "
                "not applicable, which knock-out criteria do not allow."
            )
        return (
            f"K.-o.-Kriterium {code} {_quoted(title, en)} ist nicht erfüllt: Es ist als nicht "
            "anwendbar markiert, was bei K.-o.-Kriterien nicht zulässig ist."
        )
    if en:
        return (
            f"Knock-out criterion {code} {_quoted(title, en)} is not met: "
            f"{_points(p['points'], en)}, at least {_points(p['minimum'], en)} required."
        )
    return (
        f"K.-o.-Kriterium {code} {_quoted(title, en)} ist nicht erfüllt: "
        f"{_points(p['points'], en)}, erforderlich sind mindestens {_points(p['minimum'], en)}."
    )


def _category_minimum_text(p: Mapping[str, object], en: bool) -> str:
    percent = format_percent(p["percent"], "en" if en else "de")
    minimum = format_threshold(p["minimum"], "en" if en else "de")
    if en:
        return (
            f"{_capitalised(_category(p, en))} reaches {percent}, below the minimum of {minimum}."
        )
    return (
        f"{_category(p, en)} erreicht {percent} und liegt damit unter der Mindestanforderung "
        f"von {minimum}."
    )


def _zero_points_weight3_text(p: Mapping[str, object], en: bool) -> str:
    if en:
        return f"{_capitalised(_criterion(p, en))} with weight {p['weight']} scored 0 points."
    return f"{_criterion(p, en)} mit Gewicht {p['weight']} wurde mit 0 Punkten bewertet."


def _zero_points_text(p: Mapping[str, object], en: bool) -> str:
    if en:
        return f"{_capitalised(_criterion(p, en))} scored 0 points."
    return f"{_criterion(p, en)} wurde mit 0 Punkten bewertet."


def _one_point_text(p: Mapping[str, object], en: bool) -> str:
    if en:
        return f"{_capitalised(_criterion(p, en))} scored only 1 point."
    return f"{_criterion(p, en)} wurde nur mit 1 Punkt bewertet."


def _manual_text(p: Mapping[str, object], en: bool) -> str:
    return str(p["text"])


_FINDING_TEXTS: dict[FindingKind, Callable[[Mapping[str, object], bool], str]] = {
    FindingKind.KNOCKOUT: _knockout_text,
    FindingKind.CATEGORY_MINIMUM: _category_minimum_text,
    FindingKind.ZERO_POINTS_WEIGHT3: _zero_points_weight3_text,
    FindingKind.ZERO_POINTS: _zero_points_text,
    FindingKind.ONE_POINT: _one_point_text,
    FindingKind.MANUAL: _manual_text,
}


def _finding_text(p: Mapping[str, object], en: bool) -> str:
    return _FINDING_TEXTS[FindingKind(p["finding_kind"])](p, en)


def _missing_text(p: Mapping[str, object], en: bool) -> str:
    codes = tuple(p["codes"])
    listed = ", ".join(str(c) for c in codes)
    count, total = len(codes), p["total"]
    if en:
        verb = "is" if count == 1 else "are"
        return (
            f"{count} of {total} criteria {verb} not assessed yet "
            f"(neither points nor not applicable): {listed}."
        )
    verb = "ist" if count == 1 else "sind"
    return (
        f"Noch nicht bewertet (weder Punkte noch \u201enicht anwendbar\u201c) {verb} "
        f"{count} von {total} Kriterien: {listed}."
    )


def _no_overall_text(p: Mapping[str, object], en: bool) -> str:
    if en:
        return (
            "There is no overall result: no category contains a scored criterion, "
            "every criterion is marked not applicable."
        )
    return (
        "Es gibt kein Gesamtergebnis: Keine Kategorie enthält ein bewertetes Kriterium, "
        "alle Kriterien sind als nicht anwendbar markiert."
    )


def _overall_below_text(p: Mapping[str, object], en: bool) -> str:
    lang = "en" if en else "de"
    overall = format_percent(p["overall"], lang)
    minimum = format_threshold(p["minimum"], lang)
    if en:
        return f"Overall result {overall} is below the minimum of {minimum}."
    return f"Gesamtergebnis {overall} liegt unter der Mindestanforderung von {minimum}."


def _major_finding_text(p: Mapping[str, object], en: bool) -> str:
    on = _manual_subject(p, en)
    prefix = f"Major nonconformity{on}" if en else f"Schwerwiegende Abweichung{on}"
    return f"{prefix}: {_finding_text(p, en)}"


def _minor_finding_text(p: Mapping[str, object], en: bool) -> str:
    on = _manual_subject(p, en)
    months = _months(p["deadline_months"], en)
    if en:
        prefix = f"Condition{on}, to be fixed within {months}"
    else:
        prefix = f"Auflage{on} mit einer Frist von {months}"
    return f"{prefix}: {_finding_text(p, en)}"


def _manual_subject(p: Mapping[str, object], en: bool) -> str:
    # Computed findings name their criterion in the sentence; a manual one only by code.
    if p["finding_kind"] != FindingKind.MANUAL or not p.get("criterion_code"):
        return ""
    return f" on {p['criterion_code']}" if en else f" zu {p['criterion_code']}"


def _thresholds_met_text(p: Mapping[str, object], en: bool) -> str:
    lang = "en" if en else "de"
    overall = format_percent(p["overall"], lang)
    minimum = format_threshold(p["minimum"], lang)
    category_minimum = format_threshold(p["category_minimum"], lang)
    if en:
        return (
            f"Overall result {overall} meets the minimum of {minimum}; every scored category "
            f"reaches at least {category_minimum} and every knock-out criterion is met."
        )
    return (
        f"Gesamtergebnis {overall} erreicht die Mindestanforderung von {minimum}; jede "
        f"gewertete Kategorie erreicht mindestens {category_minimum} und alle "
        "K.-o.-Kriterien sind erfüllt."
    )


def _all_passed_text(p: Mapping[str, object], en: bool) -> str:
    lang = "en" if en else "de"
    overall = format_percent(p["overall"], lang)
    minimum = format_threshold(p["minimum"], lang)
    category_minimum = format_threshold(p["category_minimum"], lang)
    if en:
        return (
            f"All requirements are met: overall result {overall} (minimum {minimum}), every "
            f"scored category at least {category_minimum}, every knock-out criterion met and "
            "no nonconformity that requires a condition."
        )
    return (
        f"Alle Anforderungen sind erfüllt: Gesamtergebnis {overall} (Mindestanforderung "
        f"{minimum}), jede gewertete Kategorie mindestens {category_minimum}, alle "
        "K.-o.-Kriterien erfüllt und keine Abweichung, die eine Auflage erfordert."
    )


def _category_dropped_text(p: Mapping[str, object], en: bool) -> str:
    if en:
        return (
            f"{_capitalised(_category(p, en))} drops out because all its criteria are marked "
            "not applicable; the overall result is weighted over the remaining categories."
        )
    return (
        f"{_category(p, en)} entfällt, weil alle ihre Kriterien als nicht anwendbar markiert "
        "sind; das Gesamtergebnis wird über die übrigen Kategorien gewichtet."
    )


_REASON_TEXTS: dict[ReasonCode, Callable[[Mapping[str, object], bool], str]] = {
    ReasonCode.MISSING_CRITERIA: _missing_text,
    ReasonCode.KNOCKOUT_NOT_MET: _finding_text,
    ReasonCode.NO_OVERALL_RESULT: _no_overall_text,
    ReasonCode.OVERALL_BELOW_MINIMUM: _overall_below_text,
    ReasonCode.CATEGORY_BELOW_MINIMUM: _finding_text,
    ReasonCode.MAJOR_FINDING: _major_finding_text,
    ReasonCode.THRESHOLDS_MET: _thresholds_met_text,
    ReasonCode.MINOR_FINDING: _minor_finding_text,
    ReasonCode.ALL_PASSED: _all_passed_text,
    ReasonCode.CATEGORY_DROPPED: _category_dropped_text,
}
