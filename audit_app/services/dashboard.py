"""The home pages' data: what needs attention now, per role, in a fixed number of queries."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import Assessment, Audit, AuditMember, Centre, Certificate, CertificateStatus
from ..workflow import AuditStatus, Decision
from .certificates import not_renewed

OPEN_FOR_TEAM = (AuditStatus.QUESTIONNAIRE_OPEN, AuditStatus.QUESTIONNAIRE_SUBMITTED,
                 AuditStatus.DOCUMENTS_REVIEWED, AuditStatus.PLANNED, AuditStatus.IN_PROGRESS,
                 AuditStatus.CHANGES_REQUESTED)


@dataclass(frozen=True)
class Progress:
    answered: int
    total: int

    @property
    def percent(self) -> int:
        return round(100 * self.answered / self.total) if self.total else 0


def progress_of(audit_ids: list[int]) -> dict[int, Progress]:
    """Answered and total criteria per audit, in one grouped query."""
    if not audit_ids:
        return {}
    answered = sa.case(
        (sa.or_(Assessment.not_applicable.is_(True), Assessment.points.is_not(None),
                Assessment.value.is_not(None)), 1),
        else_=0,
    )
    rows = db.session.execute(
        sa.select(Assessment.audit_id, sa.func.sum(answered), sa.func.count())
        .where(Assessment.audit_id.in_(audit_ids))
        .group_by(Assessment.audit_id)
    ).all()
    return {audit_id: Progress(int(done or 0), int(total)) for audit_id, done, total in rows}


@dataclass
class AuditorHome:
    open_audits: list[Audit]
    done_audits: list[Audit]
    progress: dict[int, Progress]


def auditor_home(user, *, limit: int = 50) -> AuditorHome:
    """The auditor's own audits: open ones by due date with progress, then recent closed ones."""
    mine = (
        sa.select(Audit)
        .join(AuditMember, AuditMember.audit_id == Audit.id)
        .where(AuditMember.user_id == user.id)
        .options(joinedload(Audit.centre))
    )
    open_audits = list(db.session.scalars(
        mine.where(Audit.status.in_(OPEN_FOR_TEAM))
        .order_by(sa.func.coalesce(Audit.due_on, Audit.planned_on), Audit.id).limit(limit)
    ))
    done_audits = list(db.session.scalars(
        mine.where(Audit.status.not_in(OPEN_FOR_TEAM)).order_by(Audit.id.desc()).limit(10)
    ))
    return AuditorHome(open_audits, done_audits, progress_of([a.id for a in open_audits]))


@dataclass
class LeadDashboard:
    status_counts: dict[AuditStatus, int]
    waiting: list[Audit]
    overdue: list[Audit]
    expiring: list[Certificate]
    outcome_counts: dict[Decision, int]
    progress: dict[int, Progress]

    @property
    def outcome_total(self) -> int:
        return sum(self.outcome_counts.values())


def lead_dashboard(today: date, *, limit: int = 20) -> LeadDashboard:
    """Audits waiting for review, overdue audits, labels expiring within 12 months, and totals."""
    counts = dict(db.session.execute(
        sa.select(Audit.status, sa.func.count()).group_by(Audit.status)
    ).all())
    waiting = list(db.session.scalars(
        sa.select(Audit)
        .where(Audit.status.in_((AuditStatus.SUBMITTED, AuditStatus.IN_REVIEW)))
        .options(joinedload(Audit.centre))
        .order_by(Audit.updated_at, Audit.id).limit(limit)
    ))
    overdue = list(db.session.scalars(
        sa.select(Audit)
        .where(Audit.status.in_(OPEN_FOR_TEAM), Audit.due_on < today)
        .options(joinedload(Audit.centre))
        .order_by(Audit.due_on, Audit.id).limit(limit)
    ))
    expiring = list(db.session.scalars(
        sa.select(Certificate)
        .where(Certificate.status == CertificateStatus.VALID,
               Certificate.valid_from <= today,
               Certificate.valid_until >= today,
               Certificate.valid_until <= today + timedelta(days=365),
               not_renewed())
        .options(joinedload(Certificate.centre))
        .order_by(Certificate.valid_until).limit(limit)
    ))
    # Outcomes across centres: each centre's latest decided audit.
    latest = (
        sa.select(sa.func.max(Audit.id))
        .where(Audit.decision.is_not(None))
        .group_by(Audit.centre_id)
    )
    outcomes = dict(db.session.execute(
        sa.select(Audit.decision, sa.func.count()).where(Audit.id.in_(latest)).group_by(Audit.decision)
    ).all())
    return LeadDashboard(
        status_counts={s: int(counts.get(s, 0)) for s in AuditStatus},
        waiting=waiting, overdue=overdue, expiring=expiring,
        outcome_counts={d: int(outcomes.get(d, 0)) for d in Decision},
        progress=progress_of([a.id for a in overdue]),
    )


def contact_home(user) -> tuple[Centre | None, list[Audit], list[Certificate]]:
    """A centre contact's own centre, its decided audits and its certificates."""
    if user.centre_id is None:
        return None, [], []
    centre = db.session.get(Centre, user.centre_id)
    audits = list(db.session.scalars(
        sa.select(Audit).where(Audit.centre_id == user.centre_id,
                               Audit.status == AuditStatus.DECIDED).order_by(Audit.id.desc())
    ))
    certificates = list(db.session.scalars(
        sa.select(Certificate).where(Certificate.centre_id == user.centre_id)
        .order_by(Certificate.valid_from.desc())
    ))
    return centre, audits, certificates
