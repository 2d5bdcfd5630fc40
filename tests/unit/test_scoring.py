"""Scoring engine: hand-computed audits, property tests and the purity of the core.

Catalogues are built in Python (``make_catalog``) so these tests depend neither on the YAML
loader nor on the catalogue file. Every expected percent has its arithmetic next to it:
category percent = Σ(w·points) / Σ(w·3) · 100 over the criteria that are not N/A.
"""

from __future__ import annotations

import ast
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from audit_app.catalog.model import (
    Band,
    Catalog,
    Category,
    Criterion,
    ReportBand,
    Rules,
    ScoringType,
    Text,
)
from audit_app.scoring import (
    Answer,
    FindingKind,
    ManualFinding,
    Outcome,
    ReasonCode,
    Severity,
    Source,
    format_percent,
    format_threshold,
    percent_1dp,
    score,
)

NBSP = "\u00a0"
DEFAULT_BANDS = ((0, 0), (1000, 2), (3000, 3))  # B1 of the catalogue: m² of start-up space


# --- factories ------------------------------------------------------------------------------


def make_criterion(code, weight, type_="scale", opts=None):
    """A criterion; ``opts`` may set knockout, na_allowed, bands ((start, points), ...), titles."""
    opts = dict(opts or {})
    scoring_type = ScoringType(type_)
    bands = opts.pop("bands", DEFAULT_BANDS if scoring_type is ScoringType.NUMBER else ())
    title = Text(opts.pop("title_de", f"Titel {code}"), opts.pop("title_en", f"Title {code}"))
    return Criterion(
        code=code,
        title=title,
        guidance=Text("", ""),
        evidence=Text("", ""),
        type=scoring_type,
        weight=weight,
        bands=tuple(Band(Decimal(start), points) for start, points in bands),
        **opts,
    )


def make_catalog(categories, rules=None):
    """``categories``: [(code, weight, [(code, weight, type, opts), ...]), ...].

    A category entry may carry German and English titles as a 5-tuple
    (code, weight, criteria, title_de, title_en).
    """
    built = []
    for entry in categories:
        code, weight, criteria = entry[:3]
        title = Text(*entry[3:5]) if len(entry) == 5 else Text(f"Bereich {code}", f"Area {code}")
        built.append(
            Category(
                code=code,
                title=title,
                weight=weight,
                criteria=tuple(make_criterion(*c) for c in criteria),
            )
        )
    return Catalog(
        key="test",
        version="1",
        title=Text("Testkatalog", "Test catalogue"),
        rules=rules or Rules(),
        categories=tuple(built),
    )


def P(points):
    """The auditor's points, written as short as on the score sheet."""
    return Answer(points=points)


def V(value):
    """The auditor's raw value of a number criterion."""
    return Answer(value=Decimal(value))


NA = Answer(not_applicable=True)


def codes(reasons):
    return [r.code for r in reasons]


# --- the real catalogue structure (DOMAIN.md table), replicated as data ----------------------

KO = {"knockout": True}
NA_OK = {"na_allowed": True}


def bands(*pairs):
    return {"bands": pairs}


# fmt: off
AIZ_2026 = [
    ("A", 10, [
        ("A1", 3, "yesno", KO),
        ("A2", 2, "scale", None),
        ("A3", 1, "scale", None),
        ("A4", 2, "yesno", None),
        ("A5", 1, "scale", None),
    ], "Auftrag & Governance", "Mission & governance"),
    ("B", 15, [
        ("B1", 2, "number", {**KO, **bands((0, 0), (1000, 2), (3000, 3))}),
        ("B2", 2, "scale", None),
        ("B3", 2, "scale", None),
        ("B4", 2, "scale", None),
        ("B5", 1, "yesno", None),
        ("B6", 2, "scale", None),
        ("B7", 1, "number", bands((0, 0), (70, 2), (85, 3))),
    ], "Gründerflächen", "Start-up space"),
    ("C", 20, [
        ("C1", 3, "scale", KO),
        ("C2", 2, "scale", None),
        ("C3", 2, "scale", None),
        ("C4", 1, "scale", None),
        ("C5", 2, "scale", None),
        ("C6", 1, "scale", None),
        ("C7", 1, "scale", NA_OK),
    ], "Services", "Services"),
    ("D", 15, [
        ("D1", 3, "number", {**KO, **bands((0, 0), (50, 2), (70, 3))}),
        ("D2", 1, "number", bands((0, 0), (10, 2), (25, 3))),
        ("D3", 2, "number", bands((0, 0), (10, 2), (15, 3))),
        ("D4", 1, "yesno", None),
        ("D5", 1, "scale", None),
    ], "Mieterstruktur", "Tenant structure"),
    ("E", 15, [
        ("E1", 3, "scale", None),
        ("E2", 2, "scale", NA_OK),
        ("E3", 2, "scale", None),
        ("E4", 2, "scale", None),
        ("E5", 1, "scale", None),
    ], "Technologietransfer", "Technology transfer"),
    ("F", 10, [
        ("F1", 2, "scale", None),
        ("F2", 1, "scale", None),
        ("F3", 2, "number", {**NA_OK, **bands((0, 0), (50, 2), (75, 3))}),
        ("F4", 1, "scale", None),
        ("F5", 1, "scale", None),
    ], "Region", "Region"),
    ("G", 15, [
        ("G1", 3, "yesno", KO),
        ("G2", 2, "scale", None),
        ("G3", 2, "yesno", KO),
        ("G4", 2, "scale", None),
        ("G5", 1, "scale", None),
        ("G6", 1, "scale", NA_OK),
    ], "Wirtschaftlichkeit & Management", "Economic viability & management"),
]
# fmt: on


def test_real_catalogue_structure_matches_the_domain_table():
    catalog = make_catalog(AIZ_2026)
    assert catalog.criteria_count == 40
    assert sum(c.weight for c in catalog.categories) == 100
    assert [c.code for c in catalog.criteria if c.knockout] == ["A1", "B1", "C1", "D1", "G1", "G3"]


def test_all_three_points_on_the_real_catalogue_is_100_percent_award_excellent():
    catalog = make_catalog(AIZ_2026)
    answers = {c.code: P(3) for c in catalog.criteria if c.type is not ScoringType.NUMBER}
    # Number criteria at the first value of their top band: each gives 3 points.
    answers |= {"B1": V(3000), "B7": V(85), "D1": V(70), "D2": V(25), "D3": V(15), "F3": V(75)}

    result = score(catalog, answers)

    # Every category: Σ(w·3)/Σ(w·3) = 100 %; overall Σ(cw·100)/100 = 100 %.
    assert [c.percent for c in result.categories] == [Fraction(100)] * 7
    assert result.overall_percent == 100
    assert result.outcome is Outcome.AWARD
    assert codes(result.reasons) == [ReasonCode.ALL_PASSED]
    assert result.band.label.de == "hervorragend"
    assert result.findings == ()
    assert result.missing == ()
    assert (result.answered, result.total) == (40, 40)
    assert all(k.met for k in result.knockouts) and len(result.knockouts) == 6


def test_real_catalogue_with_mixed_answers():
    catalog = make_catalog(AIZ_2026)
    # fmt: off
    answers = {
        # A: 3·3 + 2·2 + 1·1 + 2·3 + 1·2 = 22 of 27
        "A1": P(3), "A2": P(2), "A3": P(1), "A4": P(3), "A5": P(2),
        # B: B1 2400 m² → 2, B7 85 % → 3 (band edge)
        #    2·2 + 2·3 + 2·2 + 2·2 + 1·0 + 2·3 + 1·3 = 27 of 36
        "B1": V("2400"), "B2": P(3), "B3": P(2), "B4": P(2), "B5": P(0), "B6": P(3),
        "B7": V("85"),
        # C: C7 N/A → 3·3 + 2·2 + 2·2 + 1·1 + 2·2 + 1·2 = 24 of 3·(12 − 1) = 33
        "C1": P(3), "C2": P(2), "C3": P(2), "C4": P(1), "C5": P(2), "C6": P(2), "C7": NA,
        # D: D1 62.5 % → 2 (knock-out met at exactly 2), D2 31 → 3, D3 9.9 → 0
        #    3·2 + 1·3 + 2·0 + 1·3 + 1·2 = 14 of 24
        "D1": V("62.5"), "D2": V("31"), "D3": V("9.9"), "D4": P(3), "D5": P(2),
        # E: E2 N/A → 3·2 + 2·2 + 2·1 + 1·3 = 15 of 3·(10 − 2) = 24
        "E1": P(2), "E2": NA, "E3": P(2), "E4": P(1), "E5": P(3),
        # F: F3 74.99 % → 2 → 2·2 + 1·2 + 2·2 + 1·3 + 1·1 = 14 of 21
        "F1": P(2), "F2": P(2), "F3": V("74.99"), "F4": P(3), "F5": P(1),
        # G: G6 N/A (first audit) → 3·3 + 2·2 + 2·3 + 2·2 + 1·2 = 25 of 3·(11 − 1) = 30
        "G1": P(3), "G2": P(2), "G3": P(3), "G4": P(2), "G5": P(2), "G6": NA,
    }
    # fmt: on

    result = score(catalog, answers)

    percents = {c.code: c.percent for c in result.categories}
    assert percents == {
        "A": Fraction(2200, 27),  # 22/27 · 100 = 81.48 %
        "B": Fraction(75),  # 27/36 · 100
        "C": Fraction(800, 11),  # 24/33 · 100 = 72.73 %
        "D": Fraction(175, 3),  # 14/24 · 100 = 58.33 %
        "E": Fraction(125, 2),  # 15/24 · 100 = 62.5 %
        "F": Fraction(200, 3),  # 14/21 · 100 = 66.67 %
        "G": Fraction(250, 3),  # 25/30 · 100 = 83.33 %
    }
    # (10·2200/27 + 15·75 + 20·800/11 + 15·175/3 + 15·125/2 + 10·200/3 + 15·250/3) / 100
    # = (4231375/594) / 100 = 169255/2376 = 71.2353 %
    assert result.overall_percent == Fraction(169255, 2376)
    assert format_percent(result.overall_percent) == f"71,2{NBSP}%"
    assert result.band.label.de == "erfüllt"  # 65 ≤ 71.2 < 75

    # N/A shares: C 1/12 = 8.3 %, E 2/10 = 20 %, G 1/11 = 9.1 %: no warning.
    assert result.category("E").na_weight_percent == 20
    assert not any(c.na_warning for c in result.categories)
    assert result.criteria["B1"].points == 2 and result.criteria["B1"].value == Decimal(2400)
    assert result.criteria["C7"].not_applicable and result.criteria["C7"].points is None
    assert {k.code: k.met for k in result.knockouts} == dict.fromkeys(
        ["A1", "B1", "C1", "D1", "G1", "G3"], True
    )

    assert result.major == ()
    assert [f.criterion_code for f in result.minor] == ["B5", "D3"]  # weight 1 and 2 at 0
    assert [f.criterion_code for f in result.observations] == ["A3", "C4", "E4", "F5"]
    assert result.outcome is Outcome.AWARD_WITH_CONDITIONS
    assert codes(result.reasons) == [
        ReasonCode.THRESHOLDS_MET,
        ReasonCode.MINOR_FINDING,
        ReasonCode.MINOR_FINDING,
    ]
    assert "B5" in result.reasons[1].text() and "D3" in result.reasons[2].text("en")


# --- dropped categories, thresholds and knock-outs -------------------------------------------


def test_all_na_category_drops_out_is_flagged_and_overall_is_reweighted():
    catalog = make_catalog(
        [
            ("A", 40, [("A1", 3, "scale", None), ("A2", 1, "scale", None)]),
            ("B", 35, [("B1", 2, "scale", NA_OK), ("B2", 1, "scale", NA_OK)]),
            ("C", 25, [("C1", 2, "scale", None), ("C2", 2, "scale", None)]),
        ]
    )
    answers = {"A1": P(3), "A2": P(2), "B1": NA, "B2": NA, "C1": P(2), "C2": P(3)}

    result = score(catalog, answers)

    a, b, c = result.categories
    assert a.percent == Fraction(1100, 12)  # (3·3 + 1·2)/12 = 91.67 %
    assert c.percent == Fraction(1000, 12)  # (2·2 + 2·3)/12 = 83.33 %
    assert b.dropped and b.percent is None and not b.below_minimum
    assert b.na_weight_percent == 100 and b.na_warning
    # (40·1100/12 + 25·1000/12) / (40 + 25) = 5750/65 = 1150/13 = 88.46 %; weighting the
    # dropped category as 0 would give (40·91.67 + 25·83.33)/100 = 57.5 % instead.
    assert result.overall_percent == Fraction(1150, 13)
    assert result.outcome is Outcome.AWARD
    assert codes(result.reasons) == [ReasonCode.ALL_PASSED, ReasonCode.CATEGORY_DROPPED]
    assert result.reasons[1].text() == (
        "Kategorie B \u201eBereich B\u201c entfällt, weil alle ihre Kriterien als nicht "
        "anwendbar markiert sind; das Gesamtergebnis wird über die übrigen Kategorien gewichtet."
    )
    assert result.reasons[1].text("en").startswith("Category B \u201cArea B\u201d drops out")


def test_every_category_dropped_is_refused_without_overall_result():
    catalog = make_catalog([("A", 100, [("A1", 2, "scale", NA_OK), ("A2", 1, "scale", NA_OK)])])

    result = score(catalog, {"A1": NA, "A2": NA})

    assert result.overall_percent is None and result.band is None
    assert result.outcome is Outcome.REFUSE
    assert codes(result.reasons) == [ReasonCode.NO_OVERALL_RESULT, ReasonCode.CATEGORY_DROPPED]
    assert "kein Gesamtergebnis" in result.reasons[0].text()
    assert "no overall result" in result.reasons[0].text("en")


def test_overall_just_below_minimum_is_refused():
    catalog = make_catalog(
        [
            (
                "X",
                45,
                [("X1", 3, "scale", None), ("X2", 3, "scale", None), ("X3", 2, "scale", None)],
            ),
            ("Y", 55, [("Y1", 3, "scale", None), ("Y2", 2, "scale", None)]),
        ]
    )
    answers = {"X1": P(3), "X2": P(2), "X3": P(2), "Y1": P(2), "Y2": P(1)}

    result = score(catalog, answers)

    # X: (3·3 + 3·2 + 2·2)/24 = 19/24 = 79.17 %; Y: (3·2 + 2·1)/15 = 8/15 = 53.33 %
    # overall: (45·1900/24 + 55·800/15)/100 = (3562.5 + 2933.33)/100 = 1559/24 = 64.9583 %
    assert result.overall_percent == Fraction(1559, 24)
    assert Fraction(6495, 100) < result.overall_percent < 65
    assert not any(c.below_minimum for c in result.categories)
    assert result.outcome is Outcome.REFUSE
    assert codes(result.reasons) == [ReasonCode.OVERALL_BELOW_MINIMUM]
    # Rounded half-up this would read "65,0 %" and look like a pass; we round down.
    assert result.reasons[0].text() == (
        f"Gesamtergebnis 64,9{NBSP}% liegt unter der Mindestanforderung von 65{NBSP}%."
    )
    assert result.reasons[0].text("en") == "Overall result 64.9% is below the minimum of 65%."
    assert result.band is None  # below the lowest band (65)


def test_overall_and_category_exactly_at_minimum_pass():
    catalog = make_catalog(
        [
            ("X", 50, [("X1", 3, "scale", None), ("X2", 2, "scale", None)]),
            ("Y", 50, [("Y1", 2, "scale", None), ("Y2", 2, "scale", None)]),
        ]
    )
    answers = {"X1": P(2), "X2": P(3), "Y1": P(2), "Y2": P(1)}

    result = score(catalog, answers)

    # X: (3·2 + 2·3)/15 = 80 %; Y: (2·2 + 2·1)/12 = 50 % (exactly the category minimum)
    # overall: (50·80 + 50·50)/100 = 65 % (exactly the overall minimum)
    assert result.category("X").percent == 80
    assert result.category("Y").percent == 50 and not result.category("Y").below_minimum
    assert result.overall_percent == 65
    assert result.outcome is Outcome.AWARD  # Y2 with 1 point is only an observation
    assert ReasonCode.OVERALL_BELOW_MINIMUM not in codes(result.reasons)
    assert result.band.label.en == "met"  # 65 is the first value of "erfüllt"


KO_CATALOG = [
    (
        "K",
        100,
        [
            ("K1", 1, "scale", KO),
            ("K2", 3, "scale", None),
            ("K3", 3, "scale", None),
            ("K4", 3, "scale", None),
        ],
    ),
]


def test_knockout_at_exactly_the_minimum_is_met():
    result = score(make_catalog(KO_CATALOG), {"K1": P(2), "K2": P(3), "K3": P(3), "K4": P(3)})

    # (1·2 + 3·3·3)/30 = 29/30 = 96.67 %
    assert result.overall_percent == Fraction(290, 3)
    assert result.knockouts[0].met is True and result.knockouts[0].points == 2
    assert result.outcome is Outcome.AWARD


def test_knockout_below_the_minimum_refuses_despite_a_high_overall():
    result = score(make_catalog(KO_CATALOG), {"K1": P(1), "K2": P(3), "K3": P(3), "K4": P(3)})

    # (1·1 + 27)/30 = 28/30 = 93.33 %: everything else passes
    assert result.overall_percent == Fraction(280, 3)
    assert result.knockouts[0].met is False
    assert result.outcome is Outcome.REFUSE
    assert codes(result.reasons) == [ReasonCode.KNOCKOUT_NOT_MET]
    # One finding for K1: the failed knock-out, not also an observation for its 1 point.
    assert [(f.kind, f.criterion_code) for f in result.findings] == [(FindingKind.KNOCKOUT, "K1")]
    assert result.reasons[0].text() == (
        "K.-o.-Kriterium K1 \u201eTitel K1\u201c ist nicht erfüllt: 1 Punkt, erforderlich "
        "sind mindestens 2 Punkte."
    )
    assert result.reasons[0].text("en") == (
        "Knock-out criterion K1 \u201cTitle K1\u201d is not met: 1 point, at least 2 points "
        "required."
    )


def test_yesno_knockout_with_zero_points_is_one_major_knockout_finding():
    catalog = make_catalog([("A", 100, [("A1", 3, "yesno", KO), ("A2", 3, "scale", None)])])

    result = score(catalog, {"A1": P(0), "A2": P(3)})

    assert [(f.severity, f.kind) for f in result.findings] == [
        (Severity.MAJOR, FindingKind.KNOCKOUT)
    ]
    assert result.outcome is Outcome.REFUSE


def test_knockout_minimum_comes_from_the_catalogue_rules():
    catalog = make_catalog(KO_CATALOG, rules=Rules(knockout_minimum=3))

    result = score(catalog, {"K1": P(2), "K2": P(3), "K3": P(3), "K4": P(3)})

    assert result.knockouts[0].met is False
    assert "mindestens 3 Punkte" in result.reasons[0].text()


def test_knockout_marked_not_applicable_counts_as_not_met():
    result = score(make_catalog(KO_CATALOG), {"K1": NA, "K2": P(3), "K3": P(3), "K4": P(3)})

    assert result.knockouts[0].met is False and result.knockouts[0].not_applicable
    assert result.overall_percent == 100  # K1 leaves the sums like any N/A criterion
    assert result.outcome is Outcome.REFUSE
    assert "nicht anwendbar" in result.reasons[0].text()
    assert "not applicable" in result.reasons[0].text("en")


def test_category_just_below_minimum_refuses_with_a_major_finding():
    catalog = make_catalog(
        [
            (
                "L",
                30,
                [
                    ("L1", 3, "scale", None),
                    ("L2", 3, "scale", None),
                    ("L3", 2, "scale", None),
                    ("L4", 2, "scale", None),
                    ("L5", 1, "scale", None),
                ],
            ),
            ("M", 70, [("M1", 3, "scale", None)]),
        ]
    )
    answers = {"L1": P(2), "L2": P(1), "L3": P(2), "L4": P(1), "L5": P(1), "M1": P(3)}

    result = score(catalog, answers)

    # L: (3·2 + 3·1 + 2·2 + 2·1 + 1·1)/33 = 16/33 = 48.48 %; M: 100 %
    # overall: (30·1600/33 + 70·100)/100 = 84.55 %, well above 65 %
    assert result.category("L").percent == Fraction(1600, 33)
    assert result.category("L").below_minimum
    assert result.overall_percent == Fraction(2790, 33)
    assert result.outcome is Outcome.REFUSE
    assert codes(result.reasons) == [ReasonCode.CATEGORY_BELOW_MINIMUM]
    assert [(f.kind, f.category_code) for f in result.major] == [
        (FindingKind.CATEGORY_MINIMUM, "L")
    ]
    assert result.reasons[0].text() == (
        f"Kategorie L \u201eBereich L\u201c erreicht 48,4{NBSP}% und liegt damit unter der "
        f"Mindestanforderung von 50{NBSP}%."
    )
    assert result.reasons[0].text("en") == (
        "Category L \u201cArea L\u201d reaches 48.4%, below the minimum of 50%."
    )


def test_an_incomplete_category_is_open_not_below_the_minimum():
    """One of five criteria rated 0 is no verdict on the category: no flag, no major finding."""
    catalog = make_catalog(
        [
            ("L", 30, [("L1", 3, "scale", None), ("L2", 3, "scale", None),
                       ("L3", 2, "scale", None), ("L4", 2, "scale", None),
                       ("L5", 1, "scale", None)]),
            ("M", 70, [("M1", 1, "scale", None)]),
        ]
    )
    result = score(catalog, {"L2": P(1), "M1": P(3)})

    category = result.category("L")
    assert category.percent == Fraction(100, 3) and not category.complete
    assert not category.below_minimum
    assert not [f for f in result.major if f.kind is FindingKind.CATEGORY_MINIMUM]
    assert result.outcome is Outcome.INCOMPLETE
    # Answering the rest at the same level makes it a verdict.
    complete = score(catalog, {"L1": P(1), "L2": P(1), "L3": P(1), "L4": P(1), "L5": P(1),
                               "M1": P(3)})
    assert complete.category("L").complete and complete.category("L").below_minimum
    assert [f.category_code for f in complete.major] == ["L"]


# --- findings and outcomes --------------------------------------------------------------------


def test_weight_three_criterion_with_zero_points_is_a_major_finding():
    catalog = make_catalog([("Z", 100, [(f"Z{i}", 3, "scale", None) for i in range(1, 5)])])

    result = score(catalog, {"Z1": P(0), "Z2": P(3), "Z3": P(3), "Z4": P(3)})

    # (3·0 + 3·3·3)/36 = 27/36 = 75 %: overall and category pass
    assert result.overall_percent == 75
    assert [(f.kind, f.criterion_code) for f in result.major] == [
        (FindingKind.ZERO_POINTS_WEIGHT3, "Z1")
    ]
    assert result.outcome is Outcome.REFUSE
    assert codes(result.reasons) == [ReasonCode.MAJOR_FINDING]
    assert result.reasons[0].text() == (
        "Schwerwiegende Abweichung: Kriterium Z1 \u201eTitel Z1\u201c mit Gewicht 3 wurde "
        "mit 0 Punkten bewertet."
    )


@pytest.mark.parametrize("weight", [1, 2])
def test_lighter_criterion_with_zero_points_is_minor_and_becomes_a_condition(weight):
    catalog = make_catalog(
        [
            (
                "Z",
                100,
                [("Z1", weight, "scale", None), ("Z2", 3, "scale", None), ("Z3", 3, "scale", None)],
            )
        ]
    )

    result = score(catalog, {"Z1": P(0), "Z2": P(3), "Z3": P(3)})

    # (w·0 + 3·3 + 3·3)/(3w + 18): w=1 → 18/21 = 85.71 %, w=2 → 18/24 = 75 %
    assert result.overall_percent == Fraction(1800, 3 * weight + 18)
    assert [(f.severity, f.criterion_code) for f in result.findings] == [(Severity.MINOR, "Z1")]
    assert result.outcome is Outcome.AWARD_WITH_CONDITIONS
    assert codes(result.reasons) == [ReasonCode.THRESHOLDS_MET, ReasonCode.MINOR_FINDING]
    assert result.deadline_months == 3
    assert result.reasons[1].text() == (
        "Auflage mit einer Frist von 3 Monaten: Kriterium Z1 \u201eTitel Z1\u201c wurde mit "
        "0 Punkten bewertet."
    )
    assert result.reasons[1].text("en") == (
        "Condition, to be fixed within 3 months: Criterion Z1 \u201cTitle Z1\u201d scored 0 points."
    )


def test_one_point_is_only_an_observation_and_the_label_is_awarded():
    catalog = make_catalog([("Z", 100, [("Z1", 2, "scale", None), ("Z2", 3, "scale", None)])])

    result = score(catalog, {"Z1": P(1), "Z2": P(3)})

    # (2·1 + 3·3)/15 = 11/15 = 73.33 %
    assert result.overall_percent == Fraction(220, 3)
    assert [(f.severity, f.kind) for f in result.findings] == [
        (Severity.OBSERVATION, FindingKind.ONE_POINT)
    ]
    assert result.outcome is Outcome.AWARD
    assert codes(result.reasons) == [ReasonCode.ALL_PASSED]
    assert result.band.label.de == "erfüllt"


def test_refusal_lists_every_reason_that_applies_in_both_languages():
    catalog = make_catalog(
        [
            ("A", 50, [("A1", 3, "yesno", KO), ("A2", 3, "scale", None), ("A3", 1, "scale", None)]),
            ("B", 50, [("B1", 1, "scale", None)]),
        ]
    )
    answers = {"A1": P(0), "A2": P(0), "A3": P(3), "B1": P(3)}
    manual = [ManualFinding(Severity.MAJOR, "Mietverträge ohne Befristung.", "A2")]

    result = score(catalog, answers, manual)

    # A: (3·0 + 3·0 + 1·3)/21 = 14.29 %; B: 100 %; overall (50·14.29 + 50·100)/100 = 57.14 %
    assert result.category("A").percent == Fraction(100, 7)
    assert result.overall_percent == Fraction(400, 7)
    assert codes(result.reasons) == [
        ReasonCode.KNOCKOUT_NOT_MET,
        ReasonCode.OVERALL_BELOW_MINIMUM,
        ReasonCode.CATEGORY_BELOW_MINIMUM,
        ReasonCode.MAJOR_FINDING,
        ReasonCode.MAJOR_FINDING,
    ]
    de = [r.text("de") for r in result.reasons]
    en = [r.text("en") for r in result.reasons]
    assert "A1" in de[0] and "2 Punkte" in de[0] and "A1" in en[0] and "2 points" in en[0]
    assert f"57,1{NBSP}%" in de[1] and f"65{NBSP}%" in de[1]
    assert "57.1%" in en[1] and "65%" in en[1]
    assert f"14,2{NBSP}%" in de[2] and f"50{NBSP}%" in de[2] and "Kategorie A" in de[2]
    assert "14.2%" in en[2] and "50%" in en[2] and "Category A" in en[2]
    assert "A2" in de[3] and "Gewicht 3" in de[3] and "weight 3" in en[3]
    assert de[4] == "Schwerwiegende Abweichung zu A2: Mietverträge ohne Befristung."
    assert en[4] == "Major nonconformity on A2: Mietverträge ohne Befristung."
    # Majors first; within a severity computed findings (catalogue order) precede manual ones.
    assert [f.kind for f in result.findings] == [
        FindingKind.KNOCKOUT,
        FindingKind.ZERO_POINTS_WEIGHT3,
        FindingKind.CATEGORY_MINIMUM,
        FindingKind.MANUAL,
    ]


def test_thresholds_in_reasons_come_from_the_catalogue():
    rules = Rules(overall_minimum=Decimal(70), category_minimum=Decimal("62.5"))
    catalog = make_catalog(
        [("A", 100, [("A1", 3, "scale", None), ("A2", 1, "scale", None)])], rules
    )

    result = score(catalog, {"A1": P(2), "A2": P(1)})

    # (3·2 + 1·1)/12 = 7/12 = 58.33 %: below 62.5 % and below 70 %
    assert result.overall_percent == Fraction(175, 3)
    assert codes(result.reasons) == [
        ReasonCode.OVERALL_BELOW_MINIMUM,
        ReasonCode.CATEGORY_BELOW_MINIMUM,
    ]
    assert result.reasons[0].text() == (
        f"Gesamtergebnis 58,3{NBSP}% liegt unter der Mindestanforderung von 70{NBSP}%."
    )
    assert f"62,5{NBSP}%" in result.reasons[1].text()
    assert "62.5%" in result.reasons[1].text("en")


# --- reviewer adjustments and number criteria --------------------------------------------------

ADJUST_CATALOG = [
    (
        "R",
        100,
        [
            ("R1", 3, "scale", None),
            ("R2", 2, "number", None),  # bands 0 → 0, 1000 → 2, 3000 → 3
            ("R3", 1, "scale", NA_OK),
        ],
    ),
]


def test_reviewer_adjustments_win_over_the_auditor():
    catalog = make_catalog(ADJUST_CATALOG)
    answers = {
        "R1": Answer(points=0, adjusted_points=2),
        "R2": Answer(value=Decimal(900), adjusted_value=Decimal(3000)),
        "R3": Answer(not_applicable=True, adjusted_points=1),  # adjustment on an N/A answer
    }

    result = score(catalog, answers)

    r1, r2, r3 = (result.criteria[c] for c in ("R1", "R2", "R3"))
    assert (r1.points, r1.source) == (2, Source.REVIEWER)
    assert (r2.points, r2.value, r2.source) == (3, Decimal(3000), Source.REVIEWER)
    assert (r3.points, r3.not_applicable, r3.source) == (1, False, Source.REVIEWER)
    # (3·2 + 2·3 + 1·1)/18 = 13/18 = 72.22 %; R3 now counts, so no N/A weight is left
    assert result.overall_percent == Fraction(1300, 18)
    assert result.category("R").na_weight_percent == 0
    assert [f.criterion_code for f in result.observations] == ["R3"]
    assert result.outcome is Outcome.AWARD


def test_without_the_adjustments_the_auditors_scores_count():
    catalog = make_catalog(ADJUST_CATALOG)
    answers = {"R1": P(0), "R2": V("900"), "R3": NA}

    result = score(catalog, answers)

    assert result.criteria["R1"].source == Source.AUDITOR
    assert result.criteria["R3"].source is None and result.criteria["R3"].not_applicable
    # R3 N/A: (3·0 + 2·0)/15 = 0 %; R1 (weight 3) at 0 is major, R2 (weight 2) at 0 minor
    assert result.overall_percent == 0
    assert [f.kind for f in result.findings] == [
        FindingKind.ZERO_POINTS_WEIGHT3,
        FindingKind.CATEGORY_MINIMUM,
        FindingKind.ZERO_POINTS,
    ]
    assert result.outcome is Outcome.REFUSE


def test_auditor_points_win_over_a_raw_value_given_alongside():
    catalog = make_catalog(ADJUST_CATALOG)

    result = score(catalog, {"R2": Answer(points=2, value=Decimal(5000))})

    assert (result.criteria["R2"].points, result.criteria["R2"].value) == (2, None)


@pytest.mark.parametrize(
    ("bands_", "value", "expected"),
    [
        (DEFAULT_BANDS, "0", 0),
        (DEFAULT_BANDS, "999.99", 0),
        (DEFAULT_BANDS, "1000", 2),  # first value of the band
        (DEFAULT_BANDS, "2999.99", 2),
        (DEFAULT_BANDS, "3000", 3),
        (DEFAULT_BANDS, "12000", 3),
        (((0, 0), (70, 2), (85, 3)), "69.99", 0),
        (((0, 0), (70, 2), (85, 3)), "70", 2),
        (((0, 0), (70, 2), (85, 3)), "84.99", 2),
        (((0, 0), (70, 2), (85, 3)), "85", 3),
        (((0, 0), (70, 2), (85, 3)), "100", 3),
    ],
)
def test_number_criteria_are_banded_at_the_band_edges(bands_, value, expected):
    catalog = make_catalog([("N", 100, [("N1", 2, "number", {"bands": bands_})])])

    for answer in (V(value), Answer(points=3, adjusted_value=Decimal(value))):
        result = score(catalog, {"N1": answer})
        assert result.criteria["N1"].points == expected
        assert result.criteria["N1"].value == Decimal(value)
        # one criterion: percent = 2·p/(2·3) · 100
        assert result.overall_percent == Fraction(100 * expected, 3)


# --- incomplete audits, manual findings, N/A warnings ------------------------------------------


def test_incomplete_audit_names_missing_criteria_in_catalogue_order_with_provisional_percents():
    catalog = make_catalog(
        [
            ("P", 60, [("P1", 3, "scale", KO), ("P2", 2, "scale", None), ("P3", 1, "scale", None)]),
            ("Q", 40, [("Q1", 2, "scale", None), ("Q2", 2, "scale", NA_OK)]),
        ]
    )
    # A blank answer is as missing as no answer; an unknown code is ignored.
    answers = {"Q2": Answer(), "P2": P(3), "P1": Answer(), "ZZ9": P(3)}

    result = score(catalog, answers)

    assert result.missing == ("P1", "P3", "Q1", "Q2")
    assert (result.answered, result.total, result.complete) == (1, 5, False)
    assert result.outcome is Outcome.INCOMPLETE
    assert codes(result.reasons) == [ReasonCode.MISSING_CRITERIA]
    assert result.reasons[0].text() == (
        "Noch nicht bewertet (weder Punkte noch \u201enicht anwendbar\u201c) sind 4 von 5 "
        "Kriterien: P1, P3, Q1, Q2."
    )
    assert result.reasons[0].text("en") == (
        "4 of 5 criteria are not assessed yet (neither points nor not applicable): P1, P3, Q1, Q2."
    )
    # Provisional: P over its answered criterion only, 2·3/(2·3) = 100 %; Q has nothing yet.
    p, q = result.categories
    assert (p.percent, p.answered, p.total) == (100, 1, 3)
    assert (q.percent, q.dropped, q.answered) == (None, False, 0)
    assert result.overall_percent == 100  # only P has a percent so far
    assert result.knockouts[0].met is None


def test_one_missing_criterion_is_named_in_the_singular():
    catalog = make_catalog([("P", 100, [("P1", 3, "scale", None), ("P2", 2, "scale", None)])])

    result = score(catalog, {"P1": P(3)})

    assert result.reasons[0].text().endswith("ist 1 von 2 Kriterien: P2.")
    assert result.reasons[0].text("en").startswith("1 of 2 criteria is not assessed yet")


ALL_THREE = [("S", 100, [("S1", 3, "scale", None), ("S2", 2, "scale", None)])]


@pytest.mark.parametrize(
    ("severity", "outcome", "reason_codes"),
    [
        (Severity.MAJOR, Outcome.REFUSE, [ReasonCode.MAJOR_FINDING]),
        (
            Severity.MINOR,
            Outcome.AWARD_WITH_CONDITIONS,
            [ReasonCode.THRESHOLDS_MET, ReasonCode.MINOR_FINDING],
        ),
        (Severity.OBSERVATION, Outcome.AWARD, [ReasonCode.ALL_PASSED]),
    ],
)
def test_manual_findings_count_like_computed_ones(severity, outcome, reason_codes):
    catalog = make_catalog(ALL_THREE)
    manual = [ManualFinding(severity, "Preisliste nicht veröffentlicht.", "S2")]

    result = score(catalog, {"S1": P(3), "S2": P(3)}, manual)

    assert result.overall_percent == 100  # (3·3 + 2·3)/15
    assert result.outcome is outcome
    assert codes(result.reasons) == reason_codes
    (finding,) = result.findings
    assert (finding.kind, finding.manual, finding.category_code) == (FindingKind.MANUAL, True, "S")
    assert finding.text("en") == "Preisliste nicht veröffentlicht."  # as written


def test_manual_finding_without_criterion_becomes_a_general_condition():
    catalog = make_catalog(ALL_THREE)
    manual = [ManualFinding(Severity.MINOR, "Website veraltet.")]

    result = score(catalog, {"S1": P(3), "S2": P(3)}, manual)

    assert result.findings[0].category_code is None
    assert result.reasons[1].text() == "Auflage mit einer Frist von 3 Monaten: Website veraltet."


@pytest.mark.parametrize(
    ("weights", "na_index", "share", "warning"),
    [
        ([3, 1], 1, Fraction(25), False),  # 1/4 = 25 %: exactly the limit, no warning
        ([2, 1, 1], 2, Fraction(25), False),  # 1/4 = 25 %
        ([3, 2, 2], 2, Fraction(200, 7), True),  # 2/7 = 28.57 %
        ([2, 1, 1], 0, Fraction(50), True),  # 2/4 = 50 %
    ],
)
def test_na_warning_above_the_limit_only(weights, na_index, share, warning):
    criteria = [(f"W{i}", w, "scale", NA_OK) for i, w in enumerate(weights)]
    catalog = make_catalog([("W", 100, criteria)])
    answers = {c[0]: P(3) for c in criteria} | {f"W{na_index}": NA}

    result = score(catalog, answers)

    category = result.category("W")
    assert (category.na_weight_percent, category.na_warning) == (share, warning)
    assert category.percent == 100 and result.outcome is Outcome.AWARD  # outcome unaffected


# --- bad data ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "answer",
    [
        Answer(points=4),
        Answer(points=-1),
        Answer(points=True),
        Answer(adjusted_points=7),
        Answer(not_applicable=True, points=9),
        Answer(value=Decimal(3)),  # a raw value on a scale criterion
    ],
)
def test_bad_points_raise_instead_of_scoring(answer):
    catalog = make_catalog([("A", 100, [("A1", 2, "scale", None)])])

    with pytest.raises(ValueError, match="A1"):
        score(catalog, {"A1": answer})


def test_band_with_impossible_points_raises():
    catalog = make_catalog([("N", 100, [("N1", 2, "number", {"bands": ((0, 0), (10, 5))})])])

    with pytest.raises(ValueError, match="N1"):
        score(catalog, {"N1": V("12")})


# --- display helpers ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Fraction(6496, 100), Decimal("64.9")),  # 64.96 → 64.9, never 65.0
        (Fraction(64999, 1000), Decimal("64.9")),
        (Fraction(65), Decimal("65.0")),
        (Fraction(200, 3), Decimal("66.6")),  # 66.67 → 66.6
        (Fraction(100), Decimal("100.0")),
        (Fraction(0), Decimal("0.0")),
        (Fraction(1, 20), Decimal("0.0")),
    ],
)
def test_percent_1dp_rounds_down(value, expected):
    assert percent_1dp(value) == expected
    assert str(percent_1dp(value)) == str(expected)


def test_format_percent_in_both_languages():
    assert format_percent(Fraction(6496, 100)) == f"64,9{NBSP}%"
    assert format_percent(Fraction(6496, 100), "de") == f"64,9{NBSP}%"
    assert format_percent(Fraction(6496, 100), "en") == "64.9%"
    assert format_percent(Fraction(100), "en") == "100.0%"
    assert format_percent(None) == "\u2013" == format_percent(None, "en")
    assert format_threshold(Decimal(65)) == f"65{NBSP}%"
    assert format_threshold(Decimal("62.50"), "en") == "62.5%"
    assert format_threshold(Decimal(100), "en") == "100%"


def test_report_band_is_the_highest_band_reached():
    catalog = make_catalog(
        ALL_THREE,
        rules=Rules(
            report_bands=(
                ReportBand(Decimal(65), Text("erfüllt", "met")),
                ReportBand(Decimal(85), Text("hervorragend", "excellent")),
                ReportBand(Decimal(75), Text("sehr gut", "very good")),
            )
        ),
    )

    # (3·3 + 2·2)/15 = 13/15 = 86.67 % → "hervorragend" although listed out of order
    assert score(catalog, {"S1": P(3), "S2": P(2)}).band.label.de == "hervorragend"
    # (3·2 + 2·3)/15 = 12/15 = 80 % → "sehr gut"
    assert score(catalog, {"S1": P(2), "S2": P(3)}).band.label.de == "sehr gut"


# --- properties -----------------------------------------------------------------------------------

PROPERTY_SETTINGS = settings(
    max_examples=200,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@st.composite
def catalogs(draw):
    """Random catalogues: 1-7 categories whose weights sum to 100, 1-8 criteria each."""
    count = draw(st.integers(1, 7))
    cuts = sorted(
        draw(st.lists(st.integers(1, 99), min_size=count - 1, max_size=count - 1, unique=True))
    )
    weights = [b - a for a, b in zip([0, *cuts], [*cuts, 100])]
    categories = []
    for index, category_weight in enumerate(weights):
        code = chr(ord("A") + index)
        criteria = []
        for number in range(1, draw(st.integers(1, 8)) + 1):
            type_ = draw(st.sampled_from(["scale", "yesno", "number"]))
            knockout = draw(st.booleans())
            opts = {"knockout": knockout, "na_allowed": not knockout and draw(st.booleans())}
            if type_ == "number":
                starts = sorted(draw(st.lists(st.integers(1, 100), max_size=3, unique=True)))
                points = sorted(
                    draw(st.lists(st.integers(1, 3), min_size=len(starts), max_size=len(starts)))
                )
                opts["bands"] = ((0, 0), *zip(starts, points))
            criteria.append((f"{code}{number}", draw(st.integers(1, 3)), type_, opts))
        categories.append((code, category_weight, criteria))
    rules = Rules(knockout_minimum=draw(st.integers(1, 3)))
    return make_catalog(categories, rules)


def draw_complete_answers(data, catalog):
    """A complete random answer set: points, raw values, N/A and reviewer adjustments."""
    answers = {}
    for criterion in catalog.criteria:
        if criterion.na_allowed and data.draw(st.booleans()):
            answers[criterion.code] = NA
        elif criterion.type is ScoringType.NUMBER and data.draw(st.booleans()):
            answers[criterion.code] = V(data.draw(st.integers(0, 120)))
        else:
            answers[criterion.code] = P(data.draw(st.sampled_from(criterion.allowed_points)))
        if data.draw(st.integers(0, 9)) == 0:  # now and then the reviewer steps in
            answers[criterion.code] = Answer(
                points=answers[criterion.code].points,
                adjusted_points=data.draw(st.integers(0, 3)),
            )
    return answers


def oracle_points(criterion, answer):
    """Final points, written independently of the engine: None when N/A."""
    if answer.adjusted_points is not None:
        return answer.adjusted_points
    if answer.not_applicable:
        return None
    if answer.points is not None:
        return answer.points
    return criterion.points_for_value(answer.value)


def oracle_sums(category, answers):
    """(Σ w·points, Σ w·3) over the category's criteria that are not N/A."""
    scored = [(c.weight, oracle_points(c, answers[c.code])) for c in category.criteria]
    scored = [(w, p) for w, p in scored if p is not None]
    return sum(w * p for w, p in scored), sum(3 * w for w, p in scored)


@PROPERTY_SETTINGS
@given(catalog=catalogs(), data=st.data())
def test_property_percents_match_the_formula_and_stay_within_0_and_100(catalog, data):
    answers = draw_complete_answers(data, catalog)

    result = score(catalog, answers)

    assert result.complete and result.outcome is not Outcome.INCOMPLETE
    weighted, counted = Fraction(0), 0
    for category, category_result in zip(catalog.categories, result.categories):
        points, maximum = oracle_sums(category, answers)
        if maximum == 0:
            assert category_result.dropped and category_result.percent is None
            continue
        assert category_result.percent == Fraction(100 * points, maximum)
        assert 0 <= category_result.percent <= 100
        weighted += category.weight * category_result.percent
        counted += category.weight
    expected_overall = weighted / counted if counted else None
    assert result.overall_percent == expected_overall
    assert expected_overall is None or 0 <= expected_overall <= 100
    assert result.reasons


@PROPERTY_SETTINGS
@given(catalog=catalogs(), data=st.data())
def test_property_raising_points_never_lowers_a_percent(catalog, data):
    answers = draw_complete_answers(data, catalog)
    before = score(catalog, answers)
    raisable = [
        c
        for c in catalog.criteria
        if before.criteria[c.code].points is not None and before.criteria[c.code].points < 3
    ]
    assume(raisable)
    criterion = data.draw(st.sampled_from(raisable))
    old_points = before.criteria[criterion.code].points
    new_points = data.draw(st.integers(old_points + 1, 3))

    after = score(catalog, answers | {criterion.code: Answer(adjusted_points=new_points)})

    assert after.criteria[criterion.code].points == new_points
    for old, new in zip(before.categories, after.categories):
        assert old.dropped == new.dropped  # the same categories count before and after
        if old.percent is not None:
            assert new.percent >= old.percent
    assert after.overall_percent >= before.overall_percent


@PROPERTY_SETTINGS
@given(catalog=catalogs(), data=st.data())
def test_property_a_failed_knockout_always_refuses(catalog, data):
    knockouts = [c for c in catalog.criteria if c.knockout]
    assume(knockouts)
    answers = draw_complete_answers(data, catalog)
    criterion = data.draw(st.sampled_from(knockouts))
    points = data.draw(st.integers(0, catalog.rules.knockout_minimum - 1))
    answers[criterion.code] = Answer(adjusted_points=points)

    result = score(catalog, answers)

    assert result.outcome is Outcome.REFUSE
    assert criterion.code in [
        dict(r.params).get("criterion_code")
        for r in result.reasons
        if r.code == ReasonCode.KNOCKOUT_NOT_MET
    ]


@PROPERTY_SETTINGS
@given(catalog=catalogs(), data=st.data())
def test_property_marking_a_criterion_na_only_removes_its_own_sums(catalog, data):
    answers = draw_complete_answers(data, catalog)
    scored = [c for c in catalog.criteria if oracle_points(c, answers[c.code]) is not None]
    assume(scored)
    criterion = data.draw(st.sampled_from(scored))
    category = next(cat for cat in catalog.categories if criterion in cat.criteria)
    points, maximum = oracle_sums(category, answers)
    removed = criterion.weight * oracle_points(criterion, answers[criterion.code])

    result = score(catalog, answers | {criterion.code: NA})

    category_result = result.category(category.code)
    remaining_maximum = maximum - 3 * criterion.weight
    if remaining_maximum == 0:  # it was the category's last scored criterion
        assert category_result.dropped and category_result.percent is None
    else:
        assert category_result.percent == Fraction(100 * (points - removed), remaining_maximum)
    assert (category_result.weighted_points, category_result.weighted_maximum) == (
        points - removed,
        remaining_maximum,
    )
    before = score(catalog, answers)
    for old, new in zip(before.categories, result.categories):
        if old.code != category.code:
            assert (old.percent, old.dropped) == (new.percent, new.dropped)


# --- repeated scoring: what the engine derives from a catalogue is reused ------------------------


def mixed_answers(catalog):
    """A complete answer set with every kind of final state: 0-3 points, values, N/A."""
    answers = {}
    for index, criterion in enumerate(catalog.criteria):
        if criterion.na_allowed:
            answers[criterion.code] = NA
        elif criterion.type is ScoringType.NUMBER:
            answers[criterion.code] = V(criterion.bands[index % len(criterion.bands)].start)
        else:
            answers[criterion.code] = P(index % 4)
    return answers


def test_scoring_one_catalogue_again_does_not_depend_on_earlier_calls():
    catalog = make_catalog(AIZ_2026)
    all_three = {c.code: P(3) for c in catalog.criteria}
    mixed = mixed_answers(catalog)

    first = score(catalog, all_three)
    between = score(catalog, mixed)
    again = score(catalog, all_three)

    assert again == first and again.outcome is Outcome.AWARD
    assert between.outcome is Outcome.REFUSE
    # The same answers on a freshly built, equal catalogue give equal results.
    assert score(make_catalog(AIZ_2026), mixed) == between
    assert score(make_catalog(AIZ_2026), all_three) == first


def test_each_catalogue_object_is_scored_by_its_own_rules():
    answers = {"K1": P(2), "K2": P(3), "K3": P(3), "K4": P(3)}
    for minimum in [1, 2, 3] * 10:  # new objects, which may reuse a collected one's id
        catalog = make_catalog(KO_CATALOG, rules=Rules(knockout_minimum=minimum))

        result = score(catalog, answers)

        assert result.knockouts[0].met is (2 >= minimum)
        assert (result.outcome is Outcome.REFUSE) is (minimum == 3)


def test_raw_values_are_kept_exactly_as_given_on_every_call():
    catalog = make_catalog([("N", 100, [("N1", 2, "number", None)])])  # 0 → 0, 1000 → 2

    plain = score(catalog, {"N1": V("1000")}).criteria["N1"]
    trailing_zero = score(catalog, {"N1": V("1000.0")}).criteria["N1"]
    adjusted = score(catalog, {"N1": Answer(value=Decimal(5), adjusted_value=Decimal("1000.00"))})

    assert (str(plain.value), plain.points, plain.source) == ("1000", 2, Source.AUDITOR)
    assert (str(trailing_zero.value), trailing_zero.points) == ("1000.0", 2)
    reviewed = adjusted.criteria["N1"]
    assert (str(reviewed.value), reviewed.points, reviewed.source) == (
        "1000.00",
        2,
        Source.REVIEWER,
    )


@pytest.mark.parametrize(
    "answer",
    [
        Answer(points=True),
        Answer(points=4),
        Answer(adjusted_points=-1),
        Answer(points=3, value=Decimal(3)),
        Answer(adjusted_points=3, adjusted_value=Decimal(3)),
    ],
)
def test_bad_points_still_raise_after_good_ones_on_the_same_catalogue(answer):
    catalog = make_catalog([("A", 100, [("A1", 2, "scale", None)])])
    assert score(catalog, {"A1": P(3)}).outcome is Outcome.AWARD

    with pytest.raises(ValueError, match="A1"):
        score(catalog, {"A1": answer})
    assert score(catalog, {"A1": P(3)}).outcome is Outcome.AWARD


def test_percents_stay_exact_fractions():
    catalog = make_catalog(
        [
            ("A", 30, [("A1", 3, "scale", None), ("A2", 1, "scale", None)]),
            (
                "B",
                70,
                [("B1", 2, "scale", None), ("B2", 2, "scale", None), ("B3", 1, "yesno", None)],
            ),
        ]
    )

    result = score(catalog, {"A1": P(2), "A2": P(1), "B1": P(3), "B2": P(1), "B3": P(0)})

    a, b = result.categories
    assert type(a.percent) is Fraction and a.percent == Fraction(100 * 7, 12)  # (3·2 + 1·1)/12
    assert type(b.percent) is Fraction and b.percent == Fraction(100 * 8, 15)  # (2·3 + 2·1)/15
    assert (b.weighted_points, b.weighted_maximum) == (8, 15)
    assert type(result.overall_percent) is Fraction
    assert result.overall_percent == (30 * Fraction(700, 12) + 70 * Fraction(800, 15)) / 100
    assert type(a.na_weight_percent) is Fraction and a.na_weight_percent == 0


# --- purity of the core ---------------------------------------------------------------------------

PROJECT_ROOT = Path(__file__).resolve().parents[2]
PURE_PACKAGES = ("audit_app.catalog", "audit_app.scoring", "audit_app.workflow")
FORBIDDEN = ("flask", "sqlalchemy")


def pure_modules():
    package = PROJECT_ROOT / "audit_app"
    files = sorted((package / "scoring").glob("*.py")) + sorted((package / "catalog").glob("*.py"))
    if (package / "workflow.py").exists():
        files.append(package / "workflow.py")
    return files


def imported_modules(path):
    """Absolute names of every module imported by the file at ``path`` (relative ones resolved)."""
    # "audit_app.scoring.engine" and "audit_app.scoring.__init__" both live in the package
    # "audit_app.scoring", which is what relative imports start from.
    package = ".".join(path.relative_to(PROJECT_ROOT).parts[:-1])
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                yield f"{base}.{node.module}" if node.module else base
            else:
                yield node.module


@pytest.mark.parametrize("path", pure_modules(), ids=lambda p: str(p.relative_to(PROJECT_ROOT)))
def test_pure_core_imports_neither_flask_nor_sqlalchemy(path):
    for name in imported_modules(path):
        top = name.split(".")[0].lower()
        assert top not in FORBIDDEN and not top.startswith("flask_"), f"{path.name} imports {name}"
        if top == "audit_app":
            # Importing the app package's other modules would pull Flask in indirectly.
            assert any(name == p or name.startswith(p + ".") for p in PURE_PACKAGES), (
                f"{path.name} imports {name}"
            )


def test_awarded_band_only_for_outcomes_that_award():
    """A refused audit at a high percent shows no band; an awarded one shows its band."""
    from audit_app.catalog.model import Catalog, Category, Criterion, Rules, ScoringType, Text

    t = Text("x", "x")
    catalog = Catalog(
        key="k", version="1", title=t, rules=Rules(),
        categories=(Category("A", t, 100, (
            Criterion("A1", t, t, t, ScoringType.YESNO, 3, knockout=True),
            Criterion("A2", t, t, t, ScoringType.SCALE, 3),
            Criterion("A3", t, t, t, ScoringType.SCALE, 3),
            Criterion("A4", t, t, t, ScoringType.SCALE, 3),
            Criterion("A5", t, t, t, ScoringType.SCALE, 3),
        )),),
    )
    from audit_app.scoring import Answer, score

    refused = score(catalog, {"A1": Answer(points=0), **{f"A{i}": Answer(points=3) for i in range(2, 6)}})
    # 12 of 15 points → 80 % ("sehr gut"), but the knock-out fails.
    assert refused.outcome.value == "refuse" and refused.band is not None
    assert refused.awarded_band is None
    awarded = score(catalog, {f"A{i}": Answer(points=3) for i in range(1, 6)})
    assert awarded.awarded_band.label.de == "hervorragend"
