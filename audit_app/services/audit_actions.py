"""Which workflow actions a user may take on an audit right now, for the pages' buttons."""
from __future__ import annotations

from dataclasses import dataclass

from ..models import Audit
from ..scoring import ScoreResult
from ..workflow import Action, Actor, Refusal, RefusalCode, allowed_actions, check_transition

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
        outcome = check_transition(audit.status, action, actor, missing_criteria=result.missing,
                                   note="(note given)")
        if isinstance(outcome, Refusal):
            if outcome.code is RefusalCode.INCOMPLETE:
                out.append(AvailableAction(action, False, False, outcome.details))
            continue
        out.append(AvailableAction(action, True, action in NOTE_REQUIRED))
    return out
