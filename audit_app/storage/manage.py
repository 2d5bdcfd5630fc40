"""Checking every stored file against its hash, and moving files between backends.

Both work on the union of the registry (``stored_files``) and the rows that name files
(evidence, the centre's documents, certificate PDFs, report PDFs), so a file named by the data but never registered
is found too. Functions flush, never commit: ``flask storage ...`` commits, one file at a
time while copying, so that an interrupted migration resumes where it stopped.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import sqlalchemy as sa

from ..models import (AuditReport, CentreDocument, Certificate, ConditionProof, Evidence,
                      StoredFile, utcnow)
from .base import CorruptFile, FileMissing, read_pieces, sha256_of
from .store import Storage

_registry = StoredFile.__table__


@dataclass(frozen=True)
class Problem:
    """A stored file that is not as recorded: ``kind`` is "missing" or "corrupt"."""

    key: str
    kind: str
    backend: str
    detail: str
    used_by: tuple[str, ...] = ()


@dataclass
class CheckReport:
    checked: int = 0
    bytes: int = 0
    by_backend: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def references(session) -> dict[str, tuple[str, list[str]]]:
    """Every file the data names: key → (SHA-256 recorded there, what names it)."""
    found: dict[str, tuple[str, list[str]]] = {}

    def add(rows: Iterable, describe) -> None:
        for row in rows:
            key, digest = row[0], row[1]
            if key:
                found.setdefault(key, (digest, []))[1].append(describe(row))

    add(session.execute(sa.select(Evidence.storage_key, Evidence.sha256, Evidence.id,
                                  Evidence.original_name)),
        lambda r: f"evidence {r[2]} ({r[3]})")
    add(session.execute(sa.select(Certificate.pdf_storage_key, Certificate.pdf_sha256,
                                  Certificate.number)),
        lambda r: f"certificate {r[2]} (de)")
    add(session.execute(sa.select(Certificate.pdf_en_storage_key, Certificate.pdf_en_sha256,
                                  Certificate.number)),
        lambda r: f"certificate {r[2]} (en)")
    add(session.execute(sa.select(AuditReport.storage_key, AuditReport.sha256, AuditReport.id,
                                  AuditReport.lang)),
        lambda r: f"audit report {r[2]} ({r[3]})")
    add(session.execute(sa.select(CentreDocument.storage_key, CentreDocument.sha256,
                                  CentreDocument.id, CentreDocument.original_name)),
        lambda r: f"centre document {r[2]} ({r[3]})")
    add(session.execute(sa.select(ConditionProof.storage_key, ConditionProof.sha256,
                                  ConditionProof.id, ConditionProof.original_name)),
        lambda r: f"proof of a condition {r[2]} ({r[3]})")
    return found


def _registry_rows(session) -> dict[str, sa.Row]:
    return {r.storage_key: r for r in session.execute(
        sa.select(_registry.c.storage_key, _registry.c.sha256, _registry.c.size, _registry.c.backend))}


def check(storage: Storage) -> CheckReport:
    """Read every stored file through its backend and compare its SHA-256 and size with the
    registry and with the rows naming it. Changes nothing."""
    report = CheckReport()
    session = storage.session
    registry = _registry_rows(session)
    named = references(session)
    for key in sorted(set(registry) | set(named)):
        row = registry.get(key)
        expected = row.sha256 if row is not None else named[key][0]
        used_by = tuple(named.get(key, ("", []))[1])
        backend_name = row.backend if row is not None else "?"
        report.checked += 1
        if key in named and named[key][0] != expected:
            report.problems.append(Problem(key, "corrupt", backend_name,
                                           "the registry and the data record different hashes",
                                           used_by))
            continue
        try:
            backend = storage.locate(key)
            backend_name = backend.name
            with backend.open(key) as fh:
                digest, size = sha256_of(fh)
        except FileMissing as exc:
            report.problems.append(Problem(key, "missing", backend_name, str(exc), used_by))
            continue
        report.by_backend[backend_name] += 1
        report.bytes += size
        if digest != expected:
            report.problems.append(Problem(key, "corrupt", backend_name,
                                           f"SHA-256 is {digest}, expected {expected}", used_by))
        elif row is not None and row.size is not None and row.size != size:
            report.problems.append(Problem(key, "corrupt", backend_name,
                                           f"{size} bytes, expected {row.size}", used_by))
    return report


# --- migration --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Copied:
    key: str
    size: int
    copied: bool  # False: a verified copy was there already (an earlier, interrupted run)


def register_unregistered(storage: Storage) -> list[Problem]:
    """Give every file the data names a registry row (files from before the registry, or
    restored by hand): the backend that holds it, its size. Returns the files found nowhere."""
    session = storage.session
    registry = _registry_rows(session)
    missing = []
    for key, (digest, used_by) in sorted(references(session).items()):
        if key in registry:
            continue
        try:
            backend = storage.locate(key)
            size = backend.size(key)
        except FileMissing as exc:
            missing.append(Problem(key, "missing", "?", str(exc), tuple(used_by)))
            continue
        session.execute(sa.insert(_registry).values(storage_key=key, sha256=digest, size=size,
                                                     backend=backend.name, created_at=utcnow()))
    return missing


def to_move(storage: Storage, target: str) -> list[str]:
    """Keys of registered files held by a backend other than ``target``, in key order."""
    return list(storage.session.scalars(
        sa.select(_registry.c.storage_key).where(_registry.c.backend != target).order_by(_registry.c.storage_key)))


def _hashing(chunks: Iterable[bytes], state: dict) -> Iterator[bytes]:
    import hashlib

    digest = hashlib.sha256()
    size = 0
    for chunk in chunks:
        digest.update(chunk)
        size += len(chunk)
        yield chunk
    state["sha256"], state["size"] = digest.hexdigest(), size


def copy_verified(storage: Storage, key: str, target: str) -> Copied:
    """Copy one file into ``target`` and read the copy back: its SHA-256 must be the one
    registered. A verified copy already there is kept (resuming). The registry row is not
    touched (see :func:`switch`). Raises FileMissing or CorruptFile (the bad copy is removed).
    """
    session = storage.session
    row = session.execute(sa.select(_registry.c.sha256, _registry.c.backend)
                          .where(_registry.c.storage_key == key)).one()
    destination = storage.backends[target]
    if destination.exists(key):
        with destination.open(key) as fh:
            digest, size = sha256_of(fh)
        if digest == row.sha256:
            return Copied(key, size, copied=False)
    source = storage.backends.get(row.backend)
    if source is None:
        raise FileMissing(f"{key} is in backend {row.backend!r}, which is not available", key=key)
    state: dict = {}
    with source.open(key) as fh:
        destination.write(key, _hashing(read_pieces(fh), state))
    if state["sha256"] != row.sha256:
        destination.delete(key)
        raise CorruptFile(f"{key} in {source.name} does not match its SHA-256; not copied", key=key)
    with destination.open(key) as fh:
        digest, size = sha256_of(fh)
    if digest != row.sha256:
        destination.delete(key)
        raise CorruptFile(f"the copy of {key} in {target} does not match; removed", key=key)
    return Copied(key, size, copied=True)


def switch(storage: Storage, copies: list[Copied], target: str) -> int:
    """Point the registry rows of verified ``copies`` at ``target``; returns how many changed."""
    changed = 0
    for copy in copies:
        result = storage.session.execute(
            sa.update(_registry).where(_registry.c.storage_key == copy.key, _registry.c.backend != target)
            .values(backend=target, size=copy.size))
        changed += result.rowcount or 0
    return changed
