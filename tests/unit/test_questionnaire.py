"""The centre's part of a catalogue (questionnaire, required documents) and the centre's
steps of the workflow: pure tests, no app, no database."""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from audit_app.catalog import CatalogError, load_catalog, parse_catalog
from audit_app.catalog.questionnaire import EMPTY, Questionnaire, QuestionType
from audit_app.workflow import (
    Action,
    Actor,
    AuditStatus,
    Refusal,
    Role,
    TeamRole,
    check_transition,
    steps_for,
)
from tests.unit.test_catalog_loader import MINIMAL, SOURCE

REAL_FILE = Path(__file__).resolve().parents[2] / "criteria" / "aiz-2026.yaml"

QUESTIONNAIRE = """\
questionnaire:
  sections:
    - key: flaechen
      title: {de: Flächen, en: Space}
      category: B
      questions:
        - key: gruenderflaeche
          type: number
          unit: "m²"
          minimum: 0
          text: {de: Gründerfläche, en: Start-up space}
          feeds: B1
        - key: zweck
          type: text
          text: {de: Unternehmensgegenstand, en: Company object}
          criteria: [A1]
  documents:
    - key: satzung
      title: {de: Gesellschaftsvertrag, en: Statutes}
      criteria: [A1]
"""


def problems(text: str) -> list[str]:
    with pytest.raises(CatalogError) as info:
        parse_catalog(text, source=SOURCE)
    return [str(p) for p in info.value.problems]


def test_the_real_catalogue_carries_a_questionnaire_that_feeds_b1_and_b7():
    questionnaire = load_catalog(REAL_FILE).questionnaire
    assert questionnaire.feeding("B1").key == "gruenderflaeche"
    assert questionnaire.feeding("B7").unit == "%"
    assert questionnaire.feeding("A1") is None
    assert {q.type for q in questionnaire.questions} == set(QuestionType)
    assert "gesellschaftsvertrag" in {d.key for d in questionnaire.documents_for("A1")}
    assert questionnaire.question_count >= 20 and len(questionnaire.documents) >= 6
    fields = {q.centre_field for q in questionnaire.questions} - {None}
    assert fields == {"space_m2", "tenant_count", "occupancy_percent", "staff_count",
                      "founded_year"}


def test_a_questionnaire_survives_its_stored_form_exactly():
    questionnaire = load_catalog(REAL_FILE).questionnaire
    assert Questionnaire.from_json(questionnaire.to_json()) == questionnaire
    assert Questionnaire.from_json(None) is EMPTY


def test_a_catalogue_without_questionnaire_has_an_empty_one():
    catalog = parse_catalog(MINIMAL, source=SOURCE)
    assert catalog.questionnaire.empty and catalog.questionnaire.missing((), ()) == ()


def test_missing_answers_and_documents_are_listed_in_order():
    q = parse_catalog(MINIMAL + QUESTIONNAIRE, source=SOURCE).questionnaire
    assert q.missing(answered=(), uploaded=()) == ("gruenderflaeche", "zweck")
    assert q.missing(answered=("zweck",), uploaded=()) == ("gruenderflaeche",)
    assert q.missing_documents(uploaded=("satzung",)) == ()
    assert q.feeding("B1").minimum == Decimal(0)


@pytest.mark.parametrize("old, new, expected", [
    ("feeds: B1", "feeds: A1",
     "criteria/test-1.yaml:50: questionnaire.sections[0].questions[0].feeds: criterion A1 is "
     'of type "scale": only criteria of type "number" can be fed by an answer'),
    ("feeds: B1", "feeds: B9",
     'criteria/test-1.yaml:50: questionnaire.sections[0].questions[0].feeds: no criterion "B9" '
     "in this catalogue"),
    ('unit: "m²"\n          minimum: 0\n          text: {de: Gründerfläche',
     'unit: "%"\n          minimum: 0\n          text: {de: Gründerfläche',
     'criteria/test-1.yaml:50: questionnaire.sections[0].questions[0].feeds: the unit "%" '
     "differs from criterion B1's unit \"m²\""),
    ("key: zweck", "key: gruenderflaeche",
     'criteria/test-1.yaml:51: questionnaire.sections[0].questions[1].key: duplicate key '
     '"gruenderflaeche" (first at line 45); questions and documents need different keys'),
    ("type: text", "type: texte",
     'criteria/test-1.yaml:52: questionnaire.sections[0].questions[1].type: must be "text", '
     '"number", "yesno", "date" or "file"'),
    ("criteria: [A1]\n  documents", "criteria: [A1]\n          unit: m\n  documents",
     'criteria/test-1.yaml:55: questionnaire.sections[0].questions[1].unit: only allowed for '
     'questions of type "number"'),
    ("category: B", "category: X",
     'criteria/test-1.yaml:43: questionnaire.sections[0].category: no category "X" in this '
     "catalogue"),
    ("      criteria: [A1]\n", "      criteria: [A7]\n",
     'criteria/test-1.yaml:58: questionnaire.documents[0].criteria[0]: no criterion "A7" in '
     "this catalogue"),
])
def test_bad_questionnaires_are_refused_with_file_and_line(old, new, expected):
    text = MINIMAL + QUESTIONNAIRE
    at = text.rfind(old) if "documents[0]" in expected else text.find(old)
    assert at >= 0
    assert expected in problems(text[:at] + new + text[at + len(old):])


def test_a_criterion_is_fed_by_one_question_only_and_key_figures_keep_their_decimals():
    twice = (MINIMAL + QUESTIONNAIRE).replace(
        "          criteria: [A1]\n  documents",
        "          criteria: [A1]\n        - key: noch_eine\n          type: number\n"
        "          text: {de: Noch eine, en: Another}\n          feeds: B1\n"
        "          decimals: 2\n          centre_field: tenant_count\n  documents")
    found = problems(twice)
    assert any("criterion B1 is fed by another question already (line 50)" in p for p in found)
    assert any('"tenant_count" holds at most 0 decimal places' in p for p in found)


WG_LEAD = Actor(3, frozenset({Role.LEAD}), None)
CONTACT = Actor(6, frozenset({Role.CONTACT}), None, centre_contact=True)
OTHER_CONTACT = Actor(7, frozenset({Role.CONTACT}), None, centre_contact=False)
LEAD_AUDITOR = Actor(1, frozenset({Role.AUDITOR}), TeamRole.LEAD_AUDITOR)


def test_the_centres_steps_with_their_roles_and_preconditions():
    assert check_transition(AuditStatus.APPLIED, Action.ACCEPT, WG_LEAD) is \
        AuditStatus.QUESTIONNAIRE_OPEN
    assert check_transition(AuditStatus.APPLIED, Action.ACCEPT, CONTACT) == Refusal("forbidden")
    assert check_transition(AuditStatus.APPLIED, Action.DECLINE, WG_LEAD) == \
        Refusal("reason_required")
    assert check_transition(AuditStatus.APPLIED, Action.DECLINE, WG_LEAD, note="Kein Mitglied") \
        is AuditStatus.DECLINED
    assert check_transition(AuditStatus.QUESTIONNAIRE_OPEN, Action.SUBMIT_QUESTIONNAIRE,
                            CONTACT, missing_answers=("auslastung",)) == \
        Refusal("questionnaire_incomplete", ("auslastung",))
    assert check_transition(AuditStatus.QUESTIONNAIRE_OPEN, Action.SUBMIT_QUESTIONNAIRE,
                            OTHER_CONTACT) == Refusal("forbidden")
    assert check_transition(AuditStatus.APPLIED, Action.SUBMIT_QUESTIONNAIRE, CONTACT) == \
        Refusal("not_allowed_from_status", ("applied", "submit_questionnaire"))
    assert check_transition(AuditStatus.QUESTIONNAIRE_SUBMITTED, Action.COMPLETE_DOCUMENT_REVIEW,
                            LEAD_AUDITOR, unreviewed_documents=("satzung",)) == \
        Refusal("documents_unreviewed", ("satzung",))
    assert check_transition(AuditStatus.DOCUMENTS_REVIEWED, Action.START, LEAD_AUDITOR) is \
        AuditStatus.IN_PROGRESS


def test_an_audit_that_began_with_an_application_shows_the_centres_steps():
    assert steps_for(True)[:4] == (AuditStatus.APPLIED, AuditStatus.QUESTIONNAIRE_OPEN,
                                   AuditStatus.QUESTIONNAIRE_SUBMITTED,
                                   AuditStatus.DOCUMENTS_REVIEWED)
    assert steps_for(False)[0] is AuditStatus.PLANNED
