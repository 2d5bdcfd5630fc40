"""Scoring stored audits with the pure engine: rows in, :class:`ScoreResult` out.

Lists score many audits per page. Results are cached per process under a key that changes
whenever anything that scoring reads changes: every saved answer, adjustment or finding
raises its assessment's version (SQLAlchemy's version counter), so the sum of versions and
the number of assessments of an audit, together with the audit's creation time and its
catalogue's checksum, identify the input exactly.
"""
from __future__ import annotations

import threading
from collections import OrderedDict, defaultdict
from collections.abc import Iterable

import sqlalchemy as sa

from ..extensions import db
from ..models import Assessment, Audit, CatalogCriterion
from ..scoring import Answer, ManualFinding, ScoreResult, score
from .catalogs import domain_catalogs


def answer_of(assessment) -> Answer:
    """The engine's view of one stored assessment (an ORM object or a row with its columns)."""
    return Answer(
        points=assessment.points,
        value=assessment.value,
        not_applicable=assessment.not_applicable,
        adjusted_points=assessment.adjusted_points,
        adjusted_value=assessment.adjusted_value,
    )


def _manual_findings(rows: Iterable[tuple[str, object]]) -> list[ManualFinding]:
    return [
        ManualFinding(severity=a.finding_severity, text=a.finding, criterion_code=code)
        for code, a in rows
        if a.finding and a.finding.strip() and a.finding_severity is not None
    ]


def score_audit(audit: Audit) -> ScoreResult:
    """Score one audit from its stored assessments, always freshly (no cache)."""
    return _score_from_rows([audit], use_cache=False)[audit.id]


class _ResultCache:
    """A small thread-safe LRU of score results."""

    def __init__(self, size: int = 4096):
        self._data: OrderedDict = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            value = self._data.get(key)
            if value is not None:
                self._data.move_to_end(key)
            return value

    def put(self, key, value) -> None:
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self._size:
                self._data.popitem(last=False)


_cache = _ResultCache()

_COLUMNS = (
    Assessment.audit_id,
    Assessment.version,
    Assessment.points,
    Assessment.value,
    Assessment.not_applicable,
    Assessment.adjusted_points,
    Assessment.adjusted_value,
    Assessment.finding,
    Assessment.finding_severity,
)


def _key(audit: Audit, checksum: str, version_sum: int, count: int) -> tuple:
    return (str(db.engine.url), audit.id, audit.created_at, checksum, int(version_sum), int(count))


def score_audits(audits: Iterable[Audit]) -> dict[int, ScoreResult]:
    """Score many audits: cached results where the input is unchanged, one query for the rest.

    One small aggregate query finds each audit's key; only audits without a cached result
    have their assessments read (plain columns, no ORM objects).
    """
    audits = list(audits)
    if not audits:
        return {}
    catalogs = domain_catalogs(a.catalog_id for a in audits)
    keys = {
        audit_id: (version_sum, count)
        for audit_id, version_sum, count in db.session.execute(
            sa.select(Assessment.audit_id, sa.func.sum(Assessment.version), sa.func.count())
            .where(Assessment.audit_id.in_([a.id for a in audits]))
            .group_by(Assessment.audit_id)
        )
    }
    results: dict[int, ScoreResult] = {}
    missing = []
    for audit in audits:
        version_sum, count = keys.get(audit.id, (0, 0))
        cached = _cache.get(_key(audit, catalogs[audit.catalog_id].checksum, version_sum, count))
        if cached is None:
            missing.append(audit)
        else:
            results[audit.id] = cached
    if missing:
        results.update(_score_from_rows(missing, catalogs=catalogs, use_cache=True))
    return results


def _score_from_rows(audits: list[Audit], *, catalogs=None, use_cache: bool) -> dict[int, ScoreResult]:
    catalogs = catalogs or domain_catalogs(a.catalog_id for a in audits)
    rows = db.session.execute(
        sa.select(CatalogCriterion.code, *_COLUMNS)
        .join(Assessment, Assessment.criterion_id == CatalogCriterion.id)
        .where(Assessment.audit_id.in_([a.id for a in audits]))
    ).all()
    by_audit: dict[int, list] = defaultdict(list)
    for row in rows:
        by_audit[row.audit_id].append(row)
    results = {}
    for audit in audits:
        audit_rows = by_audit.get(audit.id, [])
        pairs = [(row.code, row) for row in audit_rows]
        catalog = catalogs[audit.catalog_id]
        result = score(catalog, {code: answer_of(row) for code, row in pairs}, _manual_findings(pairs))
        results[audit.id] = result
        if use_cache:
            # The key is computed from the rows just read, so it always matches their content.
            key = _key(audit, catalog.checksum, sum(r.version for r in audit_rows), len(audit_rows))
            _cache.put(key, result)
    return results
