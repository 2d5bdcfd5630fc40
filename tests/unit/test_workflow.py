"""The workflow table: every transition, roles, four-eyes and preconditions (pure)."""
from __future__ import annotations

import itertools

import pytest

from audit_app.workflow import (
    TRANSITIONS,
    Action,
    Actor,
    AuditStatus,
    Refusal,
    Role,
    TeamRole,
    allowed_actions,
    check_transition,
)

LEAD_AUDITOR = Actor(1, frozenset({Role.AUDITOR}), TeamRole.LEAD_AUDITOR)
AUDITOR = Actor(2, frozenset({Role.AUDITOR}), TeamRole.AUDITOR)
WG_LEAD = Actor(3, frozenset({Role.LEAD}), None)
WG_LEAD_ON_TEAM = Actor(4, frozenset({Role.LEAD, Role.AUDITOR}), TeamRole.AUDITOR)
ADMIN = Actor(5, frozenset({Role.ADMIN}), None)
CONTACT = Actor(6, frozenset({Role.CONTACT}), None, centre_contact=True)

WHO = {
    Action.START: LEAD_AUDITOR,
    Action.SUBMIT: LEAD_AUDITOR,
    Action.BEGIN_REVIEW: WG_LEAD,
    Action.REQUEST_CHANGES: WG_LEAD,
    Action.RESUME: LEAD_AUDITOR,
    Action.DECIDE: WG_LEAD,
    Action.REOPEN: ADMIN,
    Action.ACCEPT: WG_LEAD,
    Action.DECLINE: WG_LEAD,
    Action.SUBMIT_QUESTIONNAIRE: CONTACT,
    Action.COMPLETE_DOCUMENT_REVIEW: LEAD_AUDITOR,
}


@pytest.mark.parametrize("status, action", list(itertools.product(AuditStatus, Action)))
def test_every_status_action_pair_follows_the_table(status, action):
    result = check_transition(status, action, WHO[action], note="Begründung")
    expected = TRANSITIONS.get((status, action))
    if expected is None:
        assert result == Refusal("not_allowed_from_status", (status.value, action.value))
    else:
        assert result is expected


def test_only_the_lead_auditor_submits_and_only_when_complete():
    assert check_transition(AuditStatus.IN_PROGRESS, Action.SUBMIT, AUDITOR) == Refusal("forbidden")
    refusal = check_transition(AuditStatus.IN_PROGRESS, Action.SUBMIT, LEAD_AUDITOR,
                               missing_criteria=("B3", "G6"))
    assert refusal == Refusal("incomplete", ("B3", "G6"))


def test_four_eyes_a_lead_on_the_team_never_reviews_or_decides():
    for status, action in [(AuditStatus.SUBMITTED, Action.BEGIN_REVIEW),
                           (AuditStatus.IN_REVIEW, Action.DECIDE),
                           (AuditStatus.IN_REVIEW, Action.REQUEST_CHANGES)]:
        assert check_transition(status, action, WG_LEAD_ON_TEAM, note="x") == Refusal("four_eyes")


def test_auditors_cannot_decide_and_leads_cannot_reopen():
    assert check_transition(AuditStatus.IN_REVIEW, Action.DECIDE, LEAD_AUDITOR) == Refusal("forbidden")
    assert check_transition(AuditStatus.DECIDED, Action.REOPEN, WG_LEAD, note="x") == Refusal("forbidden")


def test_reopen_and_request_changes_need_a_written_reason():
    assert check_transition(AuditStatus.DECIDED, Action.REOPEN, ADMIN, note="  ") == Refusal("reason_required")
    assert check_transition(AuditStatus.IN_REVIEW, Action.REQUEST_CHANGES, WG_LEAD) == Refusal("reason_required")


def test_decided_is_final_except_for_reopen():
    assert allowed_actions(AuditStatus.DECIDED) == (Action.REOPEN,)
