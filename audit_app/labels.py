"""Translated words for the domain's vocabularies: one table per vocabulary.

Every enum that reaches a page, a PDF, a message or the API's texts has its words in exactly
one table here, and every place reads them from it (``label(member)``, the ``|label``
filter, or the table itself for the longer wording). ``tests/unit/test_vocabularies.py``
fails for any member without words, in German and in English.
"""
from __future__ import annotations

from typing import NamedTuple

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from .models.catalog import CatalogStatus
from .models.application import DocumentReviewStatus
from .catalog import LineageKind
from .models.certificate import CertificateStatus, PublicStatus
from .models.condition import ConditionState, ConditionStatus, ResponseOutcome
from .models.event import EventAction
from .scoring import Outcome, Severity
from .services.label_status import LabelStatus
from .workflow import Action, AuditKind, AuditStatus, Decision, RefusalCode, Role, TeamRole


class Words(NamedTuple):
    """A status in words: ``short`` beside its colour, ``long`` where there is room for more
    (a filter's choice, an explanation)."""

    short: LazyString
    long: LazyString


AUDIT_STATUS_LABELS = {
    AuditStatus.APPLIED: _l("applied"),
    AuditStatus.DECLINED: _l("application declined"),
    AuditStatus.QUESTIONNAIRE_OPEN: _l("questionnaire open"),
    AuditStatus.QUESTIONNAIRE_SUBMITTED: _l("questionnaire submitted"),
    AuditStatus.DOCUMENTS_REVIEWED: _l("documents reviewed"),
    AuditStatus.PLANNED: _l("planned"),
    AuditStatus.IN_PROGRESS: _l("in progress"),
    AuditStatus.SUBMITTED: _l("submitted"),
    AuditStatus.IN_REVIEW: _l("in review"),
    AuditStatus.CHANGES_REQUESTED: _l("changes requested"),
    AuditStatus.DECIDED: _l("decided"),
}
AUDIT_KIND_LABELS = {
    AuditKind.INITIAL: _l("initial audit"),
    AuditKind.RENEWAL: _l("renewal audit"),
}
DECISION_LABELS = {
    Decision.AWARD: _l("award"),
    Decision.AWARD_WITH_CONDITIONS: _l("award with conditions"),
    Decision.REFUSE: _l("refuse"),
}
OUTCOME_LABELS = {
    Outcome.INCOMPLETE: _l("incomplete"),
    Outcome.REFUSE: _l("refuse"),
    Outcome.AWARD_WITH_CONDITIONS: _l("award with conditions"),
    Outcome.AWARD: _l("award"),
}
SEVERITY_LABELS = {
    Severity.MAJOR: _l("major finding"),
    Severity.MINOR: _l("minor finding"),
    Severity.OBSERVATION: _l("observation"),
}
ACTION_LABELS = {
    Action.START: _l("Start the audit"),
    Action.SUBMIT: _l("Submit for review"),
    Action.BEGIN_REVIEW: _l("Begin the review"),
    Action.REQUEST_CHANGES: _l("Request changes"),
    Action.RESUME: _l("Resume work"),
    Action.DECIDE: _l("Decide"),
    Action.REOPEN: _l("Reopen"),
    Action.ACCEPT: _l("Accept and plan the audit"),
    Action.DECLINE: _l("Decline the application"),
    Action.SUBMIT_QUESTIONNAIRE: _l("Submit the questionnaire"),
    Action.COMPLETE_DOCUMENT_REVIEW: _l("Complete the document review"),
}
ROLE_LABELS = {
    Role.ADMIN: _l("administrator"),
    Role.LEAD: _l("working-group lead"),
    Role.AUDITOR: _l("auditor"),
    Role.CONTACT: _l("centre contact"),
}
TEAM_ROLE_LABELS = {
    TeamRole.LEAD_AUDITOR: _l("lead auditor"),
    TeamRole.AUDITOR: _l("auditor"),
    TeamRole.GUEST: _l("guest auditor"),
}
CATALOG_STATUS_LABELS = {
    CatalogStatus.DRAFT: _l("draft"),
    CatalogStatus.ACTIVE: _l("active"),
    CatalogStatus.RETIRED: _l("retired"),
}
#: A certificate's stored status.
CERTIFICATE_STATUS_LABELS = {
    CertificateStatus.VALID: _l("valid"),
    CertificateStatus.SUSPENDED: _l("suspended"),
    CertificateStatus.WITHDRAWN: _l("withdrawn"),
    CertificateStatus.SUPERSEDED: _l("superseded"),
    CertificateStatus.INVALIDATED: _l("invalidated"),
}
#: Whether a centre holds the label (always shown with its colour, never colour alone);
#: ``long`` is the centre list's filter choice.
LABEL_STATUS_WORDS = {
    LabelStatus.VALID: Words(_l("valid"), _l("valid")),
    LabelStatus.EXPIRING: Words(_l("expiring"), _l("expiring within 12 months")),
    LabelStatus.EXPIRED: Words(_l("expired"), _l("expired or not valid")),
    LabelStatus.NEVER: Words(_l("never awarded"), _l("never awarded")),
}
#: A certificate's status as the public sees it (verification, certificate panels);
#: ``long`` explains it on the verification page.
PUBLIC_STATUS_WORDS = {
    PublicStatus.VALID: Words(_l("valid"), _l("The centre holds the quality label.")),
    PublicStatus.EXPIRING: Words(_l("expiring soon"), _l(
        "The centre holds the quality label; its validity ends within the next 12 months.")),
    PublicStatus.EXPIRED: Words(_l("expired"), _l("The validity of this certificate has ended.")),
    PublicStatus.SUSPENDED: Words(_l("suspended"), _l(
        "This certificate is suspended: the label does not hold at present.")),
    PublicStatus.WITHDRAWN: Words(_l("withdrawn"), _l(
        "This certificate has been withdrawn: the label does not hold.")),
    PublicStatus.SUPERSEDED: Words(_l("superseded"), _l(
        "This certificate has been replaced by a newer one.")),
    PublicStatus.INVALID: Words(_l("invalid"), _l("This certificate is not valid.")),
}

#: A condition's state on a given day (``long`` explains it on the condition's page).
CONDITION_STATE_WORDS = {
    ConditionState.OPEN: Words(_l("open"), _l("Waiting for the centre's answer.")),
    ConditionState.OVERDUE: Words(_l("overdue"), _l(
        "The deadline has passed without an answer. After the grace period the certificate "
        "is suspended.")),
    ConditionState.ANSWERED: Words(_l("answered, to check"), _l(
        "The centre has answered; a working-group lead or the lead auditor checks the "
        "answer.")),
    ConditionState.CLOSED: Words(_l("fulfilled"), _l("The answer was accepted: the condition "
                                                     "is fulfilled.")),
    ConditionState.CANCELLED: Words(_l("cancelled"), _l(
        "No longer to be fulfilled: the certificate was replaced by a renewal, withdrawn or "
        "invalidated.")),
}
#: The conditions list's filter (``services.conditions.STATE_FILTERS``), in the order offered.
CONDITION_FILTER_LABELS = {
    "active": _l("still to be fulfilled"),
    "overdue": _l("overdue"),
    "open": _l("open"),
    "answered": _l("answered, to check"),
    "closed": _l("fulfilled"),
    "cancelled": _l("cancelled"),
    "all": _l("all"),
}
#: A condition's stored status (the API's words; pages show the state above).
CONDITION_STATUS_LABELS = {
    ConditionStatus.OPEN: _l("open"),
    ConditionStatus.ANSWERED: _l("answered, to check"),
    ConditionStatus.CLOSED: _l("fulfilled"),
    ConditionStatus.CANCELLED: _l("cancelled"),
}
RESPONSE_OUTCOME_LABELS = {
    ResponseOutcome.ACCEPTED: _l("accepted"),
    ResponseOutcome.REJECTED: _l("rejected"),
}
#: How a criterion of a newer catalogue version continues the older version's criteria.
LINEAGE_LABELS = {
    LineageKind.UNCHANGED: _l("unchanged"),
    LineageKind.RENAMED: _l("renamed"),
    LineageKind.SPLIT: _l("split"),
    LineageKind.MERGED: _l("merged"),
    LineageKind.NEW: _l("new criterion"),
}

#: Why the app itself suspended a certificate (``Certificate.suspension_cause``); shown on
#: the public verification page and in its JSON.
SUSPENSION_CAUSES = {
    "conditions": _l("Condition not fulfilled in time"),
}


def suspension_reason(cause: str | None) -> str | None:
    """The public words for a suspension the app applied by a rule (None for a lead's own)."""
    words = SUSPENSION_CAUSES.get(cause or "")
    return str(words) if words is not None else None


#: Each vocabulary's table, by its enum.
VOCABULARIES: dict[type, dict] = {
    AuditStatus: AUDIT_STATUS_LABELS,
    AuditKind: AUDIT_KIND_LABELS,
    Decision: DECISION_LABELS,
    Outcome: OUTCOME_LABELS,
    Severity: SEVERITY_LABELS,
    Action: ACTION_LABELS,
    Role: ROLE_LABELS,
    TeamRole: TEAM_ROLE_LABELS,
    CatalogStatus: CATALOG_STATUS_LABELS,
    CertificateStatus: CERTIFICATE_STATUS_LABELS,
    LabelStatus: LABEL_STATUS_WORDS,
    PublicStatus: PUBLIC_STATUS_WORDS,
    ConditionState: CONDITION_STATE_WORDS,
    ConditionStatus: CONDITION_STATUS_LABELS,
    ResponseOutcome: RESPONSE_OUTCOME_LABELS,
    LineageKind: LINEAGE_LABELS,
}

#: The one-word tables merged, for code that looks a member up directly (members of
#: different enums with the same value have the same words here).
LABELS = {member: words for table in (
    AUDIT_STATUS_LABELS, AUDIT_KIND_LABELS, DECISION_LABELS, OUTCOME_LABELS, SEVERITY_LABELS,
    ACTION_LABELS, ROLE_LABELS, TEAM_ROLE_LABELS, CATALOG_STATUS_LABELS,
    CERTIFICATE_STATUS_LABELS) for member, words in table.items()}


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
    EventAction.AUDIT_APPLIED: _l("Audit applied for"),
    EventAction.AUDIT_ACCEPT: _l("Application accepted, audit planned"),
    EventAction.AUDIT_DECLINE: _l("Application declined"),
    EventAction.AUDIT_SUBMIT_QUESTIONNAIRE: _l("Questionnaire submitted"),
    EventAction.AUDIT_COMPLETE_DOCUMENT_REVIEW: _l("Document review completed"),
    EventAction.ANSWER_SAVED: _l("Questionnaire answer saved"),
    EventAction.SELF_ASSESSMENT_SAVED: _l("Self-assessment saved"),
    EventAction.CENTRE_DOCUMENT_ADDED: _l("Document handed in"),
    EventAction.CENTRE_DOCUMENT_REMOVED: _l("Document removed"),
    EventAction.DOCUMENT_REVIEWED: _l("Document reviewed"),
    EventAction.KEY_FIGURES_UPDATED: _l("Key figures updated from the questionnaire"),
    EventAction.APPLICATION_MAIL_SENT: _l("E-mail sent to the centre"),
    EventAction.CONDITION_SET: _l("Condition set"),
    EventAction.CONDITION_RESPONDED: _l("Condition answered by the centre"),
    EventAction.CONDITION_ACCEPTED: _l("Condition accepted as fulfilled"),
    EventAction.CONDITION_REJECTED: _l("Answer to a condition rejected"),
    EventAction.CONDITION_EXTENDED: _l("Deadline of a condition extended"),
    EventAction.CONDITION_REMINDER_SENT: _l("Condition deadline reminder sent"),
    EventAction.CONDITION_PROOF_ADDED: _l("Proof for a condition attached"),
    EventAction.CONDITION_CANCELLED: _l("Condition cancelled"),
    EventAction.EVIDENCE_CARRIED_FORWARD: _l("Evidence carried forward as still valid"),
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
    EventAction.AUDIT_APPLIED: "centre", EventAction.AUDIT_ACCEPT: "workflow",
    EventAction.AUDIT_DECLINE: "workflow", EventAction.AUDIT_SUBMIT_QUESTIONNAIRE: "workflow",
    EventAction.AUDIT_COMPLETE_DOCUMENT_REVIEW: "workflow", EventAction.ANSWER_SAVED: "centre",
    EventAction.SELF_ASSESSMENT_SAVED: "centre", EventAction.CENTRE_DOCUMENT_ADDED: "centre",
    EventAction.CENTRE_DOCUMENT_REMOVED: "centre", EventAction.DOCUMENT_REVIEWED: "centre",
    EventAction.KEY_FIGURES_UPDATED: "centre", EventAction.APPLICATION_MAIL_SENT: "centre",
    EventAction.CONDITION_SET: "conditions", EventAction.CONDITION_RESPONDED: "conditions",
    EventAction.CONDITION_ACCEPTED: "conditions", EventAction.CONDITION_REJECTED: "conditions",
    EventAction.CONDITION_EXTENDED: "conditions",
    EventAction.CONDITION_REMINDER_SENT: "conditions",
    EventAction.CONDITION_PROOF_ADDED: "conditions",
    EventAction.CONDITION_CANCELLED: "conditions",
    EventAction.EVIDENCE_CARRIED_FORWARD: "files",
}

#: The trail's filter, in the order offered: group → words.
TRAIL_GROUPS = {
    "answers": _l("Answers"),
    "review": _l("Review and decision"),
    "workflow": _l("Workflow"),
    "files": _l("Evidence files"),
    "documents": _l("Certificates and reports"),
    "centre": _l("The centre's application"),
    "conditions": _l("Conditions"),
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
    """The translated label of an enum member from its vocabulary's table ("–" for None;
    the short words of a status with :class:`Words`; a plain string as the first vocabulary
    that knows it, else itself)."""
    if value is None:
        return "–"
    table = VOCABULARIES.get(type(value))
    words = table.get(value) if table is not None else LABELS.get(value)
    if words is None:
        return str(value)
    return str(words.short if isinstance(words, Words) else words)


def certificate_status_label(status: str) -> str:
    """A certificate's stored status, or "expired" past its end date (its effective status,
    as the centre page lists it), in words."""
    if status == PublicStatus.EXPIRED:
        return label(PublicStatus.EXPIRED)
    return label(CertificateStatus(status))


def public_status_explained(status: PublicStatus | str) -> str:
    """What a certificate's public status means, in a sentence (the verification page)."""
    return str(PUBLIC_STATUS_WORDS[PublicStatus(status)].long)


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
    if code is RefusalCode.QUESTIONNAIRE_INCOMPLETE:
        return _("The questionnaire is not complete yet. Missing answers: %(keys)s.",
                 keys=", ".join(details))
    if code is RefusalCode.DOCUMENTS_UNREVIEWED:
        return _("Not every required document has been marked yet: %(keys)s.",
                 keys=", ".join(details))
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
    RefusalCode.QUESTIONNAIRE_INCOMPLETE: _l("The questionnaire is not complete yet. Missing "
                                             "answers: %(keys)s."),
    RefusalCode.DOCUMENTS_UNREVIEWED: _l("Not every required document has been marked yet: "
                                         "%(keys)s."),
}

#: The team's verdict on a handed-in document.
DOCUMENT_REVIEW_LABELS = {
    DocumentReviewStatus.PRESENT: _l("present"),
    DocumentReviewStatus.INCOMPLETE: _l("incomplete"),
    DocumentReviewStatus.MISSING: _l("missing"),
}
VOCABULARIES[DocumentReviewStatus] = DOCUMENT_REVIEW_LABELS
LABELS.update(DOCUMENT_REVIEW_LABELS)
