"""Scoring stored audits with the pure engine: rows in, :class:`ScoreResult` out."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

import sqlalchemy as sa

from ..extensions import db
from ..models import Assessment, Audit, CatalogCriterion
from ..scoring import Answer, ManualFinding, ScoreResult, score
from .catalogs import domain_catalogs


def answer_of(assessment: Assessment) -> Answer:
    """The engine's view of one stored assessment."""
    return Answer(
        points=assessment.points,
        value=assessment.value,
        not_applicable=assessment.not_applicable,
        adjusted_points=assessment.adjusted_points,
        adjusted_value=assessment.adjusted_value,
    )


def _manual_findings(rows: Iterable[tuple[str, Assessment]]) -> list[ManualFinding]:
    return [
        ManualFinding(severity=a.finding_severity, text=a.finding, criterion_code=code)
        for code, a in rows
        if a.finding.strip() and a.finding_severity is not None
    ]


def score_audit(audit: Audit) -> ScoreResult:
    """Score one audit from its stored assessments (one query)."""
    return score_audits([audit])[audit.id]


def score_audits(audits: Iterable[Audit]) -> dict[int, ScoreResult]:
    """Score many audits with one query for all their assessments (no N+1)."""
    audits = list(audits)
    if not audits:
        return {}
    rows = db.session.execute(
        sa.select(CatalogCriterion.code, Assessment)
        .join(Assessment, Assessment.criterion_id == CatalogCriterion.id)
        .where(Assessment.audit_id.in_([a.id for a in audits]))
    ).all()
    by_audit: dict[int, list[tuple[str, Assessment]]] = defaultdict(list)
    for code, assessment in rows:
        by_audit[assessment.audit_id].append((code, assessment))
    catalogs = domain_catalogs(a.catalog_id for a in audits)
    results = {}
    for audit in audits:
        pairs = by_audit.get(audit.id, [])
        results[audit.id] = score(
            catalogs[audit.catalog_id],
            {code: answer_of(a) for code, a in pairs},
            _manual_findings(pairs),
        )
    return results
