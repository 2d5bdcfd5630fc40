"""The scoring engine: a catalogue plus an audit's assessments give percents and an outcome.

Pure code: standard library and :mod:`audit_app.catalog.model` only. The rules are those of
"Scoring rules" in the domain description:

* final points of a criterion: the reviewer's adjustment, else the auditor's points (number
  criteria: the raw value banded by the catalogue);
* category percent = Σ(w · points) / Σ(w · 3) · 100 over the category's criteria that are not
  N/A; a category whose criteria are all N/A drops out of the overall result;
* overall percent = Σ(category weight · category percent) / Σ(weights of the categories that
  count);
* knock-outs, findings and the outcome (incomplete → refuse → award with conditions →
  award), each outcome with human-readable reasons.

All arithmetic is exact: the weighted sums are integers, and each percent is one
:class:`fractions.Fraction` built from them (thresholds are compared exactly too). Rounding
happens only for display (:func:`audit_app.scoring.reasons.format_percent`, which rounds
down), so 64.96 % never passes a 65 % threshold.

What follows from the catalogue alone (weights, flags, the rules as fractions, and the
immutable per-criterion results, knock-out results and findings of each possible final state)
is worked out once per :class:`~audit_app.catalog.model.Catalog` object and reused; catalogues
are frozen, so this never changes a result.
"""

from __future__ import annotations

import functools
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

from audit_app.catalog.model import (
    MAX_POINTS,
    Catalog,
    Category,
    Criterion,
    ReportBand,
    ScoringType,
    Text,
)

from .reasons import (
    Finding,
    FindingKind,
    ManualFinding,
    Params,
    Reason,
    ReasonCode,
    Severity,
)

#: A criterion of this weight scoring 0 points is a major finding (others are minor).
MAJOR_ZERO_WEIGHT = 3


@dataclass(frozen=True)
class Answer:
    """One criterion's assessment as the engine sees it; every field is optional.

    ``points`` (0-3) is the auditor's score of a scale or yes/no criterion (or a number
    criterion scored directly); ``value`` the auditor's raw value of a number criterion,
    banded into points by the catalogue. ``adjusted_points`` / ``adjusted_value`` are the
    reviewer's adjustment and win over the auditor's; an adjustment also wins over
    ``not_applicable``. Points win over a value given alongside them. An answer with none of
    these set (or no answer at all) means the criterion is still missing.
    """

    points: int | None = None
    value: Decimal | None = None
    not_applicable: bool = False
    adjusted_points: int | None = None
    adjusted_value: Decimal | None = None


_NO_ANSWER = Answer()


class Outcome(StrEnum):
    """The result of an audit, decided in this order of precedence."""

    INCOMPLETE = "incomplete"
    REFUSE = "refuse"
    AWARD_WITH_CONDITIONS = "award_with_conditions"
    AWARD = "award"


class Source(StrEnum):
    """Whose points count for a criterion."""

    AUDITOR = "auditor"
    REVIEWER = "reviewer"


@dataclass(frozen=True)
class CriterionResult:
    """The final state of one criterion.

    ``points`` are the final points (0-3) or None when the criterion is N/A or missing;
    ``value`` is the raw value that was banded into them (None when points were given
    directly); ``source`` says whose points count (None when there are none).
    """

    code: str
    category_code: str
    weight: int
    knockout: bool
    points: int | None
    value: Decimal | None
    source: Source | None
    not_applicable: bool

    @property
    def answered(self) -> bool:
        """True when the criterion has final points or is N/A."""
        return self.points is not None or self.not_applicable


@dataclass(frozen=True)
class CategoryResult:
    """One category's percent and flags.

    ``percent`` (0-100, exact) is computed over the answered criteria that are not N/A, so
    it is provisional while the audit is incomplete; it is None when no criterion of the
    category has points yet, and for a dropped category. ``dropped`` is True when every
    criterion is N/A (the category then leaves the overall result; an empty category counts
    as dropped too). ``below_minimum`` compares ``percent`` strictly with the category
    minimum, and only for a complete category (every criterion answered or N/A): while
    criteria are missing the percent rests on a few answers and swings, so an incomplete
    category is "still open", never "below the minimum" nor a major finding (a dropped
    category is never below either). ``weighted_points`` / ``weighted_maximum``
    are Σ(w · points) and Σ(w · 3) over the scored criteria. ``na_weight_percent`` (0-100) is
    the share of the category's total weight that is N/A; ``na_warning`` is True when that
    share is strictly greater than the catalogue's warning limit.
    """

    code: str
    title: Text
    weight: int
    percent: Fraction | None
    dropped: bool
    below_minimum: bool
    answered: int
    total: int
    weighted_points: int
    weighted_maximum: int
    na_weight_percent: Fraction
    na_warning: bool

    @property
    def complete(self) -> bool:
        """True when every criterion of the category has points or is N/A."""
        return self.answered == self.total


@dataclass(frozen=True)
class KnockoutResult:
    """A knock-out criterion's status.

    ``met`` is True when the final points reach the catalogue's knock-out minimum (exactly
    the minimum is met), None while the criterion is unanswered, and False when the points
    fall short or the criterion is marked N/A (which knock-outs do not allow).
    """

    code: str
    points: int | None
    met: bool | None
    not_applicable: bool = False


@dataclass(frozen=True)
class ScoreResult:
    """Everything the engine computed for one audit; read-only and free of I/O.

    ``overall_percent`` (0-100, exact) is None when no category has a percent (every
    category dropped or nothing scored yet); while the audit is incomplete it and the
    category percents are provisional. ``criteria`` maps each catalogue code to its
    :class:`CriterionResult` in catalogue order. ``findings`` lists majors, then minors,
    then observations (computed in catalogue order before manual ones in given order).
    ``missing`` holds the codes with neither points nor N/A, in catalogue order.
    ``reasons`` explain ``outcome`` (at least one). ``band`` is the report band of the
    overall percent (None below every band or without an overall percent).
    ``deadline_months`` is the catalogue's deadline for conditions.
    """

    overall_percent: Fraction | None
    categories: tuple[CategoryResult, ...]
    criteria: dict[str, CriterionResult]
    knockouts: tuple[KnockoutResult, ...]
    findings: tuple[Finding, ...]
    missing: tuple[str, ...]
    outcome: Outcome
    reasons: tuple[Reason, ...]
    band: ReportBand | None
    deadline_months: int

    @property
    def major(self) -> tuple[Finding, ...]:
        """The major findings (each one refuses a complete audit)."""
        return tuple(f for f in self.findings if f.severity == Severity.MAJOR)

    @property
    def minor(self) -> tuple[Finding, ...]:
        """The minor findings (each one a condition when the label is awarded)."""
        return tuple(f for f in self.findings if f.severity == Severity.MINOR)

    @property
    def observations(self) -> tuple[Finding, ...]:
        """The observations (recorded, no effect on the outcome)."""
        return tuple(f for f in self.findings if f.severity == Severity.OBSERVATION)

    @property
    def total(self) -> int:
        """Number of criteria in the catalogue."""
        return len(self.criteria)

    @property
    def answered(self) -> int:
        """Number of criteria with final points or N/A."""
        return self.total - len(self.missing)

    @property
    def complete(self) -> bool:
        """True when every criterion has points or N/A."""
        return not self.missing

    @property
    def awarded_band(self) -> ReportBand | None:
        """The report band, but only for an outcome that awards the label.

        ``band`` follows the overall percent alone; a refused or incomplete audit at 90 %
        must not be presented as "hervorragend".
        """
        if self.outcome in (Outcome.AWARD, Outcome.AWARD_WITH_CONDITIONS):
            return self.band
        return None

    def category(self, code: str) -> CategoryResult:
        """The result of the category ``code``; KeyError when there is none."""
        for result in self.categories:
            if result.code == code:
                return result
        raise KeyError(code)


def score(
    catalog: Catalog,
    answers: Mapping[str, Answer],
    manual_findings: Sequence[ManualFinding] = (),
) -> ScoreResult:
    """Score an audit: percents, knock-outs, findings, outcome and reasons.

    ``answers`` maps criterion codes to :class:`Answer`; a code without an entry is missing,
    codes the catalogue does not know are ignored. ``manual_findings`` are added as written
    and count toward the outcome by severity. Percents are exact fractions from 0 to 100.

    Raises ValueError for points outside 0..3 (given, adjusted, or produced by a band) and
    for a raw value on a criterion that is not a number criterion, so bad data never
    silently scores. Anything else about the answers (e.g. 1 point on a yes/no criterion,
    N/A where the catalogue forbids it) is validated where the data is entered; a knock-out
    marked N/A is treated as not met.
    """
    plan = _plan_for(catalog)
    rules = plan.rules
    get = answers.get

    criteria: dict[str, CriterionResult] = {}
    categories: list[CategoryResult] = []
    knockouts: list[KnockoutResult] = []
    missing: list[str] = []
    # Findings by severity, each in catalogue order; manual ones are appended after them.
    majors: list[Finding] = []
    minors: list[Finding] = []
    observations: list[Finding] = []
    by_severity = {
        Severity.MAJOR: majors,
        Severity.MINOR: minors,
        Severity.OBSERVATION: observations,
    }
    # Σ(category weight · category percent) as one exact fraction num/den (kept in integers),
    # and Σ(weights of the categories that have a percent).
    overall_num, overall_den, counted_weight = 0, 1, 0

    for cat in plan.categories:
        weighted_points = weighted_maximum = na_weight = na_count = answered = 0
        for entry in cat.entries:
            result, knockout, finding = entry.state(get(entry.code, _NO_ANSWER))
            criteria[entry.code] = result
            points = result.points
            if points is not None:
                weighted_points += entry.weight * points
                weighted_maximum += entry.maximum
                answered += 1
            elif result.not_applicable:
                na_weight += entry.weight
                na_count += 1
                answered += 1
            else:
                missing.append(entry.code)
            if knockout is not None:
                knockouts.append(knockout)
            if finding is not None:
                by_severity[finding.severity].append(finding)

        if weighted_maximum:
            percent: Fraction | None = Fraction(100 * weighted_points, weighted_maximum)
            if weighted_maximum > 0:  # percent < category minimum, cross-multiplied
                below = (
                    100 * weighted_points * plan.category_minimum_den
                    < plan.category_minimum_num * weighted_maximum
                )
            else:
                below = percent < plan.category_minimum
            if cat.weight:
                counted_weight += cat.weight
                overall_num = (
                    overall_num * weighted_maximum
                    + overall_den * cat.weight * 100 * weighted_points
                )
                overall_den *= weighted_maximum
        else:
            percent, below = None, False
        below = below and answered == cat.total
        na_percent, na_warning = cat.na_share(na_weight)
        category_result = CategoryResult(
            code=cat.code,
            title=cat.title,
            weight=cat.weight,
            percent=percent,
            dropped=na_count == cat.total,
            below_minimum=below,
            answered=answered,
            total=cat.total,
            weighted_points=weighted_points,
            weighted_maximum=weighted_maximum,
            na_weight_percent=na_percent,
            na_warning=na_warning,
        )
        categories.append(category_result)
        if below:
            majors.append(_category_finding(category_result, rules.category_minimum))

    for manual in manual_findings:
        finding = _manual_finding(manual, criteria)
        by_severity[finding.severity].append(finding)
    findings = tuple(majors + minors + observations)

    overall = Fraction(overall_num, overall_den * counted_weight) if counted_weight else None
    missing_codes = tuple(missing)
    outcome, reasons = _decide(
        plan, len(criteria), missing_codes, overall, categories, majors, minors
    )
    return ScoreResult(
        overall_percent=overall,
        categories=tuple(categories),
        criteria=criteria,
        knockouts=tuple(knockouts),
        findings=findings,
        missing=missing_codes,
        outcome=outcome,
        reasons=reasons,
        band=plan.report_band(overall),
        deadline_months=rules.condition_deadline_months,
    )


# --- per-catalogue plan ---------------------------------------------------------------------
#
# A catalogue is frozen, so everything score() derives from it alone (per-criterion flags and
# weights, the rules as exact fractions, and the immutable result objects that follow from a
# given final state of a criterion) is worked out once per Catalog object and reused. Whole
# states are cached for points given directly as plain ints (0..3), N/A and missing; for a
# banded raw value, which the result keeps exactly as given, only the knock-out result and
# finding are. A cached object is always equal to the one that would be built afresh.

_State = tuple[CriterionResult, "KnockoutResult | None", "Finding | None"]


class _CriterionPlan:
    """One criterion as score() needs it, with its cached final states."""

    __slots__ = (
        "_findings",
        "_states",
        "category",
        "code",
        "criterion",
        "is_number",
        "knockout_minimum",
        "maximum",
        "weight",
    )

    def __init__(self, category: Category, criterion: Criterion, knockout_minimum: int):
        self.criterion = criterion
        self.category = category
        self.code = criterion.code
        self.weight = criterion.weight
        self.maximum = criterion.weight * MAX_POINTS
        self.is_number = criterion.type == ScoringType.NUMBER
        self.knockout_minimum = knockout_minimum
        # (points, source) -> state; None -> missing; True -> N/A.
        self._states: dict[object, _State] = {}
        # points -> (knock-out result, finding) of a banded raw value.
        self._findings: dict[int, tuple[KnockoutResult | None, Finding | None]] = {}

    def state(self, answer: Answer) -> _State:
        """Validate ``answer`` and return (result, knock-out result or None, finding or None)."""
        code = self.code
        points = answer.points
        adjusted_points = answer.adjusted_points
        if points is not None and not (type(points) is int and 0 <= points <= MAX_POINTS):
            _check_points(code, "points", points)
        if adjusted_points is not None and not (
            type(adjusted_points) is int and 0 <= adjusted_points <= MAX_POINTS
        ):
            _check_points(code, "adjusted_points", adjusted_points)
        value = answer.value
        adjusted_value = answer.adjusted_value
        if not self.is_number:
            criterion_type = self.criterion.type
            if value is not None:
                raise ValueError(f"{code}: value given for a {criterion_type} criterion")
            if adjusted_value is not None:
                raise ValueError(f"{code}: adjusted_value given for a {criterion_type} criterion")

        if adjusted_points is not None:
            return self._given(adjusted_points, Source.REVIEWER)
        if adjusted_value is not None:
            banded = _banded(self.criterion, adjusted_value, "adjusted_value")
            return self._valued(banded, adjusted_value, Source.REVIEWER)
        if answer.not_applicable:
            return self._cached(True, None, None, True)
        if points is not None:
            return self._given(points, Source.AUDITOR)
        if value is not None:
            return self._valued(_banded(self.criterion, value, "value"), value, Source.AUDITOR)
        return self._cached(None, None, None, False)

    def _given(self, points: int, source: Source) -> _State:
        if type(points) is int:
            return self._cached((points, source), points, source, False)
        return self._build(points, None, source, False)  # an int subclass: keep it as given

    def _valued(self, points: int, value: Decimal, source: Source) -> _State:
        # The value is kept exactly as given, so the result is built afresh; what follows
        # from the points alone is cached.
        result = self._result(points, value, source, False)
        if type(points) is not int:
            return result, *self._consequences(result)
        consequences = self._findings.get(points)
        if consequences is None:
            consequences = self._findings[points] = self._consequences(result)
        return result, *consequences

    def _cached(
        self, key: object, points: int | None, source: Source | None, not_applicable: bool
    ) -> _State:
        state = self._states.get(key)
        if state is None:
            state = self._states[key] = self._build(points, None, source, not_applicable)
        return state

    def _build(
        self, points: int | None, value: Decimal | None, source: Source | None, na: bool
    ) -> _State:
        result = self._result(points, value, source, na)
        return result, *self._consequences(result)

    def _result(
        self, points: int | None, value: Decimal | None, source: Source | None, na: bool
    ) -> CriterionResult:
        return CriterionResult(
            code=self.code,
            category_code=self.category.code,
            weight=self.weight,
            knockout=self.criterion.knockout,
            points=points,
            value=value,
            source=source,
            not_applicable=na,
        )

    def _consequences(
        self, result: CriterionResult
    ) -> tuple[KnockoutResult | None, Finding | None]:
        knockout = (
            _knockout_result(result, self.knockout_minimum) if self.criterion.knockout else None
        )
        finding = _criterion_finding(self.category, self.criterion, result, self.knockout_minimum)
        return knockout, finding


class _CategoryPlan:
    """One category as score() needs it."""

    __slots__ = ("_na", "code", "entries", "na_limit", "title", "total", "total_weight", "weight")

    def __init__(self, category: Category, knockout_minimum: int, na_limit: Fraction):
        self.code = category.code
        self.title = category.title
        self.weight = category.weight
        self.entries = tuple(
            _CriterionPlan(category, c, knockout_minimum) for c in category.criteria
        )
        self.total = len(self.entries)
        self.total_weight = sum(c.weight for c in category.criteria)
        self.na_limit = na_limit
        self._na: dict[int, tuple[Fraction, bool]] = {}

    def na_share(self, na_weight: int) -> tuple[Fraction, bool]:
        """(N/A weight percent, warning) for ``na_weight`` of the category's total weight."""
        share = self._na.get(na_weight)
        if share is None:
            total = self.total_weight
            percent = Fraction(100 * na_weight, total) if total else Fraction(0)
            share = self._na[na_weight] = (percent, percent > self.na_limit)
        return share


class _Plan:
    """Everything score() derives from a catalogue alone."""

    def __init__(self, catalog: Catalog):
        rules = catalog.rules
        self.rules = rules
        category_minimum = self.category_minimum = Fraction(rules.category_minimum)
        self.category_minimum_num = category_minimum.numerator
        self.category_minimum_den = category_minimum.denominator
        self.overall_minimum = Fraction(rules.overall_minimum)
        na_limit = Fraction(rules.na_warning_percent)
        self.categories = tuple(
            _CategoryPlan(c, rules.knockout_minimum, na_limit) for c in catalog.categories
        )
        self.bands = tuple((Fraction(b.minimum), b) for b in rules.report_bands)

    def report_band(self, overall: Fraction | None) -> ReportBand | None:
        """The highest report band ``overall`` reaches (the first listed among equals)."""
        if overall is None:
            return None
        best: ReportBand | None = None
        for minimum, band in self.bands:
            if minimum <= overall and (best is None or band.minimum > best.minimum):
                best = band
        return best


# id(catalog) -> (weak reference to it, its plan). The weak reference proves the entry
# belongs to this very object (ids are reused) and drops the entry with the catalogue.
_PLANS: dict[int, tuple[weakref.ref[Catalog], _Plan]] = {}


def _plan_for(catalog: Catalog) -> _Plan:
    key = id(catalog)
    entry = _PLANS.get(key)
    if entry is not None and entry[0]() is catalog:
        return entry[1]
    plan = _Plan(catalog)
    try:
        ref = weakref.ref(catalog, functools.partial(_forget_plan, key))
    except TypeError:  # not weakly referenceable: work without the cache
        return plan
    _PLANS[key] = (ref, plan)
    return plan


def _forget_plan(key: int, ref: weakref.ref[Catalog]) -> None:
    entry = _PLANS.get(key)
    if entry is not None and entry[0] is ref:
        del _PLANS[key]


# --- criteria -------------------------------------------------------------------------------


def _check_points(code: str, field: str, points: object) -> None:
    if points is None:
        return
    if isinstance(points, bool) or not isinstance(points, int) or not 0 <= points <= MAX_POINTS:
        raise ValueError(
            f"{code}: {field} must be an integer from 0 to {MAX_POINTS}, got {points!r}"
        )


def _banded(criterion: Criterion, value: Decimal, field: str) -> int:
    points = criterion.points_for_value(value)
    _check_points(criterion.code, f"points of the band for {field}={value}", points)
    return points


def _knockout_result(result: CriterionResult, minimum: int) -> KnockoutResult:
    if result.not_applicable:
        met: bool | None = False
    elif result.points is None:
        met = None
    else:
        met = result.points >= minimum
    return KnockoutResult(
        code=result.code, points=result.points, met=met, not_applicable=result.not_applicable
    )


def _criterion_params(criterion: Criterion) -> Params:
    return (
        ("criterion_code", criterion.code),
        ("title_de", criterion.title.de),
        ("title_en", criterion.title.en),
    )


def _criterion_finding(
    category: Category, criterion: Criterion, result: CriterionResult, knockout_minimum: int
) -> Finding | None:
    """At most one computed finding per criterion; a failed knock-out outranks the rest."""
    params = _criterion_params(criterion)
    points = result.points
    if criterion.knockout and (
        result.not_applicable or (points is not None and points < knockout_minimum)
    ):
        severity, kind = Severity.MAJOR, FindingKind.KNOCKOUT
        params += (
            ("points", points),
            ("minimum", knockout_minimum),
            ("not_applicable", result.not_applicable),
        )
    elif points == 0 and criterion.weight >= MAJOR_ZERO_WEIGHT:
        severity, kind = Severity.MAJOR, FindingKind.ZERO_POINTS_WEIGHT3
        params += (("points", 0), ("weight", criterion.weight))
    elif points == 0:
        severity, kind = Severity.MINOR, FindingKind.ZERO_POINTS
        params += (("points", 0), ("weight", criterion.weight))
    elif points == 1:
        severity, kind = Severity.OBSERVATION, FindingKind.ONE_POINT
        params += (("points", 1), ("weight", criterion.weight))
    else:
        return None
    return Finding(
        severity=severity,
        kind=kind,
        criterion_code=criterion.code,
        category_code=category.code,
        params=params,
    )


def _manual_finding(manual: ManualFinding, criteria: Mapping[str, CriterionResult]) -> Finding:
    code = manual.criterion_code
    known = criteria.get(code) if code is not None else None
    return Finding(
        severity=Severity(manual.severity),
        kind=FindingKind.MANUAL,
        criterion_code=code,
        category_code=known.category_code if known is not None else None,
        params=(("text", manual.text), ("criterion_code", code)),
    )


# --- categories -----------------------------------------------------------------------------


def _category_finding(result: CategoryResult, minimum: Decimal) -> Finding:
    return Finding(
        severity=Severity.MAJOR,
        kind=FindingKind.CATEGORY_MINIMUM,
        category_code=result.code,
        params=(
            ("category_code", result.code),
            ("title_de", result.title.de),
            ("title_en", result.title.en),
            ("percent", result.percent),
            ("minimum", minimum),
        ),
    )


# --- outcome --------------------------------------------------------------------------------


def _finding_reason(code: ReasonCode, finding: Finding, extra: Params = ()) -> Reason:
    return Reason(code, (("finding_kind", str(finding.kind)),) + finding.params + extra)


def _decide(
    plan: _Plan,
    total: int,
    missing: tuple[str, ...],
    overall: Fraction | None,
    categories: Sequence[CategoryResult],
    majors: Sequence[Finding],
    minors: Sequence[Finding],
) -> tuple[Outcome, tuple[Reason, ...]]:
    """Apply the outcome rules in order; a refusal lists every reason that applies.

    ``majors`` and ``minors`` are the major and minor findings in the order of
    ``ScoreResult.findings``.
    """
    rules = plan.rules
    if missing:
        return Outcome.INCOMPLETE, (
            Reason(ReasonCode.MISSING_CRITERIA, (("codes", missing), ("total", total))),
        )

    refusals = [
        _finding_reason(ReasonCode.KNOCKOUT_NOT_MET, f)
        for f in majors
        if f.kind == FindingKind.KNOCKOUT
    ]
    if overall is None:
        refusals.append(Reason(ReasonCode.NO_OVERALL_RESULT))
    elif overall < plan.overall_minimum:
        refusals.append(
            Reason(
                ReasonCode.OVERALL_BELOW_MINIMUM,
                (("overall", overall), ("minimum", rules.overall_minimum)),
            )
        )
    refusals += [
        _finding_reason(ReasonCode.CATEGORY_BELOW_MINIMUM, f)
        for f in majors
        if f.kind == FindingKind.CATEGORY_MINIMUM
    ]
    refusals += [
        _finding_reason(ReasonCode.MAJOR_FINDING, f)
        for f in majors
        if f.kind not in (FindingKind.KNOCKOUT, FindingKind.CATEGORY_MINIMUM)
    ]
    notes = tuple(
        Reason(
            ReasonCode.CATEGORY_DROPPED,
            (("category_code", c.code), ("title_de", c.title.de), ("title_en", c.title.en)),
        )
        for c in categories
        if c.dropped
    )
    if refusals:
        return Outcome.REFUSE, tuple(refusals) + notes

    thresholds: Params = (
        ("overall", overall),
        ("minimum", rules.overall_minimum),
        ("category_minimum", rules.category_minimum),
    )
    if minors:
        deadline: Params = (("deadline_months", rules.condition_deadline_months),)
        conditions = tuple(_finding_reason(ReasonCode.MINOR_FINDING, f, deadline) for f in minors)
        return (
            Outcome.AWARD_WITH_CONDITIONS,
            (Reason(ReasonCode.THRESHOLDS_MET, thresholds),) + conditions + notes,
        )
    return Outcome.AWARD, (Reason(ReasonCode.ALL_PASSED, thresholds),) + notes
