"""The per-catalogue cache under the scoring engine: what follows from a catalogue alone.

Pure code: standard library and :mod:`audit_app.catalog.model` only. A catalogue is frozen,
so everything :func:`audit_app.scoring.engine.score` derives from it alone (per-criterion
flags and weights, the rules as exact fractions, and the immutable result objects that
follow from a given final state of a criterion) is worked out once per
:class:`~audit_app.catalog.model.Catalog` object by :func:`plan_for` and reused. A cached
object is always equal to the one that would be built afresh, so the cache never changes a
result; the rules themselves are in :mod:`.rules`.
"""

from __future__ import annotations

import functools
import weakref
from decimal import Decimal
from fractions import Fraction

from audit_app.catalog.model import (
    MAX_POINTS,
    Catalog,
    Category,
    Criterion,
    ReportBand,
    ScoringType,
)

from .reasons import Finding
from .results import Answer, CriterionResult, KnockoutResult, Source
from .rules import banded_points, check_points, criterion_finding, knockout_result

# Whole states are cached for points given directly as plain ints (0..3), N/A and missing;
# for a banded raw value, which the result keeps exactly as given, only the knock-out result
# and finding are.

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
            check_points(code, "points", points)
        if adjusted_points is not None and not (
            type(adjusted_points) is int and 0 <= adjusted_points <= MAX_POINTS
        ):
            check_points(code, "adjusted_points", adjusted_points)
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
            banded = banded_points(self.criterion, adjusted_value, "adjusted_value")
            return self._valued(banded, adjusted_value, Source.REVIEWER)
        if answer.not_applicable:
            return self._cached(True, None, None, True)
        if points is not None:
            return self._given(points, Source.AUDITOR)
        if value is not None:
            return self._valued(banded_points(self.criterion, value, "value"), value, Source.AUDITOR)
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
            knockout_result(result, self.knockout_minimum) if self.criterion.knockout else None
        )
        finding = criterion_finding(self.category, self.criterion, result, self.knockout_minimum)
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


class Plan:
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
_PLANS: dict[int, tuple[weakref.ref[Catalog], Plan]] = {}


def plan_for(catalog: Catalog) -> Plan:
    """The plan of ``catalog``: built on first use, kept while the catalogue object lives."""
    key = id(catalog)
    entry = _PLANS.get(key)
    if entry is not None and entry[0]() is catalog:
        return entry[1]
    plan = Plan(catalog)
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
