"""Every permission rule in one place, used by views, the API and templates alike.

The predicates take the user and the object; the ``*_filter`` functions give the
same rules as SQL conditions for lists. A view that finds a foreign object answers
404 (see :func:`get_audit_or_404`), so identifiers cannot be probed.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask import Flask, abort

from .extensions import db
from .models import Audit, AuditMember, Centre, User
from .workflow import (
    DOCUMENT_REVIEW,
    EDITABLE_BY_CENTRE,
    EDITABLE_BY_TEAM,
    REVIEWABLE,
    AuditStatus,
    Role,
    TeamRole,
)


def _roles(user) -> frozenset[Role]:
    if user is None or not getattr(user, "is_authenticated", False):
        return frozenset()
    return user.roles


def is_admin(user) -> bool:
    return Role.ADMIN in _roles(user)


def is_lead(user) -> bool:
    return Role.LEAD in _roles(user)


def sees_everything(user) -> bool:
    """Working-group leads and admins see every centre and audit."""
    return bool(_roles(user) & {Role.LEAD, Role.ADMIN})


def can_manage_centres(user) -> bool:
    return sees_everything(user)


def can_plan_audits(user) -> bool:
    return is_lead(user)


def can_manage_users(user) -> bool:
    return is_admin(user)


def can_manage_catalogs(user) -> bool:
    return is_admin(user)


def can_view_audit(user, audit: Audit) -> bool:
    """Leads/admins: all; auditors: audits whose team they are on; contacts: own centre, decided."""
    if sees_everything(user):
        return True
    roles = _roles(user)
    if not roles:
        return False
    if audit.team_role_of(user.id) is not None:
        return True
    return (
        Role.CONTACT in roles
        and user.centre_id == audit.centre_id
        and audit.status is AuditStatus.DECIDED
    )


def can_edit_assessments(user, audit: Audit) -> bool:
    """The audit team (guests included) fills the checklist while the audit is open."""
    return audit.status in EDITABLE_BY_TEAM and audit.team_role_of(user.id) is not None


def can_submit(user, audit: Audit) -> bool:
    return audit.team_role_of(user.id) is TeamRole.LEAD_AUDITOR


def can_review(user, audit: Audit) -> bool:
    """Four-eyes: a working-group lead who is not on the audit's team."""
    return (
        is_lead(user)
        and audit.status in REVIEWABLE
        and audit.team_role_of(user.id) is None
    )


def can_decide(user, audit: Audit) -> bool:
    return is_lead(user) and audit.status is AuditStatus.IN_REVIEW and audit.team_role_of(user.id) is None


def can_reopen(user, audit: Audit) -> bool:
    return is_admin(user) and audit.status is AuditStatus.DECIDED


def can_view_condition(user, condition) -> bool:
    """Whoever may see the audit that set the condition (its centre's contacts included)."""
    return can_view_audit(user, condition.audit)


def can_answer_condition(user, condition) -> bool:
    """The centre's contacts answer their centre's conditions (cause, measure, proofs)."""
    return (Role.CONTACT in _roles(user) and user.centre_id is not None
            and user.centre_id == condition.centre_id)


def can_check_condition(user, condition) -> bool:
    """A working-group lead, or the lead auditor of the audit, accepts or rejects an answer."""
    if not _roles(user):
        return False
    return is_lead(user) or condition.audit.team_role_of(user.id) is TeamRole.LEAD_AUDITOR


def sees_conditions(user) -> bool:
    """Who has a list of conditions: leads and admins (all), auditors (their audits'),
    contacts (their centre's)."""
    return bool(_roles(user))


def can_plan_renewal(user, audit: Audit) -> bool:
    """A working-group lead plans the renewal of a decided audit (it starts from that audit)."""
    return is_lead(user) and audit.status is AuditStatus.DECIDED


def can_carry_evidence(user, audit: Audit) -> bool:
    """The audit team carries the previous cycle's files forward while the checklist is open."""
    return can_edit_assessments(user, audit) and audit.previous_audit_id is not None


def can_view_centre(user, centre: Centre) -> bool:
    if sees_everything(user):
        return True
    roles = _roles(user)
    if Role.CONTACT in roles and user.centre_id == centre.id:
        return True
    if Role.AUDITOR in roles:
        return db.session.scalar(
            sa.select(sa.exists().where(
                AuditMember.user_id == user.id,
                AuditMember.audit_id == Audit.id,
                Audit.centre_id == centre.id,
            ))
        )
    return False


# --- the centre's side: application, questionnaire, self-assessment, documents ---------------


def is_centre_contact(user, audit: Audit) -> bool:
    """A contact of the audited centre."""
    return (Role.CONTACT in _roles(user) and user.centre_id is not None
            and user.centre_id == audit.centre_id)


def can_apply(user, centre: Centre | None = None) -> bool:
    """A centre's contact applies for their own centre; the office (admins) and working-group
    leads on any centre's behalf."""
    if sees_everything(user):
        return True
    return Role.CONTACT in _roles(user) and user.centre_id is not None and (
        centre is None or centre.id == user.centre_id)


def can_view_application(user, audit: Audit) -> bool:
    """The centre's own contacts (any status), the audit team, leads and admins; nobody
    else (a foreign centre's application answers 404)."""
    if sees_everything(user):
        return True
    if not _roles(user):
        return False
    return audit.team_role_of(user.id) is not None or is_centre_contact(user, audit)


def can_answer_application(user, audit: Audit) -> bool:
    """A working-group lead accepts (plans) or declines an application."""
    return is_lead(user) and audit.status is AuditStatus.APPLIED


def can_edit_questionnaire(user, audit: Audit) -> bool:
    """The centre's contact, until the questionnaire is submitted (the self-assessment too)."""
    return audit.status in EDITABLE_BY_CENTRE and is_centre_contact(user, audit)


def can_submit_questionnaire(user, audit: Audit) -> bool:
    return audit.status is AuditStatus.QUESTIONNAIRE_OPEN and is_centre_contact(user, audit)


def can_hand_in_documents(user, audit: Audit, today) -> bool:
    """The centre's contact: until the questionnaire is submitted, then until the visit
    (the documents not marked present; :func:`services.centre_side.upload_problem`)."""
    if not is_centre_contact(user, audit):
        return False
    if audit.status in EDITABLE_BY_CENTRE:
        return True
    return audit.status in DOCUMENT_REVIEW and today <= (audit.visit_on or audit.planned_on)


def can_review_documents(user, audit: Audit) -> bool:
    """The audit team marks the centre's documents before the visit."""
    return audit.status in DOCUMENT_REVIEW and audit.team_role_of(user.id) is not None


def can_complete_document_review(user, audit: Audit) -> bool:
    return audit.status is AuditStatus.QUESTIONNAIRE_SUBMITTED and (
        audit.team_role_of(user.id) is TeamRole.LEAD_AUDITOR or is_lead(user))


def application_filter(user) -> sa.ColumnElement[bool]:
    """SQL condition on ``Audit`` (joined with its application) for the applications
    ``user`` may see: same rules as :func:`can_view_application`."""
    if sees_everything(user):
        return sa.true()
    roles = _roles(user)
    if not roles:
        return sa.false()
    conditions = [Audit.id.in_(sa.select(AuditMember.audit_id)
                               .where(AuditMember.user_id == user.id))]
    if Role.CONTACT in roles and user.centre_id is not None:
        conditions.append(Audit.centre_id == user.centre_id)
    return sa.or_(*conditions)


def audit_filter(user) -> sa.ColumnElement[bool]:
    """SQL condition on ``Audit`` selecting the audits ``user`` may see (same rules as above)."""
    if sees_everything(user):
        return sa.true()
    roles = _roles(user)
    conditions = []
    if roles:
        conditions.append(
            Audit.id.in_(sa.select(AuditMember.audit_id).where(AuditMember.user_id == user.id))
        )
    if Role.CONTACT in roles and user.centre_id is not None:
        conditions.append(
            sa.and_(Audit.centre_id == user.centre_id, Audit.status == AuditStatus.DECIDED)
        )
    return sa.or_(*conditions) if conditions else sa.false()


def centre_filter(user) -> sa.ColumnElement[bool]:
    """SQL condition on ``Centre``: all for leads/admins, else centres of visible audits or one's own."""
    if sees_everything(user):
        return sa.true()
    roles = _roles(user)
    conditions = []
    if Role.AUDITOR in roles:
        conditions.append(
            Centre.id.in_(
                sa.select(Audit.centre_id)
                .join(AuditMember, AuditMember.audit_id == Audit.id)
                .where(AuditMember.user_id == user.id)
            )
        )
    if Role.CONTACT in roles and user.centre_id is not None:
        conditions.append(Centre.id == user.centre_id)
    return sa.or_(*conditions) if conditions else sa.false()


def get_audit_or_404(audit_id: int, user) -> Audit:
    """Load an audit the user may see; 404 for missing *and* for foreign ones."""
    audit = db.session.get(Audit, audit_id)
    if audit is None or not can_view_audit(user, audit):
        abort(404)
    return audit


PREDICATES = {
    name: fn
    for name, fn in globals().items()
    if name.startswith(("can_", "is_", "sees_")) and callable(fn)
}


def init_app(app: Flask) -> None:
    """Expose every predicate to templates, so they hide exactly what views forbid."""
    app.jinja_env.globals.update(PREDICATES)


__all__ = ["User", *PREDICATES, "application_filter", "audit_filter", "centre_filter",
           "get_audit_or_404"]
