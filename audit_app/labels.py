"""Translated labels for the domain's enums, for templates, PDFs and messages."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .models.catalog import CatalogStatus
from .models.certificate import CertificateStatus
from .models.event import EventAction
from .scoring import Outcome, Severity
from .workflow import Action, AuditKind, AuditStatus, Decision, RefusalCode, Role, TeamRole

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


#: One label per kind of event (tests/unit checks that every EventAction has one).
EVENT_LABELS = {
    EventAction.AUDIT_PLANNED: _l("Audit planned"),
    EventAction.AUDIT_START: _l("Audit started"),
    EventAction.AUDIT_SUBMIT: _l("Checklist submitted"),
    EventAction.AUDIT_BEGIN_REVIEW: _l("Review begun"),
    EventAction.AUDIT_REQUEST_CHANGES: _l("Changes requested"),
    EventAction.AUDIT_RESUME: _l("Work resumed"),
    EventAction.AUDIT_DECIDE: _l("Decided"),
    EventAction.AUDIT_DECISION: _l("Decision recorded"),
    EventAction.AUDIT_REOPEN: _l("Audit reopened"),
    EventAction.ASSESSMENT_SAVED: _l("Criterion saved"),
    EventAction.ASSESSMENT_ADJUSTED: _l("Score adjusted by the reviewer"),
    EventAction.ASSESSMENT_AGREED: _l("Reviewer agreed"),
    EventAction.EVIDENCE_ADDED: _l("Evidence attached"),
    EventAction.EVIDENCE_REMOVED: _l("Evidence removed"),
    EventAction.CERTIFICATE_ISSUED: _l("Certificate issued"),
    EventAction.CERTIFICATE_PDF_STORED: _l("Certificate PDF stored"),
    EventAction.CERTIFICATE_SUPERSEDED: _l("Certificate superseded"),
    EventAction.CERTIFICATE_INVALIDATED: _l("Certificate invalidated"),
    EventAction.CERTIFICATE_SUSPEND: _l("Certificate suspended"),
    EventAction.CERTIFICATE_WITHDRAW: _l("Certificate withdrawn"),
    EventAction.CERTIFICATE_REINSTATE: _l("Certificate reinstated"),
    EventAction.REPORT_PDF_STORED: _l("Audit report stored"),
    EventAction.DOCUMENT_RENDER_FAILED: _l("A PDF could not be created"),
    EventAction.CENTRE_CREATED: _l("Centre created"),
    EventAction.CENTRE_UPDATED: _l("Centre changed"),
    EventAction.CATALOG_IMPORTED: _l("Catalogue imported"),
    EventAction.CATALOG_STATUS: _l("Catalogue status changed"),
    EventAction.USER_CREATED: _l("User created"),
    EventAction.USER_UPDATED: _l("User changed"),
    EventAction.USER_DEACTIVATED: _l("User deactivated"),
    EventAction.USER_REACTIVATED: _l("User reactivated"),
    EventAction.PASSWORD_CHANGED: _l("Password changed"),
    EventAction.PASSWORD_RESET: _l("Password reset"),
    EventAction.API_TOKEN_CREATED: _l("API token created"),
    EventAction.API_TOKEN_REVOKED: _l("API token revoked"),
    EventAction.REMINDER_SENT: _l("Renewal reminder sent"),
}

#: Which part of an audit's trail each event belongs to (the trail's filter). Every event
#: kind needs one (tests/unit/test_vocabularies.py).
EVENT_GROUPS = {
    EventAction.AUDIT_PLANNED: "workflow", EventAction.AUDIT_START: "workflow",
    EventAction.AUDIT_SUBMIT: "workflow", EventAction.AUDIT_RESUME: "workflow",
    EventAction.AUDIT_REOPEN: "workflow", EventAction.AUDIT_BEGIN_REVIEW: "review",
    EventAction.AUDIT_REQUEST_CHANGES: "review", EventAction.AUDIT_DECIDE: "review",
    EventAction.AUDIT_DECISION: "review", EventAction.ASSESSMENT_SAVED: "answers",
    EventAction.ASSESSMENT_ADJUSTED: "review", EventAction.ASSESSMENT_AGREED: "review",
    EventAction.EVIDENCE_ADDED: "files", EventAction.EVIDENCE_REMOVED: "files",
    EventAction.CERTIFICATE_ISSUED: "documents", EventAction.CERTIFICATE_PDF_STORED: "documents",
    EventAction.CERTIFICATE_SUPERSEDED: "documents",
    EventAction.CERTIFICATE_INVALIDATED: "documents",
    EventAction.CERTIFICATE_SUSPEND: "documents", EventAction.CERTIFICATE_WITHDRAW: "documents",
    EventAction.CERTIFICATE_REINSTATE: "documents", EventAction.REPORT_PDF_STORED: "documents",
    EventAction.DOCUMENT_RENDER_FAILED: "documents",
    EventAction.CENTRE_CREATED: "admin", EventAction.CENTRE_UPDATED: "admin",
    EventAction.CATALOG_IMPORTED: "admin", EventAction.CATALOG_STATUS: "admin",
    EventAction.USER_CREATED: "admin", EventAction.USER_UPDATED: "admin",
    EventAction.USER_DEACTIVATED: "admin", EventAction.USER_REACTIVATED: "admin",
    EventAction.PASSWORD_CHANGED: "admin", EventAction.PASSWORD_RESET: "admin",
    EventAction.API_TOKEN_CREATED: "admin", EventAction.API_TOKEN_REVOKED: "admin",
    EventAction.REMINDER_SENT: "documents",
}

#: The trail's filter, in the order offered: group → words.
TRAIL_GROUPS = {
    "answers": _l("Answers"),
    "review": _l("Review and decision"),
    "workflow": _l("Workflow"),
    "files": _l("Evidence files"),
    "documents": _l("Certificates and reports"),
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


def event_group(action: str) -> str:
    """The trail group of an event kind ("admin" for anything else)."""
    try:
        return EVENT_GROUPS.get(EventAction(action), "admin")
    except ValueError:
        return "admin"


def event_label(action: str) -> str:
    """The event's label in the request's language (the stored code for a retired kind)."""
    try:
        return str(EVENT_LABELS[EventAction(action)])
    except ValueError:
        return action


def label(value) -> str:
    """The translated label of an enum member ("–" for None)."""
    if value is None:
        return "–"
    return str(LABELS.get(value, value))


def refusal_message(code: str, details: tuple[str, ...] = ()) -> str:
    """A sentence saying why a workflow step was refused (one per :class:`RefusalCode`)."""
    try:
        code = RefusalCode(code)
    except ValueError:
        code = RefusalCode.NOT_ALLOWED_FROM_STATUS
    if code is RefusalCode.INCOMPLETE:
        return _("The checklist is not complete yet. Missing: %(codes)s.", codes=", ".join(details))
    if code is RefusalCode.UNREVIEWED:
        return _("Not every criterion has been reviewed yet (agreed with or adjusted): "
                 "%(codes)s.", codes=", ".join(details))
    return str(REFUSAL_MESSAGES[code])


#: The workflow's refusals in words (tests/unit checks that every RefusalCode has one).
REFUSAL_MESSAGES = {
    RefusalCode.INCOMPLETE: _l("The checklist is not complete yet. Missing: %(codes)s."),
    RefusalCode.FOUR_EYES: _l("Four-eyes principle: members of the audit team cannot review or "
                              "decide this audit."),
    RefusalCode.UNREVIEWED: _l("Not every criterion has been reviewed yet (agreed with or "
                               "adjusted): %(codes)s."),
    RefusalCode.REASON_REQUIRED: _l("Please give a reason."),
    RefusalCode.FORBIDDEN: _l("You are not allowed to take this step."),
    RefusalCode.NOT_ALLOWED_FROM_STATUS: _l("This step is not possible in the audit's current "
                                            "status."),
}
