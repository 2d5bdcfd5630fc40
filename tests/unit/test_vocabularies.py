"""Every member of the domain's vocabularies has its words: events, refusals, statuses."""
from __future__ import annotations

import pytest

from audit_app.labels import EVENT_GROUPS, EVENT_LABELS, LABELS, REFUSAL_MESSAGES, TRAIL_GROUPS
from audit_app.models import CatalogStatus, CertificateStatus, EventAction
from audit_app.scoring import Outcome, Severity
from audit_app.workflow import Action, AuditKind, AuditStatus, Decision, RefusalCode, Role, TeamRole


def test_every_event_kind_has_a_label():
    assert set(EVENT_LABELS) == set(EventAction), sorted(set(EventAction) - set(EVENT_LABELS))


def test_every_event_kind_has_a_trail_group():
    assert set(EVENT_GROUPS) == set(EventAction), sorted(set(EventAction) - set(EVENT_GROUPS))
    assert set(EVENT_GROUPS.values()) <= set(TRAIL_GROUPS) | {"admin"}


def test_every_refusal_has_a_sentence():
    assert set(REFUSAL_MESSAGES) == set(RefusalCode)


@pytest.mark.parametrize("vocabulary", [AuditStatus, AuditKind, Decision, Outcome, Severity,
                                        Action, Role, TeamRole, CatalogStatus, CertificateStatus])
def test_every_status_and_kind_has_a_label(vocabulary):
    assert [m for m in vocabulary if m not in LABELS] == []


def test_an_event_outside_the_vocabulary_is_refused():
    from audit_app.services import events

    with pytest.raises(ValueError):
        events.record("irgendwas_passiert", subject_type="audit")
