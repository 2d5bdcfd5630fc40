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

All arithmetic is exact (:class:`fractions.Fraction`); rounding happens only for display
(:func:`audit_app.scoring.reasons.format_percent`, which rounds down), so 64.96 % never
passes a 65 % threshold.
"""

from __future__ import annotations

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
    Rules,
    ScoringType,
    Text,
)

from .reasons import (
    SEVERITY_ORDER,
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
    minimum (a dropped category is never below). ``weighted_points`` / ``weighted_maximum``
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
    rules = catalog.rules
    category_minimum = Fraction(rules.category_minimum)
    na_limit = Fraction(rules.na_warning_percent)

    criteria: dict[str, CriterionResult] = {}
    categories: list[CategoryResult] = []
    knockouts: list[KnockoutResult] = []
    missing: list[str] = []
    computed: list[Finding] = []

    for category in catalog.categories:
        results = [
            _criterion_result(category, c, answers.get(c.code, _NO_ANSWER))
            for c in category.criteria
        ]
        for criterion, result in zip(category.criteria, results):
            criteria[criterion.code] = result
            if not result.answered:
                missing.append(criterion.code)
            if criterion.knockout:
                knockouts.append(_knockout_result(result, rules.knockout_minimum))
            finding = _criterion_finding(category, criterion, result, rules.knockout_minimum)
            if finding is not None:
                computed.append(finding)
        category_result = _category_result(category, results, category_minimum, na_limit)
        categories.append(category_result)
        if category_result.below_minimum:
            computed.append(_category_finding(category_result, rules.category_minimum))

    manual = [_manual_finding(m, criteria) for m in manual_findings]
    # Stable sort: within a severity, computed findings (catalogue order) precede manual ones.
    findings = tuple(
        sorted(computed + manual, key=lambda f: SEVERITY_ORDER.index(Severity(f.severity)))
    )
    overall = _overall_percent(categories)
    outcome, reasons = _decide(rules, len(criteria), tuple(missing), overall, categories, findings)
    return ScoreResult(
        overall_percent=overall,
        categories=tuple(categories),
        criteria=criteria,
        knockouts=tuple(knockouts),
        findings=findings,
        missing=tuple(missing),
        outcome=outcome,
        reasons=reasons,
        band=_report_band(rules.report_bands, overall),
        deadline_months=rules.condition_deadline_months,
    )


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


def _criterion_result(category: Category, criterion: Criterion, answer: Answer) -> CriterionResult:
    code = criterion.code
    _check_points(code, "points", answer.points)
    _check_points(code, "adjusted_points", answer.adjusted_points)
    for field in ("value", "adjusted_value"):
        if getattr(answer, field) is not None and criterion.type != ScoringType.NUMBER:
            raise ValueError(f"{code}: {field} given for a {criterion.type} criterion")

    points: int | None = None
    value: Decimal | None = None
    source: Source | None = None
    not_applicable = False
    if answer.adjusted_points is not None:
        points, source = answer.adjusted_points, Source.REVIEWER
    elif answer.adjusted_value is not None:
        value, source = answer.adjusted_value, Source.REVIEWER
        points = _banded(criterion, value, "adjusted_value")
    elif answer.not_applicable:
        not_applicable = True
    elif answer.points is not None:
        points, source = answer.points, Source.AUDITOR
    elif answer.value is not None:
        value, source = answer.value, Source.AUDITOR
        points = _banded(criterion, value, "value")
    return CriterionResult(
        code=code,
        category_code=category.code,
        weight=criterion.weight,
        knockout=criterion.knockout,
        points=points,
        value=value,
        source=source,
        not_applicable=not_applicable,
    )


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


# --- categories and overall -----------------------------------------------------------------


def _category_result(
    category: Category,
    results: Sequence[CriterionResult],
    category_minimum: Fraction,
    na_limit: Fraction,
) -> CategoryResult:
    scored = [r for r in results if r.points is not None]
    weighted_points = sum(r.weight * r.points for r in scored)
    weighted_maximum = sum(r.weight * MAX_POINTS for r in scored)
    total_weight = sum(r.weight for r in results)
    na_weight = sum(r.weight for r in results if r.not_applicable)
    dropped = all(r.not_applicable for r in results)
    percent = Fraction(100 * weighted_points, weighted_maximum) if weighted_maximum else None
    na_percent = Fraction(100 * na_weight, total_weight) if total_weight else Fraction(0)
    return CategoryResult(
        code=category.code,
        title=category.title,
        weight=category.weight,
        percent=percent,
        dropped=dropped,
        below_minimum=percent is not None and percent < category_minimum,
        answered=sum(1 for r in results if r.answered),
        total=len(results),
        weighted_points=weighted_points,
        weighted_maximum=weighted_maximum,
        na_weight_percent=na_percent,
        na_warning=na_percent > na_limit,
    )


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


def _overall_percent(categories: Sequence[CategoryResult]) -> Fraction | None:
    counted = [c for c in categories if c.percent is not None]
    weight = sum(c.weight for c in counted)
    if not weight:
        return None
    return sum((c.weight * c.percent for c in counted), Fraction(0)) / weight


def _report_band(bands: Sequence[ReportBand], overall: Fraction | None) -> ReportBand | None:
    if overall is None:
        return None
    reached = [b for b in bands if Fraction(b.minimum) <= overall]
    return max(reached, key=lambda b: b.minimum, default=None)


# --- outcome --------------------------------------------------------------------------------


def _finding_reason(code: ReasonCode, finding: Finding, extra: Params = ()) -> Reason:
    return Reason(code, (("finding_kind", str(finding.kind)),) + finding.params + extra)


def _decide(
    rules: Rules,
    total: int,
    missing: tuple[str, ...],
    overall: Fraction | None,
    categories: Sequence[CategoryResult],
    findings: Sequence[Finding],
) -> tuple[Outcome, tuple[Reason, ...]]:
    """Apply the outcome rules in order; a refusal lists every reason that applies."""
    if missing:
        return Outcome.INCOMPLETE, (
            Reason(ReasonCode.MISSING_CRITERIA, (("codes", missing), ("total", total))),
        )

    majors = [f for f in findings if f.severity == Severity.MAJOR]
    refusals = [
        _finding_reason(ReasonCode.KNOCKOUT_NOT_MET, f)
        for f in majors
        if f.kind == FindingKind.KNOCKOUT
    ]
    if overall is None:
        refusals.append(Reason(ReasonCode.NO_OVERALL_RESULT))
    elif overall < Fraction(rules.overall_minimum):
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
    minors = [f for f in findings if f.severity == Severity.MINOR]
    if minors:
        deadline: Params = (("deadline_months", rules.condition_deadline_months),)
        conditions = tuple(_finding_reason(ReasonCode.MINOR_FINDING, f, deadline) for f in minors)
        return (
            Outcome.AWARD_WITH_CONDITIONS,
            (Reason(ReasonCode.THRESHOLDS_MET, thresholds),) + conditions + notes,
        )
    return Outcome.AWARD, (Reason(ReasonCode.ALL_PASSED, thresholds),) + notes
