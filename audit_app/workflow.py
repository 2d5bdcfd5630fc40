"""The audit workflow as data: statuses, actions and the transition table.

Pure code (no Flask, no SQLAlchemy). A service applies a transition after
:func:`check_transition` said yes, and writes the event.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class AuditStatus(StrEnum):
    # The centre's side before the visit (an audit that starts with an application).
    APPLIED = "applied"  # the centre applied; a working-group lead accepts or declines
    DECLINED = "declined"  # the application was declined (with a reason); final
    QUESTIONNAIRE_OPEN = "questionnaire_open"  # accepted and planned: the centre answers
    QUESTIONNAIRE_SUBMITTED = "questionnaire_submitted"  # the team reviews the documents
    DOCUMENTS_REVIEWED = "documents_reviewed"  # ready for the visit
    # The audit itself.
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    SUBMITTED = "submitted"
    IN_REVIEW = "in_review"
    CHANGES_REQUESTED = "changes_requested"
    DECIDED = "decided"


class AuditKind(StrEnum):
    INITIAL = "initial"
    RENEWAL = "renewal"


class Decision(StrEnum):
    AWARD = "award"
    AWARD_WITH_CONDITIONS = "award_with_conditions"
    REFUSE = "refuse"


class Action(StrEnum):
    START = "start"  # planned -> in progress: the site visit begins
    SUBMIT = "submit"  # lead auditor hands the complete checklist in
    BEGIN_REVIEW = "begin_review"  # a working-group lead takes it up
    REQUEST_CHANGES = "request_changes"  # back to the audit team with a message
    RESUME = "resume"  # the team works on the requested changes
    DECIDE = "decide"
    REOPEN = "reopen"  # admin only, with a reason
    # The centre's side (issue 15).
    ACCEPT = "accept"  # a working-group lead accepts an application by planning the audit
    DECLINE = "decline"  # ... or declines it, with a reason
    SUBMIT_QUESTIONNAIRE = "submit_questionnaire"  # the centre's contact, when complete
    COMPLETE_DOCUMENT_REVIEW = "complete_document_review"  # the team, every document marked


class Role(StrEnum):
    ADMIN = "admin"
    LEAD = "lead"  # working-group lead (Arbeitskreisleitung)
    AUDITOR = "auditor"
    CONTACT = "contact"  # centre contact


class RefusalCode(StrEnum):
    """Why a transition is refused (each has a sentence in ``labels.REFUSAL_MESSAGES``)."""

    NOT_ALLOWED_FROM_STATUS = "not_allowed_from_status"
    FORBIDDEN = "forbidden"
    FOUR_EYES = "four_eyes"
    INCOMPLETE = "incomplete"
    UNREVIEWED = "unreviewed"
    REASON_REQUIRED = "reason_required"
    QUESTIONNAIRE_INCOMPLETE = "questionnaire_incomplete"
    DOCUMENTS_UNREVIEWED = "documents_unreviewed"


class TeamRole(StrEnum):
    LEAD_AUDITOR = "lead_auditor"
    AUDITOR = "auditor"
    GUEST = "guest"


#: (status, action) -> new status. Anything not listed is not allowed.
TRANSITIONS: dict[tuple[AuditStatus, Action], AuditStatus] = {
    (AuditStatus.PLANNED, Action.START): AuditStatus.IN_PROGRESS,
    (AuditStatus.IN_PROGRESS, Action.SUBMIT): AuditStatus.SUBMITTED,
    (AuditStatus.SUBMITTED, Action.BEGIN_REVIEW): AuditStatus.IN_REVIEW,
    (AuditStatus.SUBMITTED, Action.REQUEST_CHANGES): AuditStatus.CHANGES_REQUESTED,
    (AuditStatus.IN_REVIEW, Action.REQUEST_CHANGES): AuditStatus.CHANGES_REQUESTED,
    (AuditStatus.CHANGES_REQUESTED, Action.RESUME): AuditStatus.IN_PROGRESS,
    (AuditStatus.CHANGES_REQUESTED, Action.SUBMIT): AuditStatus.SUBMITTED,
    (AuditStatus.IN_REVIEW, Action.DECIDE): AuditStatus.DECIDED,
    (AuditStatus.DECIDED, Action.REOPEN): AuditStatus.IN_REVIEW,
    # The centre's side: application, questionnaire, document review, then the visit.
    (AuditStatus.APPLIED, Action.ACCEPT): AuditStatus.QUESTIONNAIRE_OPEN,
    (AuditStatus.APPLIED, Action.DECLINE): AuditStatus.DECLINED,
    (AuditStatus.QUESTIONNAIRE_OPEN, Action.SUBMIT_QUESTIONNAIRE):
        AuditStatus.QUESTIONNAIRE_SUBMITTED,
    (AuditStatus.QUESTIONNAIRE_SUBMITTED, Action.COMPLETE_DOCUMENT_REVIEW):
        AuditStatus.DOCUMENTS_REVIEWED,
    (AuditStatus.DOCUMENTS_REVIEWED, Action.START): AuditStatus.IN_PROGRESS,
}

#: The centre's steps: taken through the application's own forms and endpoints.
CENTRE_ACTIONS = frozenset({Action.ACCEPT, Action.DECLINE, Action.SUBMIT_QUESTIONNAIRE,
                            Action.COMPLETE_DOCUMENT_REVIEW})
#: Statuses in which the audit team may change assessments (the first saved answer of a
#: planned or document-reviewed audit starts it).
EDITABLE_BY_TEAM = frozenset({AuditStatus.PLANNED, AuditStatus.DOCUMENTS_REVIEWED,
                              AuditStatus.IN_PROGRESS})
#: Statuses before the visit that begin with an application (the centre's side).
CENTRE_SIDE = frozenset({AuditStatus.APPLIED, AuditStatus.DECLINED,
                         AuditStatus.QUESTIONNAIRE_OPEN, AuditStatus.QUESTIONNAIRE_SUBMITTED,
                         AuditStatus.DOCUMENTS_REVIEWED})
#: Statuses in which the centre's contact answers the questionnaire and the self-assessment
#: (until they submit).
EDITABLE_BY_CENTRE = frozenset({AuditStatus.APPLIED, AuditStatus.QUESTIONNAIRE_OPEN})
#: Statuses in which the team marks the centre's documents (before the visit).
DOCUMENT_REVIEW = frozenset({AuditStatus.QUESTIONNAIRE_SUBMITTED,
                             AuditStatus.DOCUMENTS_REVIEWED})
#: Statuses in which a working-group lead may review (agree/adjust) criteria.
REVIEWABLE = frozenset({AuditStatus.SUBMITTED, AuditStatus.IN_REVIEW})
#: The step bar shown on the audit page, in order.
STEPS = (
    AuditStatus.PLANNED,
    AuditStatus.IN_PROGRESS,
    AuditStatus.SUBMITTED,
    AuditStatus.IN_REVIEW,
    AuditStatus.DECIDED,
)
#: The step bar of an audit that began with the centre's application.
APPLICATION_STEPS = (
    AuditStatus.APPLIED,
    AuditStatus.QUESTIONNAIRE_OPEN,
    AuditStatus.QUESTIONNAIRE_SUBMITTED,
    AuditStatus.DOCUMENTS_REVIEWED,
    AuditStatus.IN_PROGRESS,
    AuditStatus.SUBMITTED,
    AuditStatus.IN_REVIEW,
    AuditStatus.DECIDED,
)


def steps_for(applied: bool) -> tuple[AuditStatus, ...]:
    """The step bar of an audit: with the centre's steps when it began with an application."""
    return APPLICATION_STEPS if applied else STEPS


@dataclass(frozen=True)
class Actor:
    """Who attempts a transition, as far as the workflow needs to know."""

    user_id: int
    roles: frozenset[Role]
    team_role: TeamRole | None  # None when not on the audit team
    centre_contact: bool = False  # a contact of the audited centre


@dataclass(frozen=True)
class Refusal:
    """Why a transition is not allowed: a machine code and the details for the message."""

    code: RefusalCode
    details: tuple[str, ...] = ()


def _role_check(action: Action, actor: Actor) -> bool:
    lead_or_admin = bool(actor.roles & {Role.LEAD, Role.ADMIN})
    if action is Action.START:
        return actor.team_role is TeamRole.LEAD_AUDITOR or lead_or_admin
    if action in (Action.SUBMIT, Action.RESUME):
        return actor.team_role is TeamRole.LEAD_AUDITOR
    if action in (Action.BEGIN_REVIEW, Action.REQUEST_CHANGES, Action.DECIDE):
        return Role.LEAD in actor.roles
    if action is Action.REOPEN:
        return Role.ADMIN in actor.roles
    if action in (Action.ACCEPT, Action.DECLINE):
        return Role.LEAD in actor.roles
    if action is Action.SUBMIT_QUESTIONNAIRE:
        return actor.centre_contact and Role.CONTACT in actor.roles
    if action is Action.COMPLETE_DOCUMENT_REVIEW:
        return actor.team_role is TeamRole.LEAD_AUDITOR or Role.LEAD in actor.roles
    return False


def check_transition(
    status: AuditStatus,
    action: Action,
    actor: Actor,
    *,
    missing_criteria: tuple[str, ...] = (),
    unreviewed_criteria: tuple[str, ...] = (),
    note: str = "",
    missing_answers: tuple[str, ...] = (),
    unreviewed_documents: tuple[str, ...] = (),
) -> AuditStatus | Refusal:
    """Return the new status, or a :class:`Refusal` saying why not.

    Checks in this order: the table (is the action possible from ``status``), the
    actor's role, the four-eyes rule (a lead on the audit team never reviews or decides
    it), then the action's preconditions (submit only when nothing is missing; decide only
    when every criterion was reviewed, agreed or adjusted; reopen, request-changes and
    declining an application need a written note; the centre submits its questionnaire only
    with every required answer (``missing_answers``: question keys); the document review is
    complete only when every required document is marked (``unreviewed_documents``)).
    Accepting and declining an application are a working-group lead's (the centre's own
    contacts never: they are not leads of it), submitting the questionnaire is the
    centre's contact's, completing the document review the lead auditor's or a lead's.
    """
    target = TRANSITIONS.get((status, action))
    if target is None:
        return Refusal(RefusalCode.NOT_ALLOWED_FROM_STATUS, (status.value, action.value))
    if not _role_check(action, actor):
        return Refusal(RefusalCode.FORBIDDEN)
    if action in (Action.BEGIN_REVIEW, Action.REQUEST_CHANGES, Action.DECIDE) and actor.team_role:
        return Refusal(RefusalCode.FOUR_EYES)
    if action is Action.SUBMIT and missing_criteria:
        return Refusal(RefusalCode.INCOMPLETE, tuple(missing_criteria))
    if action is Action.DECIDE and unreviewed_criteria:
        return Refusal(RefusalCode.UNREVIEWED, tuple(unreviewed_criteria))
    if action in (Action.REOPEN, Action.REQUEST_CHANGES, Action.DECLINE) and not note.strip():
        return Refusal(RefusalCode.REASON_REQUIRED)
    if action is Action.SUBMIT_QUESTIONNAIRE and missing_answers:
        return Refusal(RefusalCode.QUESTIONNAIRE_INCOMPLETE, tuple(missing_answers))
    if action is Action.COMPLETE_DOCUMENT_REVIEW and unreviewed_documents:
        return Refusal(RefusalCode.DOCUMENTS_UNREVIEWED, tuple(unreviewed_documents))
    return target


def allowed_actions(status: AuditStatus) -> tuple[Action, ...]:
    """Actions the table allows from ``status`` (before role and precondition checks)."""
    return tuple(a for (s, a) in TRANSITIONS if s is status)
