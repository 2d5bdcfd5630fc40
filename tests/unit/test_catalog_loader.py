"""The catalogue loader: the real catalogue file, every rejection rule, and fuzzing.

Pure tests: no app, no database. Rejection tests start from a small valid catalogue
(``MINIMAL``), change one spot and assert the exact ``file:line: path: message``.
"""

from __future__ import annotations

import ast
import hashlib
import re
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from audit_app.catalog import (
    Catalog,
    CatalogError,
    Rules,
    ScoringType,
    Text,
    load_catalog,
    parse_catalog,
)
from audit_app.catalog import loader as loader_module
from audit_app.catalog import yaml_reader as reader_module

REPO = Path(__file__).resolve().parents[2]
REAL_FILE = REPO / "criteria" / "aiz-2026.yaml"
SOURCE = "criteria/test-1.yaml"

MINIMAL = """\
key: test
version: "1"
title: {de: Testkatalog, en: Test catalogue}
categories:
  - code: A
    title: {de: Auftrag, en: Mandate}
    weight: 60
    criteria:
      - code: A1
        title: {de: Ziele im Vertrag, en: Objectives in statutes}
        guidance: {de: Vertrag prüfen., en: Check the statutes.}
        evidence: {de: Gesellschaftsvertrag, en: Statutes}
        type: scale
        weight: 2
      - code: A2
        title: {de: Strategie, en: Strategy}
        guidance: {de: Strategie prüfen., en: Check the strategy.}
        evidence: {de: Strategiepapier, en: Strategy paper}
        type: yesno
        weight: 1
        na_allowed: true
  - code: B
    title: {de: Gründerflächen, en: Start-up space}
    weight: 40
    criteria:
      - code: B1
        title: {de: Mietfläche, en: Rentable space}
        guidance: {de: Fläche messen., en: Measure the space.}
        evidence: {de: Flächenplan, en: Floor plan}
        type: number
        weight: 3
        knockout: true
        unit: "m²"
        minimum: 0
        bands:
          - {start: 0, points: 0}
          - {start: 1000, points: 2}
          - {start: 3000, points: 3}
"""

RULES = """\
rules:
  overall_minimum: 70
  category_minimum: 40.5
  knockout_minimum: 3
  na_warning_percent: 20
  condition_deadline_months: 6
  validity_years: 4
  report_bands:
    - {minimum: 90, label: {de: spitze, en: top}}
    - {minimum: 70, label: {de: gut, en: good}}
"""


def mutate(text: str, old: str, new: str) -> str:
    """Replace ``old``, which must occur exactly once, by ``new``."""
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times"
    return text.replace(old, new)


def line_of(text: str, snippet: str) -> int:
    """The 1-based number of the first line that contains ``snippet``."""
    for number, line in enumerate(text.splitlines(), 1):
        if snippet in line:
            return number
    raise AssertionError(f"{snippet!r} not found")


def problems(text: str) -> list[str]:
    """The problems parsing ``text`` reports, as printed (it must not parse)."""
    with pytest.raises(CatalogError) as caught:
        parse_catalog(text, source=SOURCE)
    return [str(problem) for problem in caught.value.problems]


def only_problem(text: str) -> str:
    reported = problems(text)
    assert len(reported) == 1, reported
    return reported[0]


@pytest.fixture(scope="module")
def real() -> Catalog:
    return load_catalog(REAL_FILE)


# -- the real catalogue --------------------------------------------------------------


def test_real_catalogue_has_seven_categories_and_forty_criteria(real):
    assert (real.key, real.version) == ("aiz", "2026")
    assert real.title == Text("AIZ-Kriterienkatalog 2026", "AIZ criteria catalogue 2026")
    assert [c.code for c in real.categories] == list("ABCDEFG")
    assert real.criteria_count == 40
    assert sum(len(c.criteria) for c in real.categories) == 40


def test_real_catalogue_category_weights(real):
    weights = {c.code: c.weight for c in real.categories}
    assert weights == {"A": 10, "B": 15, "C": 20, "D": 15, "E": 15, "F": 10, "G": 15}


def test_real_catalogue_knockouts_and_na(real):
    assert [c.code for c in real.criteria if c.knockout] == ["A1", "B1", "C1", "D1", "G1", "G3"]
    assert [c.code for c in real.criteria if c.na_allowed] == ["C7", "E2", "F3", "G6"]


# Code, type and weight of every criterion, as in the proposed catalogue table.
EXPECTED_CRITERIA = """
A1 yesno 3  A2 scale 2  A3 scale 1  A4 yesno 2  A5 scale 1
B1 number 2  B2 scale 2  B3 scale 2  B4 scale 2  B5 yesno 1  B6 scale 2  B7 number 1
C1 scale 3  C2 scale 2  C3 scale 2  C4 scale 1  C5 scale 2  C6 scale 1  C7 scale 1
D1 number 3  D2 number 1  D3 number 2  D4 yesno 1  D5 scale 1
E1 scale 3  E2 scale 2  E3 scale 2  E4 scale 2  E5 scale 1
F1 scale 2  F2 scale 1  F3 number 2  F4 scale 1  F5 scale 1
G1 yesno 3  G2 scale 2  G3 yesno 2  G4 scale 2  G5 scale 1  G6 scale 1
"""


def test_real_catalogue_types_and_weights(real):
    expected = re.findall(r"([A-G]\d) (\w+) (\d)", EXPECTED_CRITERIA)
    actual = [(c.code, c.type.value, str(c.weight)) for c in real.criteria]
    assert actual == expected


@pytest.mark.parametrize(
    ("code", "unit", "minimum", "maximum", "bands"),
    [
        ("B1", "m²", 0, None, [(0, 0), (1000, 2), (3000, 3)]),
        ("B7", "%", 0, 100, [(0, 0), (70, 2), (85, 3)]),
        ("D1", "%", 0, 100, [(0, 0), (50, 2), (70, 3)]),
        ("D2", None, 0, None, [(0, 0), (10, 2), (25, 3)]),
        ("D3", "%", 0, 100, [(0, 0), (10, 2), (15, 3)]),
        ("F3", "%", 0, 100, [(0, 0), (50, 2), (75, 3)]),
    ],
)
def test_real_catalogue_number_criteria(real, code, unit, minimum, maximum, bands):
    criterion = real.criterion(code)
    assert criterion.type is ScoringType.NUMBER
    assert criterion.unit == unit
    assert criterion.minimum == Decimal(minimum)
    assert criterion.maximum == (None if maximum is None else Decimal(maximum))
    assert [(b.start, b.points) for b in criterion.bands] == [
        (Decimal(start), points) for start, points in bands
    ]
    assert all(isinstance(b.start, Decimal) for b in criterion.bands)


def test_real_catalogue_rules(real):
    assert real.rules == Rules()  # the file states the defaults explicitly
    assert real.rules.overall_minimum == Decimal(65)
    assert [(b.minimum, b.label.de) for b in real.rules.report_bands] == [
        (Decimal(85), "hervorragend"),
        (Decimal(75), "sehr gut"),
        (Decimal(65), "erfüllt"),
    ]


def test_real_catalogue_texts_are_filled_in_both_languages(real):
    texts = [real.title] + [c.title for c in real.categories]
    for criterion in real.criteria:
        texts += [criterion.title, criterion.guidance, criterion.evidence]
    assert len(texts) == 1 + 7 + 3 * 40
    for text in texts:
        assert text.de.strip() and text.en.strip(), text
        assert text.de != text.en or text.de in {"Services", "Region"}, text
    for criterion in real.criteria:
        assert criterion.guidance.de.count(". ") >= 1, criterion.code  # sentences, not a label
        assert "  " not in criterion.guidance.de + criterion.guidance.en, criterion.code


def test_real_catalogue_source_and_checksum(real):
    assert real.source == str(REAL_FILE)
    assert real.checksum == hashlib.sha256(REAL_FILE.read_bytes()).hexdigest()


def test_real_catalogue_is_the_same_with_and_without_libyaml(real, monkeypatch):
    monkeypatch.setattr(reader_module, "_YamlLoader", reader_module._PureYamlLoader)
    assert load_catalog(REAL_FILE) == real


# -- a valid catalogue ---------------------------------------------------------------


def test_minimal_catalogue_is_fully_built():
    catalog = parse_catalog(MINIMAL)
    assert (catalog.source, catalog.checksum) == ("<string>", "")
    assert catalog.rules == Rules()
    assert isinstance(catalog.categories, tuple)
    a1, a2, b1 = catalog.criteria
    assert a1.type is ScoringType.SCALE and a1.weight == 2
    assert (a1.knockout, a1.na_allowed, a1.bands, a1.unit, a1.minimum) == (
        False,
        False,
        (),
        None,
        None,
    )
    assert a2.type is ScoringType.YESNO and a2.na_allowed
    assert b1.knockout and b1.unit == "m²" and b1.minimum == Decimal(0) and b1.maximum is None
    assert isinstance(b1.bands, tuple) and b1.allowed_points == (0, 2, 3)
    assert catalog.criterion("B1").guidance == Text("Fläche messen.", "Measure the space.")


def test_rules_block_overrides_defaults():
    catalog = parse_catalog(mutate(MINIMAL, "categories:\n", RULES + "categories:\n"))
    rules = catalog.rules
    assert rules.overall_minimum == Decimal(70)
    assert rules.category_minimum == Decimal("40.5")
    assert (rules.knockout_minimum, rules.condition_deadline_months, rules.validity_years) == (
        3,
        6,
        4,
    )
    assert rules.na_warning_percent == Decimal(20)
    assert [b.label.en for b in rules.report_bands] == ["top", "good"]


def test_rules_keys_are_each_optional():
    catalog = parse_catalog(
        mutate(MINIMAL, "categories:\n", "rules:\n  validity_years: 3\ncategories:\n")
    )
    assert catalog.rules == Rules(validity_years=3)


def test_empty_report_bands_are_allowed():
    text = mutate(MINIMAL, "categories:\n", "rules: {report_bands: []}\ncategories:\n")
    assert parse_catalog(text).rules.report_bands == ()


@pytest.mark.parametrize(
    ("written", "version"),
    [
        ('"2026"', "2026"),
        ("2026", "2026"),
        ("1.10", "1.10"),
        ("2026-b", "2026-b"),
        ("2026-01-01", "2026-01-01"),  # a date to YAML
    ],
)
def test_unquoted_versions_are_read_as_written(written, version):
    assert parse_catalog(mutate(MINIMAL, 'version: "1"', f"version: {written}")).version == version


def test_float_numbers_become_exact_decimals():
    text = mutate(MINIMAL, "{start: 1000, points: 2}", "{start: 999.5, points: 2}")
    assert parse_catalog(text).criterion("B1").bands[1].start == Decimal("999.5")


def test_surrounding_whitespace_of_texts_is_dropped():
    text = mutate(
        MINIMAL, "{de: Strategie, en: Strategy}", '{de: "  Strategie ", en: "Strategy\\n"}'
    )
    assert parse_catalog(text).criterion("A2").title == Text("Strategie", "Strategy")


def test_category_code_yaml_would_read_as_false_is_taken_as_written():
    text = mutate(MINIMAL, "  - code: B\n", "  - code: NO\n")
    text = mutate(text, "code: B1", "code: NO1")
    assert [c.code for c in parse_catalog(text).categories] == ["A", "NO"]


# -- points and ranges of number criteria --------------------------------------------


@pytest.mark.parametrize(
    ("value", "points"),
    [
        ("0", 0),
        ("999.99", 0),
        ("1000", 2),
        ("1000.00", 2),
        ("2999.99", 2),
        ("3000", 3),
        ("1E+9", 3),
    ],
)
def test_points_for_value_at_band_edges(real, value, points):
    assert real.criterion("B1").points_for_value(Decimal(value)) == points


@pytest.mark.parametrize(
    ("code", "value", "inside"),
    [
        ("B1", "-0.01", False),
        ("B1", "0", True),
        ("B1", "1000000", True),  # no maximum
        ("B7", "-1", False),
        ("B7", "0", True),
        ("B7", "100", True),
        ("B7", "100.01", False),
    ],
)
def test_value_in_range(real, code, value, inside):
    assert real.criterion(code).value_in_range(Decimal(value)) is inside


# -- rejections: each rule with its exact message, line and path ---------------------

A1 = "categories[0].criteria[0]"
A2 = "categories[0].criteria[1]"
B1 = "categories[1].criteria[0]"

# id: (old, new, snippet on the reported line, path, message). In the message,
# "{line:X}" stands for the line of the first line containing X in the changed text.
REJECTIONS = {
    "weight out of range": (
        "        weight: 2\n",
        "        weight: 4\n",
        "weight: 4",
        f"{A1}.weight",
        "must be 1, 2 or 3",
    ),
    "weight is a bool": (
        "        weight: 2\n",
        "        weight: true\n",
        "weight: true",
        f"{A1}.weight",
        "must be 1, 2 or 3",
    ),
    "weight is a float": (
        "        weight: 2\n",
        "        weight: 2.0\n",
        "weight: 2.0",
        f"{A1}.weight",
        "must be 1, 2 or 3",
    ),
    "weight is quoted": (
        "        weight: 2\n",
        '        weight: "2"\n',
        'weight: "2"',
        f"{A1}.weight",
        "must be 1, 2 or 3",
    ),
    "weight is null": (
        "        weight: 2\n",
        "        weight: ~\n",
        "weight: ~",
        f"{A1}.weight",
        "must be 1, 2 or 3",
    ),
    "unknown scoring type": (
        "type: scale",
        "type: rating",
        "type: rating",
        f"{A1}.type",
        'must be "scale", "yesno" or "number"',
    ),
    "knockout flag is text": (
        "knockout: true",
        'knockout: "ja"',
        "knockout:",
        f"{B1}.knockout",
        "must be true or false",
    ),
    "knock-out allows N/A": (
        "        knockout: true\n",
        "        knockout: true\n        na_allowed: true  # with knockout\n",
        "# with knockout",
        f"{B1}.na_allowed",
        "a knock-out criterion cannot allow N/A",
    ),
    "bands on a scale criterion": (
        "        type: scale\n",
        "        type: scale\n        bands: [{start: 0, points: 0}, {start: 1, points: 3}]\n",
        "bands: [",
        f"{A1}.bands",
        'only allowed for criteria of type "number"',
    ),
    "unit on a yes/no criterion": (
        "        type: yesno\n",
        '        type: yesno\n        unit: "%"\n',
        'unit: "%"',
        f"{A2}.unit",
        'only allowed for criteria of type "number"',
    ),
    "minimum on a scale criterion": (
        "        type: scale\n",
        "        type: scale\n        minimum: 0\n",
        "minimum: 0",
        f"{A1}.minimum",
        'only allowed for criteria of type "number"',
    ),
    "maximum on a yes/no criterion": (
        "        type: yesno\n",
        "        type: yesno\n        maximum: 9\n",
        "maximum: 9",
        f"{A2}.maximum",
        'only allowed for criteria of type "number"',
    ),
    "band starts decrease": (
        "{start: 1000, points: 2}\n          - {start: 3000,",
        "{start: 3000, points: 2}\n          - {start: 1000,",
        "{start: 1000,",
        f"{B1}.bands[2].start",
        "bands must increase: start 1000 is not above 3000",
    ),
    "band starts repeat": (
        "{start: 1000, points: 2}",
        "{start: 0, points: 2}",
        "{start: 0, points: 2}",
        f"{B1}.bands[1].start",
        "bands must increase: start 0 is not above 0",
    ),
    "band points repeat": (
        "{start: 3000, points: 3}",
        "{start: 3000, points: 2}",
        "{start: 3000, points: 2}",
        f"{B1}.bands[2].points",
        "band points must increase: 2 is not above 2",
    ),
    "band points out of range": (
        "{start: 3000, points: 3}",
        "{start: 3000, points: 4}",
        "{start: 3000, points: 4}",
        f"{B1}.bands[2].points",
        "must be 0, 1, 2 or 3",
    ),
    "band start is quoted": (
        "{start: 1000, points: 2}",
        '{start: "1000", points: 2}',
        '{start: "1000"',
        f"{B1}.bands[1].start",
        "must be a number",
    ),
    "band start has 3 decimal places": (
        "{start: 1000, points: 2}",
        "{start: 999.995, points: 2}",
        "999.995",
        f"{B1}.bands[1].start",
        "must have at most 2 decimal places",
    ),
    "band start too large": (
        "{start: 3000, points: 3}",
        "{start: 1000000000000, points: 3}",
        "1000000000000",
        f"{B1}.bands[2].start",
        "must be less than 1,000,000,000,000",
    ),
    "band without points": (
        "{start: 3000, points: 3}",
        "{start: 3000}",
        "{start: 3000}",
        f"{B1}.bands[2]",
        'missing required key "points"',
    ),
    "a single band": (
        "          - {start: 1000, points: 2}\n          - {start: 3000, points: 3}\n",
        "",
        "{start: 0, points: 0}",
        f"{B1}.bands",
        "must have at least 2 bands",
    ),
    "bands not a list": (
        (
            "        bands:\n          - {start: 0, points: 0}\n"
            "          - {start: 1000, points: 2}\n          - {start: 3000, points: 3}\n"
        ),
        "        bands: {start: 0, points: 0}\n",
        "bands: {start",
        f"{B1}.bands",
        "must be a list, not a mapping",
    ),
    "minimum below the first band": (
        "minimum: 0",
        "minimum: -5",
        "minimum: -5",
        f"{B1}.minimum",
        "must equal the first band's start, 0",
    ),
    "maximum not above the last band": (
        "        minimum: 0\n",
        "        minimum: 0\n        maximum: 3000\n",
        "maximum: 3000",
        f"{B1}.maximum",
        "must be above the last band's start, 3000",
    ),
    "maximum is NaN": (
        "        minimum: 0\n",
        "        minimum: 0\n        maximum: .nan\n",
        "maximum: .nan",
        f"{B1}.maximum",
        "must be a number",
    ),
    "maximum is infinite": (
        "        minimum: 0\n",
        "        minimum: 0\n        maximum: .inf\n",
        "maximum: .inf",
        f"{B1}.maximum",
        "must be a number",
    ),
    "unit is blank": ('unit: "m²"', 'unit: " "', 'unit: " "', f"{B1}.unit", "the unit is empty"),
    "criterion code lacks digits": (
        "code: A2",
        "code: A  # no digits",
        "# no digits",
        f"{A2}.code",
        'must be 1 to 3 letters A-Z followed by 1 to 3 digits, e.g. "B3"',
    ),
    "criterion code of another category": (
        "code: A2",
        "code: B2",
        "code: B2",
        f"{A2}.code",
        'must start with its category code "A" followed by digits',
    ),
    "criterion code with extra letters": (
        "code: A2",
        "code: AB2",
        "code: AB2",
        f"{A2}.code",
        'must start with its category code "A" followed by digits',
    ),
    "duplicate criterion code": (
        "code: A2",
        "code: 'A1'",
        "code: 'A1'",
        f"{A2}.code",
        'duplicate criterion code "A1" (first at line {line:code: A1})',
    ),
    "category code lower case": (
        "  - code: B\n",
        "  - code: b\n",
        "- code: b",
        "categories[1].code",
        "must be 1 to 3 letters A-Z",
    ),
    "category weights do not sum to 100": (
        "weight: 60",
        "weight: 55",
        "  - code: A",
        "categories",
        "category weights sum to 95, must be 100",
    ),
    "category weight out of range": (
        "weight: 60",
        "weight: 0",
        "weight: 0",
        "categories[0].weight",
        "must be a whole number from 1 to 100",
    ),
    "unknown key": (
        "        type: yesno\n",
        "        type: yesno\n        colour: red\n",
        "colour: red",
        A2,
        'unknown key "colour"',
    ),
    "misspelt optional key": (
        "knockout: true",
        "knockuot: true",
        "knockuot",
        B1,
        'unknown key "knockuot" (did you mean "knockout"?)',
    ),
    "missing required key": (
        "        evidence: {de: Strategiepapier, en: Strategy paper}\n",
        "",
        "code: A2",
        A2,
        'missing required key "evidence"',
    ),
    "duplicate YAML key": (
        "        weight: 1\n",
        "        weight: 1\n        weight: 1.5\n",
        "weight: 1.5",
        A2,
        'duplicate key "weight" (first at line {line:weight: 1})',
    ),
    "text with a third language": (
        "{de: Testkatalog, en: Test catalogue}",
        "{de: Testkatalog, en: Test catalogue, fr: Catalogue}",
        "title:",
        "title",
        'unknown key "fr"',
    ),
    "missing English text": (
        "{de: Testkatalog, en: Test catalogue}",
        "{de: Testkatalog}",
        "title:",
        "title",
        "missing English text",
    ),
    "missing German text": (
        "{de: Auftrag, en: Mandate}",
        "{en: Mandate}",
        "title: {en: Mandate}",
        "categories[0].title",
        "missing German text",
    ),
    "whitespace-only text": (
        "{de: Strategie prüfen., en: Check the strategy.}",
        '{de: Strategie prüfen., en: "   "}',
        'en: "   "',
        f"{A2}.guidance.en",
        "English text is empty",
    ),
    "text is a number": (
        "{de: Flächenplan, en: Floor plan}",
        "{de: 2026, en: Floor plan}",
        "de: 2026",
        f"{B1}.evidence.de",
        "German text must be text, not a number (put it in quotes)",
    ),
    "text is a bool": (
        "{de: Flächenplan, en: Floor plan}",
        "{de: Flächenplan, en: yes}",
        "en: yes",
        f"{B1}.evidence.en",
        "English text must be text, not true/false (put it in quotes)",
    ),
    "text is a plain string": (
        "title: {de: Testkatalog, en: Test catalogue}",
        "title: Testkatalog",
        "title: Testkatalog",
        "title",
        "must be a mapping with German and English text ({de: ..., en: ...}), not text",
    ),
    "key not a slug": (
        "key: test",
        "key: Test_1",
        "key: Test_1",
        "key",
        "must be a lowercase name of letters a-z, digits and hyphens, at most 50 characters",
    ),
    "version with a space": (
        'version: "1"',
        'version: "1 beta"',
        "version:",
        "version",
        'must be made of letters, digits, ".", "_" and "-", at most 50 characters',
    ),
}


@pytest.mark.parametrize(
    ("old", "new", "snippet", "path", "message"), REJECTIONS.values(), ids=REJECTIONS
)
def test_rejection_names_file_line_path_and_message(old, new, snippet, path, message):
    text = mutate(MINIMAL, old, new)
    message = re.sub(r"\{line:([^}]+)\}", lambda m: str(line_of(text, m.group(1))), message)
    expected = f"{SOURCE}:{line_of(text, snippet)}: {path}: {message}"
    assert problems(text) == [expected]


def test_empty_criteria_list():
    text = MINIMAL[: MINIMAL.index("    criteria:\n      - code: B1")] + "    criteria: []\n"
    assert only_problem(text) == (
        f"{SOURCE}:{line_of(text, 'criteria: []')}: categories[1].criteria: "
        "must contain at least one criterion"
    )


def test_empty_categories_list():
    text = MINIMAL[: MINIMAL.index("categories:")] + "categories: []\n"
    line = line_of(text, "categories: []")
    assert only_problem(text) == (
        f"{SOURCE}:{line}: categories: must contain at least one category"
    )


def test_categories_must_be_a_list():
    text = MINIMAL[: MINIMAL.index("categories:")] + "categories: {A: 100}\n"
    assert only_problem(text) == (
        f"{SOURCE}:{line_of(text, 'categories:')}: categories: must be a list, not a mapping"
    )


def test_duplicate_category_code():
    text = mutate(MINIMAL, "  - code: B\n", "  - code: 'A'\n")
    text = mutate(text, "code: B1", "code: A3")
    line, first = line_of(text, "code: 'A'"), line_of(text, "  - code: A")
    assert only_problem(text) == (
        f'{SOURCE}:{line}: categories[1].code: duplicate category code "A" (first at line {first})'
    )


def test_misspelt_required_key_also_reports_it_missing():
    text = mutate(MINIMAL, "        weight: 1\n", "        wieght: 1\n")
    assert problems(text) == [
        f'{SOURCE}:{line_of(text, "wieght")}: {A2}: unknown key "wieght" (did you mean "weight"?)',
        f'{SOURCE}:{line_of(text, "code: A2")}: {A2}: missing required key "weight"',
    ]


def test_number_criterion_without_bands():
    start = MINIMAL.index("        bands:\n")
    text = MINIMAL[:start]
    line = line_of(text, "code: B1")
    assert only_problem(text) == (
        f'{SOURCE}:{line}: {B1}: missing required key "bands" (for type "number")'
    )


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ("overall_minimum: 101", "must be a number from 0 to 100"),
        ("category_minimum: -1", "must be a number from 0 to 100"),
        ("na_warning_percent: .inf", "must be a number from 0 to 100"),
        ("na_warning_percent: .nan", "must be a number from 0 to 100"),
        ("overall_minimum: '65'", "must be a number from 0 to 100"),
        ("overall_minimum: true", "must be a number from 0 to 100"),
        ("knockout_minimum: 4", "must be a whole number from 0 to 3"),
        ("knockout_minimum: -1", "must be a whole number from 0 to 3"),
        ("knockout_minimum: 2.5", "must be a whole number from 0 to 3"),
        ("condition_deadline_months: 0", "must be a whole number from 1 to 24"),
        ("condition_deadline_months: 25", "must be a whole number from 1 to 24"),
        ("validity_years: 11", "must be a whole number from 1 to 10"),
    ],
)
def test_rules_out_of_range(setting, message):
    text = mutate(MINIMAL, "categories:\n", f"rules:\n  {setting}\ncategories:\n")
    name = setting.split(":")[0]
    assert only_problem(text) == f"{SOURCE}:{line_of(text, setting)}: rules.{name}: {message}"


def test_rules_unknown_key():
    text = mutate(MINIMAL, "categories:\n", "rules:\n  overall_minimun: 60\ncategories:\n")
    assert only_problem(text) == (
        f'{SOURCE}:{line_of(text, "minimun")}: rules: unknown key "overall_minimun" '
        '(did you mean "overall_minimum"?)'
    )


def test_rules_must_be_a_mapping():
    text = mutate(MINIMAL, "categories:\n", "rules: strict\ncategories:\n")
    assert (
        only_problem(text)
        == f"{SOURCE}:{line_of(text, 'rules:')}: rules: must be a mapping, not text"
    )


def test_report_bands_must_decrease():
    text = mutate(MINIMAL, "categories:\n", RULES + "categories:\n")
    text = mutate(text, "{minimum: 70, label", "{minimum: 95, label")
    assert only_problem(text) == (
        f"{SOURCE}:{line_of(text, 'minimum: 95')}: rules.report_bands[1].minimum: "
        "report bands must decrease: minimum 95 is not below 90"
    )


def test_report_band_minimum_is_a_percent():
    text = mutate(MINIMAL, "categories:\n", RULES + "categories:\n")
    text = mutate(text, "{minimum: 70, label", "{minimum: 170, label")
    assert only_problem(text) == (
        f"{SOURCE}:{line_of(text, 'minimum: 170')}: rules.report_bands[1].minimum: "
        "must be a number from 0 to 100"
    )


def test_several_problems_are_all_reported_in_file_order():
    text = mutate(MINIMAL, "key: test", "key: Test")
    text = mutate(text, "        weight: 2\n", "        weight: 5\n")
    text = mutate(text, "{de: Auftrag, en: Mandate}", "{de: Auftrag}")
    text = mutate(text, "{start: 3000, points: 3}", "{start: 3000, points: 1}")
    reported = problems(text)
    assert [p.split(": ", 1)[0] for p in reported] == [
        f"{SOURCE}:{line_of(text, 'key: Test')}",
        f"{SOURCE}:{line_of(text, '{de: Auftrag}')}",
        f"{SOURCE}:{line_of(text, 'weight: 5')}",
        f"{SOURCE}:{line_of(text, 'points: 1}')}",
    ]
    assert [p.split(": ", 2)[1] for p in reported] == [
        "key",
        "categories[0].title",
        f"{A1}.weight",
        f"{B1}.bands[2].points",
    ]


def test_criteria_of_a_broken_category_are_still_checked():
    text = mutate(MINIMAL, "  - code: A\n", "  - code: a\n")
    text = mutate(text, "        weight: 2\n", "        weight: 9\n")
    text = mutate(text, "weight: 60", "weight: 50")
    category_line = line_of(text, "- code: a")
    assert problems(text) == [
        f"{SOURCE}:{category_line}: categories[0].code: must be 1 to 3 letters A-Z",
        f"{SOURCE}:{line_of(text, 'weight: 9')}: {A1}.weight: must be 1, 2 or 3",
        f"{SOURCE}:{category_line}: categories: category weights sum to 90, must be 100",
    ]


def test_error_exception_message_lists_every_problem():
    text = mutate(MINIMAL, "key: test", "key: Test")
    text = mutate(text, "        weight: 2\n", "        weight: 5\n")
    with pytest.raises(CatalogError) as caught:
        parse_catalog(text, source=SOURCE)
    assert str(caught.value).splitlines() == [str(p) for p in caught.value.problems]
    assert len(caught.value.problems) == 2


# -- documents that are not catalogues -----------------------------------------------

NOT_A_MAPPING = "the catalogue must be a mapping of keys (key, version, title, rules, categories)"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", f"{SOURCE}: the file is empty; expected a catalogue (key, version, ...)"),
        (
            "# only a comment\n",
            f"{SOURCE}: the file is empty; expected a catalogue (key, version, ...)",
        ),
        (
            "- key: aiz\n",
            f"{SOURCE}:1: {NOT_A_MAPPING}, not a list",
        ),
        (
            "just some words",
            f"{SOURCE}:1: {NOT_A_MAPPING}, not text",
        ),
    ],
)
def test_documents_that_are_not_catalogues(text, expected):
    assert only_problem(text) == expected


def test_mapping_without_any_known_key():
    assert problems("colour: red\n") == [
        f'{SOURCE}:1: unknown key "colour"',
        f'{SOURCE}:1: missing required key "key"',
        f'{SOURCE}:1: missing required key "version"',
        f'{SOURCE}:1: missing required key "title"',
        f'{SOURCE}:1: missing required key "categories"',
    ]


@pytest.fixture(params=["libyaml", "pure-python"])
def yaml_loader(request, monkeypatch):
    """Run a test with libyaml's parser and with PyYAML's pure-Python one."""
    if request.param == "pure-python":
        monkeypatch.setattr(reader_module, "_YamlLoader", reader_module._PureYamlLoader)
    elif not hasattr(reader_module, "_FastYamlLoader"):
        pytest.skip("PyYAML is built without libyaml")


@pytest.mark.parametrize(
    ("old", "new", "snippet", "detail"),
    [
        (
            "title: {de: Testkatalog, en: Test catalogue}",
            "title: {de: Testkatalog, en: Test catalogue",
            "categories:",
            "while parsing a flow mapping",
        ),
        (
            "        weight: 2\n",
            "        weight: 2\n         kind: scale\n",
            "kind: scale",
            "mapping values are not allowed",
        ),
        ("        weight: 2\n", "\tweight: 2\n", "\tweight", r"tab|'\\t'"),
        ("categories:\n", "---\ncategories:\n", "---", "single document"),
    ],
    ids=["unclosed flow mapping", "bad indentation", "tab", "two documents"],
)
def test_yaml_syntax_error_reports_its_line(yaml_loader, old, new, snippet, detail):
    text = mutate(MINIMAL, old, new)
    reported = only_problem(text)
    assert reported.startswith(f"{SOURCE}:{line_of(text, snippet)}: invalid YAML: ")
    assert re.search(detail, reported), reported


def test_yaml_aliases_are_refused(yaml_loader):
    text = mutate(MINIMAL, "weight: 40", "weight: &w 40")
    text = mutate(text, "weight: 60", "weight: *w")
    assert only_problem(text) == (
        f'{SOURCE}:{line_of(text, "*w")}: invalid YAML: aliases ("*w") are not supported; '
        "write the value out"
    )


def test_control_character_is_reported_with_its_line():
    text = mutate(MINIMAL, "Strategy paper", "Strategy\x07paper")
    assert only_problem(text) == (
        f"{SOURCE}:{line_of(text, chr(7))}: invalid YAML: character U+0007 is not allowed"
    )


def test_python_tags_are_never_constructed():
    text = mutate(MINIMAL, "type: scale", "type: !!python/object/apply:os.system [echo]")
    assert only_problem(text).endswith(f'{A1}.type: must be "scale", "yesno" or "number"')


def test_deep_nesting_is_a_problem_not_a_crash(yaml_loader):
    depth = 600  # beyond Python's recursion limit for the composer, within libyaml's
    reported = problems("[" * depth + "]" * depth)
    assert len(reported) == 1 and reported[0].startswith(f"{SOURCE}")


# -- files ---------------------------------------------------------------------------


def test_load_catalog_of_a_missing_file(tmp_path):
    missing = tmp_path / "nope.yaml"
    with pytest.raises(CatalogError) as caught:
        load_catalog(missing)
    assert [str(p) for p in caught.value.problems] == [
        f"{missing}: cannot read the file: No such file or directory"
    ]


def test_load_catalog_of_a_directory(tmp_path):
    with pytest.raises(CatalogError) as caught:
        load_catalog(str(tmp_path))
    assert str(caught.value).startswith(f"{tmp_path}: cannot read the file: ")


def test_load_catalog_of_non_utf8_bytes(tmp_path):
    path = tmp_path / "latin1.yaml"
    data = MINIMAL.encode("latin-1")
    path.write_bytes(data)
    first = min(i for i, byte in enumerate(data) if byte >= 0x80)
    assert data[first] == 0xFC  # the "ü" of "prüfen"
    line = data[:first].count(b"\n") + 1
    with pytest.raises(CatalogError) as caught:
        load_catalog(path)
    assert [str(p) for p in caught.value.problems] == [
        f"{path}:{line}: not UTF-8 text: byte 0xfc cannot be decoded"
    ]


def test_load_catalog_keeps_the_path_as_given_and_hashes_the_bytes(tmp_path):
    path = tmp_path / "test-1.yaml"
    path.write_text(MINIMAL, encoding="utf-8")
    catalog = load_catalog(str(path))
    assert catalog.source == str(path)
    assert catalog.checksum == hashlib.sha256(MINIMAL.encode("utf-8")).hexdigest()
    assert load_catalog(path).checksum == catalog.checksum


def test_problems_in_a_file_name_the_file(tmp_path):
    path = tmp_path / "test-1.yaml"
    text = mutate(MINIMAL, "        weight: 2\n", "        weight: 7\n")
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CatalogError) as caught:
        load_catalog(path)
    assert (
        str(caught.value) == f"{path}:{line_of(text, 'weight: 7')}: {A1}.weight: must be 1, 2 or 3"
    )


@pytest.mark.parametrize("module", [loader_module, reader_module], ids=["loader", "yaml_reader"])
def test_loader_is_pure(module):
    tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            imported.add(node.module.split(".")[0])
    assert imported <= {
        "__future__",
        "collections",
        "decimal",
        "difflib",
        "hashlib",
        "os",
        "re",
        "typing",
        "yaml",
    }


# -- fuzzing: never any exception but CatalogError -----------------------------------

FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# Each example parses the whole real file (~20 ms); fewer examples keep the suite quick.
FUZZ_REAL = settings(FUZZ, max_examples=100)
REAL_TEXT = REAL_FILE.read_text(encoding="utf-8")
REAL_LINES = REAL_TEXT.splitlines(keepends=True)
# A scalar after "key: ", in block and flow mappings alike.
VALUE = re.compile(r"(?<=: )[^\s{}\[\],#][^\n{}\[\],#]*")
LINE_BREAK = re.compile("\r\n|[\n\r\x85\u2028\u2029]")

YAMLISH = st.text(
    alphabet=" \n\t:-,[]{}#&*!|>'\"%@`?~.0123456789aAbBde_\u00e4\u2028\x85", max_size=80
)
REPLACEMENT = st.one_of(
    st.text(max_size=30),
    YAMLISH,
    st.integers(min_value=-(10**15), max_value=10**15).map(str),
    st.floats().map(repr),
    st.decimals(allow_nan=False, allow_infinity=False, places=3).map(str),
    st.sampled_from(["null", "~", "", "true", "no", ".nan", "-.inf", "[]", "{}", "!!int x", "*a"]),
)


def assert_parses_or_reports(text: str) -> None:
    """``parse_catalog`` returns a Catalog or raises CatalogError naming the source."""
    try:
        catalog = parse_catalog(text, source=SOURCE)
    except CatalogError as exc:
        assert exc.problems
        # A mark may point just past the last line (an error at the end of the text).
        last_line = len(LINE_BREAK.findall(text)) + 2
        for problem in exc.problems:
            assert str(problem).startswith(SOURCE)
            assert problem.line is None or 1 <= problem.line <= last_line
    else:
        assert isinstance(catalog, Catalog)


@FUZZ
@given(st.text())
def test_fuzz_random_text(text):
    assert_parses_or_reports(text)


@FUZZ
@given(YAMLISH)
def test_fuzz_yaml_like_text(text):
    assert_parses_or_reports(text)


@FUZZ_REAL
@given(st.data())
def test_fuzz_mutated_real_catalogue(data):
    lines = list(REAL_LINES)
    for _ in range(data.draw(st.integers(min_value=1, max_value=3), label="mutations")):
        kind = data.draw(st.sampled_from(["delete line", "duplicate line", "replace value"]))
        if kind == "replace value":
            text = "".join(lines)
            values = [match.span() for match in VALUE.finditer(text)]
            start, end = data.draw(st.sampled_from(values), label="value")
            text = text[:start] + data.draw(REPLACEMENT, label="replacement") + text[end:]
            lines = text.splitlines(keepends=True)
        else:
            index = data.draw(st.integers(min_value=0, max_value=len(lines) - 1), label="line")
            if kind == "delete line":
                del lines[index]
            else:
                lines.insert(index, lines[index])
        if not lines:
            break
    assert_parses_or_reports("".join(lines))
