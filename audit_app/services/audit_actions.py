"""Which workflow actions a user may take on an audit right now, for the pages' buttons."""
from __future__ import annotations

from dataclasses import dataclass

from ..models import Audit
from ..scoring import ScoreResult
from ..workflow import (
    CENTRE_ACTIONS,
    Action,
    Actor,
    Refusal,
    RefusalCode,
    allowed_actions,
    check_transition,
)

#: Actions that need a written note (the form shows a required text field).
NOTE_REQUIRED = frozenset({Action.REQUEST_CHANGES, Action.REOPEN})


@dataclass(frozen=True)
class AvailableAction:
    action: Action
    enabled: bool
    needs_note: bool
    blocked_by: tuple[str, ...] = ()  # e.g. the missing criteria that block submitting


def available_actions(audit: Audit, user, result: ScoreResult) -> list[AvailableAction]:
    """The actions this user could take from the audit's status (those they may never take are left out).

    Uses the same :func:`check_transition` as the service, so a button shown enabled is
    an action the service accepts (given the note it asks for).
    """
    if not getattr(user, "is_authenticated", False):
        return []
    actor = Actor(user_id=user.id, roles=user.roles, team_role=audit.team_role_of(user.id))
    out = []
    for action in allowed_actions(audit.status):
        if action in CENTRE_ACTIONS:
            continue  # offered on the application's page (services/applications.py)
        outcome = check_transition(audit.status, action, actor, missing_criteria=result.missing,
                                   note="(note given)")
        if isinstance(outcome, Refusal):
            if outcome.code is RefusalCode.INCOMPLETE:
                out.append(AvailableAction(action, False, False, outcome.details))
            continue
        out.append(AvailableAction(action, True, action in NOTE_REQUIRED))
    return out


@dataclass(frozen=True)
class ChangeRequest:
    """The working-group lead's latest message that sent the audit back to the team."""

    note: str
    by: str
    at: object  # datetime


@dataclass(frozen=True)
class TeamGuidance:
    """What the audit and checklist pages tell the team about the audit's state.

    ``change_request`` is the lead's message while changes are requested; ``can_resume``
    says whether this user reopens the checklist with "Resume work"; ``lead_auditor`` names
    who submits and resumes; ``read_only`` is True when this user cannot edit now.
    """

    change_request: ChangeRequest | None
    can_resume: bool
    lead_auditor: str | None
    read_only: bool
    on_team: bool
    is_lead_auditor: bool


def team_guidance(audit: Audit, user) -> TeamGuidance:
    """The state of the audit as the team needs to read it (one query for the message)."""
    import sqlalchemy as sa
    from sqlalchemy.orm import joinedload

    from ..extensions import db
    from ..models import Event
    from ..workflow import EDITABLE_BY_TEAM, AuditStatus, TeamRole

    request = None
    if audit.status is AuditStatus.CHANGES_REQUESTED:
        event = db.session.scalar(
            sa.select(Event)
            .where(Event.audit_id == audit.id, Event.action == "audit_request_changes")
            .options(joinedload(Event.actor))
            .order_by(Event.id.desc()).limit(1)
        )
        if event is not None:
            request = ChangeRequest(note=event.note, by=event.actor.name if event.actor else "–",
                                    at=event.occurred_at)
    role = audit.team_role_of(user.id) if getattr(user, "is_authenticated", False) else None
    lead = audit.lead_auditor
    return TeamGuidance(
        change_request=request,
        can_resume=audit.status is AuditStatus.CHANGES_REQUESTED
        and role is TeamRole.LEAD_AUDITOR,
        lead_auditor=lead.name if lead else None,
        read_only=not (audit.status in EDITABLE_BY_TEAM and role is not None),
        on_team=role is not None,
        is_lead_auditor=role is TeamRole.LEAD_AUDITOR,
    )
