"""Translated labels for the domain's enums, for templates, PDFs and messages."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .models.catalog import CatalogStatus
from .models.certificate import CertificateStatus
from .scoring import Outcome, Severity
from .workflow import Action, AuditKind, AuditStatus, Decision, Role, TeamRole

LABELS = {
    AuditStatus.PLANNED: _l("planned"),
    AuditStatus.IN_PROGRESS: _l("in progress"),
    AuditStatus.SUBMITTED: _l("submitted"),
    AuditStatus.IN_REVIEW: _l("in review"),
    AuditStatus.CHANGES_REQUESTED: _l("changes requested"),
    AuditStatus.DECIDED: _l("decided"),
    AuditKind.INITIAL: _l("initial audit"),
    AuditKind.RENEWAL: _l("renewal audit"),
    Decision.AWARD: _l("award"),
    Decision.AWARD_WITH_CONDITIONS: _l("award with conditions"),
    Decision.REFUSE: _l("refuse"),
    Outcome.INCOMPLETE: _l("incomplete"),
    Outcome.REFUSE: _l("refuse"),
    Outcome.AWARD_WITH_CONDITIONS: _l("award with conditions"),
    Outcome.AWARD: _l("award"),
    Severity.MAJOR: _l("major finding"),
    Severity.MINOR: _l("minor finding"),
    Severity.OBSERVATION: _l("observation"),
    Action.START: _l("Start the audit"),
    Action.SUBMIT: _l("Submit for review"),
    Action.BEGIN_REVIEW: _l("Begin the review"),
    Action.REQUEST_CHANGES: _l("Request changes"),
    Action.RESUME: _l("Resume work"),
    Action.DECIDE: _l("Decide"),
    Action.REOPEN: _l("Reopen"),
    Role.ADMIN: _l("administrator"),
    Role.LEAD: _l("working-group lead"),
    Role.AUDITOR: _l("auditor"),
    Role.CONTACT: _l("centre contact"),
    TeamRole.LEAD_AUDITOR: _l("lead auditor"),
    TeamRole.AUDITOR: _l("auditor"),
    TeamRole.GUEST: _l("guest auditor"),
    CatalogStatus.DRAFT: _l("draft"),
    CatalogStatus.ACTIVE: _l("active"),
    CatalogStatus.RETIRED: _l("retired"),
    CertificateStatus.VALID: _l("valid"),
    CertificateStatus.SUSPENDED: _l("suspended"),
    CertificateStatus.WITHDRAWN: _l("withdrawn"),
    CertificateStatus.SUPERSEDED: _l("superseded"),
    CertificateStatus.INVALIDATED: _l("invalidated"),
}


EVENT_LABELS = {
    "audit_planned": _l("Audit planned"),
    "audit_start": _l("Audit started"),
    "audit_submit": _l("Checklist submitted"),
    "audit_begin_review": _l("Review begun"),
    "audit_request_changes": _l("Changes requested"),
    "audit_resume": _l("Work resumed"),
    "audit_decide": _l("Decided"),
    "audit_decision": _l("Decision recorded"),
    "audit_reopen": _l("Audit reopened"),
    "assessment_saved": _l("Criterion saved"),
    "assessment_adjusted": _l("Score adjusted by the reviewer"),
    "assessment_agreed": _l("Reviewer agreed"),
    "evidence_added": _l("Evidence attached"),
    "evidence_removed": _l("Evidence removed"),
    "certificate_invalidated": _l("Certificate invalidated"),
    "report_pdf_stored": _l("Audit report stored"),
}

FIELD_LABELS = {
    "points": _l("points"),
    "value": _l("value"),
    "not_applicable": _l("N/A"),
    "na_reason": _l("reason for N/A"),
    "comment": _l("comment"),
    "finding": _l("finding"),
    "finding_severity": _l("severity"),
    "adjusted_points": _l("adjusted points"),
    "adjusted_value": _l("adjusted value"),
    "adjustment_reason": _l("reason"),
}


def event_label(action: str) -> str:
    return str(EVENT_LABELS.get(action, action))


def label(value) -> str:
    """The translated label of an enum member ("–" for None)."""
    if value is None:
        return "–"
    return str(LABELS.get(value, value))


def refusal_message(code: str, details: tuple[str, ...] = ()) -> str:
    """A sentence saying why a workflow step was refused."""
    if code == "incomplete":
        return _("The checklist is not complete yet. Missing: %(codes)s.", codes=", ".join(details))
    if code == "four_eyes":
        return _("Four-eyes principle: members of the audit team cannot review or decide this audit.")
    if code == "reason_required":
        return _("Please give a reason.")
    if code == "forbidden":
        return _("You are not allowed to take this step.")
    return _("This step is not possible in the audit's current status.")
