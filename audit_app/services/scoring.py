"""Scoring stored audits with the pure engine: rows in, :class:`ScoreResult` out."""
from __future__ import annotations

from collections import defaultdict
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
    """Score one audit from its stored assessments (one query)."""
    return score_audits([audit])[audit.id]


_COLUMNS = (
    Assessment.audit_id,
    Assessment.points,
    Assessment.value,
    Assessment.not_applicable,
    Assessment.adjusted_points,
    Assessment.adjusted_value,
    Assessment.finding,
    Assessment.finding_severity,
)


def score_audits(audits: Iterable[Audit]) -> dict[int, ScoreResult]:
    """Score many audits with one query for all their assessments (no N+1).

    Reads plain columns, not ORM objects: a page that scores 50 audits of 40 criteria
    would otherwise build 2,000 objects it never changes.
    """
    audits = list(audits)
    if not audits:
        return {}
    rows = db.session.execute(
        sa.select(CatalogCriterion.code, *_COLUMNS)
        .join(Assessment, Assessment.criterion_id == CatalogCriterion.id)
        .where(Assessment.audit_id.in_([a.id for a in audits]))
    ).all()
    by_audit: dict[int, list] = defaultdict(list)
    for row in rows:
        by_audit[row.audit_id].append(row)
    catalogs = domain_catalogs(a.catalog_id for a in audits)
    results = {}
    for audit in audits:
        pairs = [(row.code, row) for row in by_audit.get(audit.id, [])]
        results[audit.id] = score(
            catalogs[audit.catalog_id],
            {code: answer_of(row) for code, row in pairs},
            _manual_findings(pairs),
        )
    return results
