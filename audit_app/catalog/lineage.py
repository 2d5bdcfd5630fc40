"""Catalogue versions across audit cycles: which older criteria each newer criterion continues.

Pure code (standard library and :mod:`.model`). A catalogue file may name the older version
of its key that it continues (``predecessor``) and map its criteria onto that version's:
renamed, split, merged, new and removed criteria (the format is in ``criteria/README.md``).
:func:`check_predecessor` checks such a mapping against the older catalogue and returns
every problem as ``file:line: path: message``; :func:`sources` turns a checked mapping into
``{new code: (older codes, ...)}``, :func:`compose` chains two of those (2028 → 2027 → 2026)
and :func:`kinds` says for each newer criterion how it relates to the older ones.
"""
from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path

from .model import Catalog, CatalogError, LineageKind, Problem

__all__ = ["check_predecessor", "compose", "find_older", "identity", "kinds", "sources",
           "validate_files"]

#: ``{code in the newer version: (codes in the older version, ...)}``; an empty tuple: new.
Sources = dict[str, tuple[str, ...]]


def check_predecessor(catalog: Catalog, older: Catalog) -> list[Problem]:
    """Every problem of ``catalog``'s predecessor mapping against the ``older`` catalogue.

    Checks that ``older`` is the version named (same key), that every older code named
    exists there, that no code is mapped twice, and that the mapping is complete: an older
    criterion that is not mapped and not removed must still exist under its code, and a
    criterion of this catalogue that is not a target and not listed as new must have existed
    under its code. Returns an empty list for a catalogue without a predecessor.
    """
    predecessor = catalog.predecessor
    if predecessor is None:
        return []
    problems: list[Problem] = []

    def problem(line, path, message):
        problems.append(Problem(catalog.source, line, path, message))

    if older.key != catalog.key or older.version != predecessor.version:
        problem(predecessor.line, "predecessor.version",
                f"the older catalogue given is {older.key} {older.version}, not "
                f"{catalog.key} {predecessor.version}")
        return problems
    name = f"{older.key} {older.version}"
    old_codes = {c.code for c in older.criteria}
    new_codes = {c.code for c in catalog.criteria}
    source_lines: dict[str, int | None] = {}
    target_lines: dict[str, int | None] = {}
    named_sources = [s for e in predecessor.entries for s in e.sources] + list(predecessor.removed)
    named_targets = [t for e in predecessor.entries for t in e.targets] + list(predecessor.new)
    for ref in named_sources:
        if ref.code not in old_codes:
            problem(ref.line, ref.path, f'unknown criterion "{ref.code}" in {name}')
        elif ref.code in source_lines:
            problem(ref.line, ref.path, f'criterion "{ref.code}" of {name} is mapped twice '
                                        f"(first at line {source_lines[ref.code]})")
        else:
            source_lines[ref.code] = ref.line
    for ref in named_targets:
        if ref.code in target_lines:
            problem(ref.line, ref.path, f'criterion "{ref.code}" is the target of two '
                                        f"mappings (first at line {target_lines[ref.code]})")
        else:
            target_lines[ref.code] = ref.line
    for ref in named_targets:
        if ref.code in old_codes and ref.code not in source_lines and ref.code in new_codes:
            problem(ref.line, ref.path,
                    f'"{ref.code}" is named as new or as a target, but criterion "{ref.code}" '
                    f"of {name} is not mapped: map it as well or list it under "
                    "predecessor.removed")
    for code in sorted(old_codes - set(source_lines) - new_codes, key=_order(older)):
        problem(predecessor.line, "predecessor",
                f'criterion "{code}" of {name} is missing from this version: map it '
                "(renamed, split or merged) or list it under predecessor.removed")
    for code in sorted(new_codes - set(target_lines), key=_order(catalog)):
        line, path = predecessor.places.get(code, (None, "predecessor"))
        if code not in old_codes:
            problem(line, path, f'criterion "{code}" is not in {name}: list it under '
                                "predecessor.new or map an older criterion to it")
        elif code in source_lines:
            problem(line, path, f'criterion "{code}" of {name} is mapped or removed, but '
                                f'"{code}" still exists here: list it under predecessor.new '
                                "(a different criterion under the same code) or map it")
    return problems


def _order(catalog: Catalog):
    position = {c.code: i for i, c in enumerate(catalog.criteria)}
    return lambda code: position.get(code, len(position))


def sources(catalog: Catalog, older: Catalog) -> Sources:
    """``{code of catalog: (codes of older, ...)}`` of a mapping that passed the check.

    Unnamed codes present in both versions map onto themselves; new criteria map onto
    nothing. Without a predecessor block this is :func:`identity`.
    """
    if catalog.predecessor is None:
        return identity((c.code for c in catalog.criteria), (c.code for c in older.criteria))
    predecessor = catalog.predecessor
    result: dict[str, list[str]] = {c.code: [] for c in catalog.criteria}
    named_targets = set()
    named_sources = {r.code for e in predecessor.entries for r in e.sources}
    named_sources |= {r.code for r in predecessor.removed}
    for entry in predecessor.entries:
        for target in entry.targets:
            named_targets.add(target.code)
            result.setdefault(target.code, []).extend(s.code for s in entry.sources)
    named_targets |= {r.code for r in predecessor.new}
    old_codes = {c.code for c in older.criteria}
    for code in result:
        if code not in named_targets and code in old_codes and code not in named_sources:
            result[code] = [code]
    return {code: tuple(codes) for code, codes in result.items()}


def identity(new_codes: Iterable[str], old_codes: Iterable[str]) -> Sources:
    """Same code, same criterion: for versions without a mapping between them."""
    old = set(old_codes)
    return {code: ((code,) if code in old else ()) for code in new_codes}


def compose(newer: Mapping[str, tuple[str, ...]],
            older: Mapping[str, tuple[str, ...]]) -> Sources:
    """Chain two mappings: ``newer`` (C → B) after ``older`` (B → A) gives C → A.

    Codes keep the order in which they are first reached, without repetitions.
    """
    out: Sources = {}
    for code, middle in newer.items():
        seen: list[str] = []
        for m in middle:
            for a in older.get(m, ()):
                if a not in seen:
                    seen.append(a)
        out[code] = tuple(seen)
    return out


def kinds(mapping: Mapping[str, tuple[str, ...]]) -> dict[str, LineageKind]:
    """How each newer criterion relates to the older ones, from a (composed) mapping:
    new without sources, merged with several, split when its one source feeds several
    criteria, renamed when that source has another code, else unchanged."""
    fan_out: dict[str, int] = {}
    for olds in mapping.values():
        for old in olds:
            fan_out[old] = fan_out.get(old, 0) + 1
    out = {}
    for code, olds in mapping.items():
        if not olds:
            out[code] = LineageKind.NEW
        elif len(olds) > 1:
            out[code] = LineageKind.MERGED
        elif fan_out[olds[0]] > 1:
            out[code] = LineageKind.SPLIT
        elif olds[0] != code:
            out[code] = LineageKind.RENAMED
        else:
            out[code] = LineageKind.UNCHANGED
    return out


# --- files ------------------------------------------------------------------------------------


def find_older(catalog: Catalog, candidates: Mapping[tuple[str, str], Catalog],
               folder: str | os.PathLike | None = None) -> Catalog | None:
    """The older version ``catalog`` names: among ``candidates`` (by key and version), else
    in ``folder`` (``<key>-<version>.yaml`` first, then any file of that key and version)."""
    from .loader import load_catalog

    predecessor = catalog.predecessor
    if predecessor is None:
        return None
    wanted = (catalog.key, predecessor.version)
    if wanted in candidates:
        return candidates[wanted]
    if folder is None:
        return None
    folder = Path(folder)
    preferred = folder / f"{catalog.key}-{predecessor.version}.yaml"
    paths = [preferred] + [p for p in sorted(folder.glob("*.yaml")) if p != preferred]
    for path in paths:
        if not path.is_file() or os.fspath(path) == catalog.source:
            continue
        try:
            other = load_catalog(path)
        except CatalogError:
            continue
        if (other.key, other.version) == wanted:
            return other
    return None


def validate_files(paths: Iterable[str | os.PathLike]) -> dict[str, Catalog | CatalogError]:
    """Load each file and check its predecessor mapping against the older version, found
    among the files given or next to the file. Each path gives its catalogue or the error
    listing every problem (a missing older version is one)."""
    from .loader import load_catalog

    loaded: dict[str, Catalog | CatalogError] = {}
    for path in paths:
        try:
            loaded[os.fspath(path)] = load_catalog(path)
        except CatalogError as exc:
            loaded[os.fspath(path)] = exc
    candidates = {(c.key, c.version): c for c in loaded.values() if isinstance(c, Catalog)}
    out: dict[str, Catalog | CatalogError] = {}
    for path, catalog in loaded.items():
        if not isinstance(catalog, Catalog) or catalog.predecessor is None:
            out[path] = catalog
            continue
        older = find_older(catalog, candidates, Path(path).parent)
        if older is None:
            predecessor = catalog.predecessor
            out[path] = CatalogError([Problem(
                catalog.source, predecessor.line, "predecessor.version",
                f"the older version {catalog.key} {predecessor.version} is not found: validate "
                f"it together with this file or put {catalog.key}-{predecessor.version}.yaml "
                "next to it")])
            continue
        problems = check_predecessor(catalog, older)
        out[path] = CatalogError(problems) if problems else catalog
    return out
