"""What the scoring engine returns: the answers it takes and the results it gives.

Pure code: standard library and :mod:`audit_app.catalog.model` only. Frozen dataclasses and
enums, no rules: :mod:`.rules` decides, :mod:`.engine` puts the results together.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

from audit_app.catalog.model import ReportBand, Text

from .reasons import Finding, Reason, Severity

__all__ = [
    "NO_ANSWER", "Answer", "CategoryResult", "CriterionResult", "KnockoutResult", "Outcome",
    "ScoreResult", "Source",
]


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


#: A criterion without an entry in the answers: missing.
NO_ANSWER = Answer()


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
