"""Catalogue versions across cycles: the predecessor mapping, checked against the older version
with file:line errors (pure code, no app)."""
from __future__ import annotations

from pathlib import Path

import pytest

from audit_app.catalog import CatalogError, LineageKind, load_catalog
from audit_app.catalog.lineage import (
    check_predecessor,
    compose,
    identity,
    kinds,
    sources,
    validate_files,
)

CRITERIA = Path(__file__).resolve().parents[2] / "criteria"


@pytest.fixture(scope="module")
def older():
    return load_catalog(CRITERIA / "aiz-2026.yaml")


@pytest.fixture(scope="module")
def newer():
    return load_catalog(CRITERIA / "aiz-2027.yaml")


def _variant(tmp_path: Path, old: str, new: str) -> Path:
    text = (CRITERIA / "aiz-2027.yaml").read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "aiz-2027.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def test_the_real_2027_mapping_passes_against_2026(older, newer):
    assert check_predecessor(newer, older) == []
    results = validate_files([CRITERIA / "aiz-2026.yaml", CRITERIA / "aiz-2027.yaml"])
    assert all(not isinstance(r, CatalogError) for r in results.values())


def test_sources_and_kinds_of_the_2027_mapping(older, newer):
    mapped = sources(newer, older)
    assert mapped["G7"] == ("F5",)
    assert mapped["B2"] == ("B2",) and mapped["B8"] == ("B2",)
    assert mapped["E3"] == ("E3", "E4")
    assert mapped["C8"] == () and mapped["G8"] == ()
    assert mapped["A1"] == ("A1",)
    assert "D5" not in {code for codes in mapped.values() for code in codes}
    k = kinds(mapped)
    assert (k["G7"], k["B8"], k["E3"], k["C8"], k["A1"]) == (
        LineageKind.RENAMED, LineageKind.SPLIT, LineageKind.MERGED, LineageKind.NEW,
        LineageKind.UNCHANGED)


def test_compose_chains_two_mappings_and_identity_matches_codes():
    assert compose({"X1": ("B1", "B2")}, {"B1": ("A1",), "B2": ("A1", "A2")}) == {
        "X1": ("A1", "A2")}
    assert identity(["A1", "Z9"], ["A1", "A2"]) == {"A1": ("A1",), "Z9": ()}


def test_an_unknown_criterion_in_the_mapping_is_an_error_with_file_and_line(tmp_path):
    path = _variant(tmp_path, "{from: F5, to: G7}", "{from: F9, to: G7}")
    results = validate_files([CRITERIA / "aiz-2026.yaml", path])
    error = results[str(path)]
    assert isinstance(error, CatalogError)
    messages = [str(p) for p in error.problems]
    line = next(i for i, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                if "F9" in text)
    assert any(m.startswith(f"{path}:{line}: predecessor.renamed[0].from: ")
               and 'unknown criterion "F9"' in m for m in messages), messages
    # F5 is now accounted for nowhere: that is reported too.
    assert any('criterion "F5" of aiz 2026 is missing' in m for m in messages), messages


def test_a_criterion_mapped_twice_is_an_error(tmp_path):
    path = _variant(tmp_path, "removed: [D5]", "removed: [D5, F5]")
    error = validate_files([CRITERIA / "aiz-2026.yaml", path])[str(path)]
    assert isinstance(error, CatalogError)
    assert any('"F5" of aiz 2026 is mapped twice' in str(p) for p in error.problems)


def test_a_new_criterion_not_listed_is_an_error(tmp_path):
    path = _variant(tmp_path, "new: [C8, G8]", "new: [C8]")
    error = validate_files([CRITERIA / "aiz-2026.yaml", path])[str(path)]
    assert isinstance(error, CatalogError)
    assert any('criterion "G8" is not in aiz 2026' in str(p) for p in error.problems)


def test_a_missing_older_version_is_an_error(tmp_path):
    path = _variant(tmp_path, 'version: "2026"\n  renamed', 'version: "2025"\n  renamed')
    error = validate_files([path])[str(path)]
    assert isinstance(error, CatalogError)
    assert "aiz 2025 is not found" in str(error.problems[0])


def test_an_unknown_key_in_the_mapping_is_refused(tmp_path):
    path = _variant(tmp_path, "removed: [D5]", "removed: [D5]\n  dropped: [D4]")
    with pytest.raises(CatalogError) as exc:
        load_catalog(path)
    assert any("dropped" in str(p) for p in exc.value.problems)
