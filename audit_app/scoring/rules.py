"""The scoring rules: points, knock-outs, findings and the outcome with its reasons.

Pure code: standard library and :mod:`audit_app.catalog.model` only. Each function is one
rule of "Scoring rules" in the domain description, applied to one criterion, one category
or the whole audit; :mod:`.plan` caches what they give per catalogue, :mod:`.engine`
applies them to an audit's answers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING

from audit_app.catalog.model import MAX_POINTS, Category, Criterion

from .reasons import Finding, FindingKind, ManualFinding, Params, Reason, ReasonCode, Severity
from .results import CategoryResult, CriterionResult, KnockoutResult, Outcome

if TYPE_CHECKING:
    from .plan import Plan

#: A criterion of this weight scoring 0 points is a major finding (others are minor).
MAJOR_ZERO_WEIGHT = 3


# --- criteria -------------------------------------------------------------------------------


def check_points(code: str, field: str, points: object) -> None:
    """Refuse points outside 0..3 (or not an int) with a ValueError naming ``code``/``field``;
    None passes (no points given)."""
    if points is None:
        return
    if isinstance(points, bool) or not isinstance(points, int) or not 0 <= points <= MAX_POINTS:
        raise ValueError(
            f"{code}: {field} must be an integer from 0 to {MAX_POINTS}, got {points!r}"
        )


def banded_points(criterion: Criterion, value: Decimal, field: str) -> int:
    """The points of the band ``value`` falls into (ValueError if the band gives bad points)."""
    points = criterion.points_for_value(value)
    check_points(criterion.code, f"points of the band for {field}={value}", points)
    return points


def knockout_result(result: CriterionResult, minimum: int) -> KnockoutResult:
    """Met at ``minimum`` points or more; not met when fewer or N/A; open while unanswered."""
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


def criterion_finding(
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


def manual_finding(manual: ManualFinding, criteria: Mapping[str, CriterionResult]) -> Finding:
    """An auditor's written finding, with its criterion's category when the code is known."""
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


def category_finding(result: CategoryResult, minimum: Decimal) -> Finding:
    """The major finding of a category whose percent is below the category minimum."""
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


def decide(
    plan: Plan,
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
