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

This module applies the rules to an audit's answers (:func:`score`); the parts live beside
it: the answer and result types in :mod:`.results`, each rule in :mod:`.rules`, and the
per-catalogue cache in :mod:`.plan` (what follows from the catalogue alone is worked out
once per :class:`~audit_app.catalog.model.Catalog` object and reused; catalogues are
frozen, so this never changes a result). The names importable from here before the split
still are.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from fractions import Fraction

from audit_app.catalog.model import Catalog

from .plan import plan_for
from .reasons import Finding, ManualFinding, Severity
from .results import (
    NO_ANSWER,
    Answer,
    CategoryResult,
    CriterionResult,
    KnockoutResult,
    Outcome,
    ScoreResult,
    Source,
)
from .rules import MAJOR_ZERO_WEIGHT, category_finding, decide, manual_finding

__all__ = [
    "MAJOR_ZERO_WEIGHT", "Answer", "CategoryResult", "CriterionResult", "KnockoutResult",
    "Outcome", "ScoreResult", "Source", "score",
]


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
    plan = plan_for(catalog)
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
            result, knockout, finding = entry.state(get(entry.code, NO_ANSWER))
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
        # Only a complete category can be below its minimum: with criteria missing the
        # percent rests on a few answers ("still open", not failing).
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
            majors.append(category_finding(category_result, rules.category_minimum))

    for manual in manual_findings:
        finding = manual_finding(manual, criteria)
        by_severity[finding.severity].append(finding)
    findings = tuple(majors + minors + observations)

    overall = Fraction(overall_num, overall_den * counted_weight) if counted_weight else None
    missing_codes = tuple(missing)
    outcome, reasons = decide(
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
