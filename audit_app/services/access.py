"""One loader per entity: fetch *and* check visibility, for the pages and the API alike.

A missing object and one the user may not see raise the same :class:`NotFound` (answered
404 by the one handler registered for it), so identifiers cannot be probed.
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from ..extensions import db
from ..models import (
    Assessment,
    Audit,
    AuditMember,
    CatalogVersion,
    Centre,
    Certificate,
    Condition,
    ConditionProof,
    ConditionResponse,
    Evidence,
)
from ..permissions import can_view_audit, can_view_centre, can_view_condition
from .errors import NotFound
from .inputs import MAX_ID


def _id(value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_ID:
        raise NotFound()
    return value


def visible_audit(audit_id: int, user) -> Audit:
    """The audit with centre, catalogue and team (users) loaded, if ``user`` may see it."""
    audit = db.session.scalar(
        sa.select(Audit)
        .where(Audit.id == _id(audit_id))
        .options(
            joinedload(Audit.centre),
            joinedload(Audit.catalog),
            joinedload(Audit.application),  # the centre's side: no query more on every page
            selectinload(Audit.members).joinedload(AuditMember.user),
        )
    )
    if audit is None or not can_view_audit(user, audit):
        raise NotFound()
    return audit


def visible_application(audit_id: int, user) -> Audit:
    """An audit that began with the centre's application, with centre, catalogue and team,
    if ``user`` may see its centre's side (its centre's contacts, the team, leads, admins)."""
    from ..models import AuditApplication
    from ..permissions import can_view_application

    audit = db.session.scalar(
        sa.select(Audit)
        .join(AuditApplication, AuditApplication.audit_id == Audit.id)
        .where(Audit.id == _id(audit_id))
        .options(
            joinedload(Audit.centre),
            joinedload(Audit.catalog),
            joinedload(Audit.application),
            selectinload(Audit.members).joinedload(AuditMember.user),
        )
    )
    if audit is None or not can_view_application(user, audit):
        raise NotFound()
    return audit


def visible_centre(centre_id: int, user) -> Centre:
    """The centre, if ``user`` may see it."""
    centre = db.session.get(Centre, _id(centre_id))
    if centre is None or not can_view_centre(user, centre):
        raise NotFound()
    return centre


def visible_certificate(number: str, user) -> Certificate:
    """The certificate, if ``user`` may see its audit."""
    if not isinstance(number, str) or len(number) > 20 or not number.isprintable():
        raise NotFound()
    certificate = db.session.scalar(sa.select(Certificate).where(Certificate.number == number))
    if certificate is None or not can_view_audit(user, certificate.audit):
        raise NotFound()
    return certificate


def visible_evidence(audit: Audit, evidence_id: int) -> Evidence:
    """An evidence file of ``audit`` (already checked visible)."""
    evidence = db.session.scalar(
        sa.select(Evidence)
        .join(Assessment, Evidence.assessment_id == Assessment.id)
        .where(Evidence.id == _id(evidence_id), Assessment.audit_id == audit.id)
    )
    if evidence is None:
        raise NotFound()
    return evidence


def visible_condition(condition_id: int, user) -> Condition:
    """The condition with its audit (team), centre, certificate and answers, if ``user`` may
    see its audit."""
    from .conditions import load

    condition = load(_id(condition_id))
    if condition is None or not can_view_condition(user, condition):
        raise NotFound()
    return condition


def visible_proof(condition: Condition, proof_id: int) -> ConditionProof:
    """A proof file of ``condition`` (already checked visible)."""
    proof = db.session.scalar(
        sa.select(ConditionProof)
        .join(ConditionResponse, ConditionProof.response_id == ConditionResponse.id)
        .where(ConditionProof.id == _id(proof_id), ConditionResponse.condition_id == condition.id))
    if proof is None:
        raise NotFound()
    return proof


def catalog_version(key: str, version: str) -> CatalogVersion:
    """A catalogue version by key and version (catalogues are visible to every signed-in user)."""
    if not all(isinstance(v, str) and len(v) <= 50 and v.isprintable() for v in (key, version)):
        raise NotFound()
    row = db.session.scalar(sa.select(CatalogVersion).where(
        CatalogVersion.key == key, CatalogVersion.version == version))
    if row is None:
        raise NotFound()
    return row
