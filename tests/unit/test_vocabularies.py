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


def _translated(lang: str) -> set[str]:
    from pathlib import Path

    from babel.messages.pofile import read_po

    path = (Path(__file__).resolve().parents[2] / "audit_app" / "translations" / lang
            / "LC_MESSAGES" / "messages.po")
    with path.open("rb") as fh:
        return {m.id for m in read_po(fh, locale=lang)
                if m.id and m.string and not m.fuzzy}


@pytest.mark.parametrize("lang", ["de", "en"])
def test_every_member_of_every_vocabulary_has_words_in_both_languages(lang):
    """One table per vocabulary (labels.VOCABULARIES): every member has its words, and each
    of those is translated into German and English."""
    from audit_app.labels import VOCABULARIES, Words

    translated = _translated(lang)
    missing, untranslated = [], []
    for vocabulary, table in VOCABULARIES.items():
        missing += [f"{vocabulary.__name__}.{m.name}" for m in vocabulary if m not in table]
        for member, words in table.items():
            for text in (words if isinstance(words, Words) else (words,)):
                if str(text) not in translated:  # outside an app: the message id
                    untranslated.append(f"{vocabulary.__name__}.{member.name}: {text}")
    assert missing == []
    assert untranslated == []


def test_every_status_vocabulary_has_a_table():
    """The statuses that reach pages, PDFs and the API each have one table."""
    from audit_app.labels import VOCABULARIES
    from audit_app.models import PublicStatus
    from audit_app.services.label_status import LabelStatus

    assert {AuditStatus, AuditKind, Decision, Outcome, Severity, Action, Role, TeamRole,
            CatalogStatus, CertificateStatus, LabelStatus, PublicStatus} <= set(VOCABULARIES)
