"""The centre's side against the real databases: apply, answer, decline, accept, the
questionnaire with its checks and versions, submit (key figures with history, the prefill),
the self-assessment, documents and the team's marks, and who may see what."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from audit_app.extensions import db
from audit_app.models import Event, KeyFigureRecord, QuestionnaireAnswer
from audit_app.services import access, centre_side
from audit_app.services import applications as svc
from audit_app.services.errors import (
    NotFound,
    TransitionRefused,
    ValidationFailed,
    VersionConflict,
)
from audit_app.workflow import AuditKind, AuditStatus
from tests.factories import (
    APPLIED_ON,
    PDF,
    accept_application,
    answer_questionnaire,
    make_application,
)


def _answer(audit, key):
    return db.session.scalar(sa.select(QuestionnaireAnswer).where(
        QuestionnaireAnswer.audit_id == audit.id, QuestionnaireAnswer.question_key == key))


def _actions(audit) -> list[str]:
    return list(db.session.scalars(sa.select(Event.action).where(Event.audit_id == audit.id)
                                   .order_by(Event.id)))


@pytest.fixture
def opened(app, catalog, make_centre, make_user):
    """An accepted application (questionnaire open) of a centre with its contact."""
    centre = make_centre(name="Technologiezentrum Göttingen", tenant_count=61)
    contact = make_user("contact", name="Jörg Weiß", centre=centre)
    audit = accept_application(make_application(centre, contact=contact))
    return audit, contact


class TestApplication:
    def test_a_contact_applies_for_the_own_centre(self, app, catalog, make_centre, make_user):
        centre = make_centre()
        contact = make_user("contact", centre=centre)
        audit = make_application(centre, contact=contact)
        assert audit.status is AuditStatus.APPLIED
        assert audit.application.applied_by_id == contact.id
        assert _actions(audit) == ["audit_applied"]

    def test_a_period_in_the_past_is_refused_and_nothing_stored(self, app, catalog,
                                                                  make_centre, make_user):
        centre = make_centre()
        contact = make_user("contact", centre=centre)
        with pytest.raises(ValidationFailed) as refused:
            svc.apply(centre=centre, kind=AuditKind.INITIAL, preferred_from=date(2026, 1, 5),
                      preferred_until=date(2026, 2, 27), message="", actor=contact,
                      today=APPLIED_ON)
        assert refused.value.fields
        db.session.rollback()
        assert svc.open_audit_of(centre) is None

    def test_the_lead_declines_with_a_reason_and_the_centre_can_no_longer_edit(
            self, app, catalog, make_user):
        audit = make_application()
        lead = make_user("lead")
        with pytest.raises(TransitionRefused):
            svc.decline(audit, actor=lead, reason="  ")
        db.session.rollback()
        svc.decline(audit, actor=lead, reason="Die Auflagen des letzten Audits sind offen.")
        db.session.commit()
        assert audit.status is AuditStatus.DECLINED
        assert audit.application.decline_reason.startswith("Die Auflagen")
        with pytest.raises(ValidationFailed):
            centre_side.save_answer(audit, "gruenderflaeche", "3200", expected_version=1,
                                    actor=lead)

    def test_accepting_plans_the_audit_and_opens_the_questionnaire(self, opened):
        audit, _contact = opened
        assert audit.status is AuditStatus.QUESTIONNAIRE_OPEN
        assert audit.planned_on == date(2026, 4, 20) and audit.visit_on == date(2026, 5, 12)
        assert len(audit.members) == 2


class TestQuestionnaire:
    def test_numbers_are_read_the_german_way(self, opened):
        audit, contact = opened
        answer = centre_side.save_answer(audit, "gruenderflaeche", "3.200",
                                         expected_version=1, actor=contact)
        db.session.commit()
        assert answer.number_value == Decimal(3200) and answer.version == 2
        occupancy = centre_side.save_answer(audit, "auslastung", "91,5", expected_version=1,
                                            actor=contact)
        assert occupancy.number_value == Decimal("91.5")

    @pytest.mark.parametrize("key, raw, message", [
        ("auslastung", "120", "zwischen 0 und 100 %"),
        ("gruenderflaeche", "viel", "ganze zahl"),
        ("beirat", "vielleicht", "ja oder nein"),
        ("preisliste_stand", "31.02.2026", "datum gibt es nicht"),
    ])
    def test_a_bad_answer_is_refused_with_its_message_and_changes_nothing(
            self, app, opened, key, raw, message):
        audit, contact = opened
        before = _answer(audit, key).version
        with pytest.raises(ValidationFailed) as refused:
            centre_side.save_answer(audit, key, raw, expected_version=before, actor=contact)
        db.session.rollback()
        with app.test_request_context():
            assert message in str(refused.value.fields["value"]).lower()
        assert _answer(audit, key).version == before and not _answer(audit, key).answered

    def test_a_stale_version_is_a_conflict_with_the_stored_answer(self, opened):
        audit, contact = opened
        centre_side.save_answer(audit, "anzahl_mieter", "74", expected_version=1, actor=contact)
        db.session.commit()
        with pytest.raises(VersionConflict) as conflict:
            centre_side.save_answer(audit, "anzahl_mieter", "80", expected_version=1,
                                    actor=contact)
        assert conflict.value.current.number_value == 74
        # Sending again what is stored is no conflict.
        again = centre_side.save_answer(audit, "anzahl_mieter", "74", expected_version=1,
                                        actor=contact)
        assert again.version == 2

    def test_submit_lists_what_is_missing_then_goes_through(self, opened):
        audit, contact = opened
        with pytest.raises(TransitionRefused) as refused:
            svc.submit_questionnaire(audit, actor=contact, today=APPLIED_ON)
        db.session.rollback()
        assert "gruenderflaeche" in refused.value.details
        answer_questionnaire(audit, contact)
        svc.submit_questionnaire(audit, actor=contact, today=APPLIED_ON)
        db.session.commit()
        assert audit.status is AuditStatus.QUESTIONNAIRE_SUBMITTED
        with pytest.raises(ValidationFailed):
            centre_side.save_answer(audit, "anzahl_mieter", "80", expected_version=2,
                                    actor=contact)

    def test_submitting_updates_the_centres_key_figures_with_history(self, opened):
        audit, contact = opened
        answer_questionnaire(audit, contact)
        svc.submit_questionnaire(audit, actor=contact, today=APPLIED_ON)
        db.session.commit()
        centre = audit.centre
        assert centre.tenant_count == 74 and centre.occupancy_percent == Decimal("91.5")
        (record,) = db.session.scalars(sa.select(KeyFigureRecord).where(
            KeyFigureRecord.centre_id == centre.id)).all()
        assert record.old == {"tenant_count": 61, "occupancy_percent": None}
        assert record.new == {"tenant_count": 74, "occupancy_percent": "91.5"}
        assert record.audit_id == audit.id
        assert record.recorded_on == APPLIED_ON
        assert centre_side.key_figure_history(centre.id) == [record]
        assert "key_figures_updated" in _actions(audit)

    def test_numbers_feeding_criteria_prefill_the_checklist_with_their_source(self, opened):
        audit, contact = opened
        answer_questionnaire(audit, contact)
        assert "B1" not in centre_side.card_extras(audit) or \
            centre_side.card_extras(audit)["B1"].prefill is None  # not before submitting
        svc.submit_questionnaire(audit, actor=contact, today=APPLIED_ON)
        db.session.commit()
        extras = centre_side.card_extras(audit)
        assert extras["B1"].prefill.value == Decimal(3200)
        assert extras["B7"].prefill.value == Decimal("91.5")
        assert extras["B1"].prefill.source_day == centre_side.submitted_day(audit.application)


class TestSelfAssessment:
    def test_scores_are_checked_like_the_auditors_and_feed_the_engine(self, opened):
        audit, contact = opened
        row = centre_side.self_sheet(audit).items["A2"].row
        version = row.version
        with pytest.raises(ValidationFailed):
            centre_side.save_self_assessment(audit, "A2", centre_side.SelfInput(points=7),
                                             expected_version=version, actor=contact)
        db.session.rollback()
        saved = centre_side.save_self_assessment(
            audit, "A2", centre_side.SelfInput(points=2, comment="Strategie 2026"),
            expected_version=version, actor=contact)
        db.session.commit()
        assert saved.points == 2 and saved.version == version + 1
        sheet = centre_side.self_sheet(audit)
        assert sheet.answered == 1 and sheet.result.criteria["A2"].points == 2
        with pytest.raises(VersionConflict):
            centre_side.save_self_assessment(audit, "A2", centre_side.SelfInput(points=3),
                                             expected_version=version, actor=contact)

    def test_unknown_criterion_is_not_found(self, opened):
        audit, contact = opened
        with pytest.raises(NotFound):
            centre_side.save_self_assessment(audit, "Z9", centre_side.SelfInput(points=1),
                                             expected_version=1, actor=contact)


class TestDocuments:
    def test_review_marks_then_completes_the_review(self, opened, make_user):
        audit, contact = opened
        answer_questionnaire(audit, contact)
        svc.submit_questionnaire(audit, actor=contact, today=APPLIED_ON)
        db.session.commit()
        lead_auditor = next(m.user for m in audit.members if m.team_role.value == "lead_auditor")
        sheet = centre_side.centre_sheet(audit)
        keys = [d.document.key for d in sheet.documents if d.document.required]
        with pytest.raises(TransitionRefused) as refused:
            svc.complete_document_review(audit, actor=lead_auditor)
        db.session.rollback()
        assert set(refused.value.details) == set(keys)
        with pytest.raises(ValidationFailed) as no_note:
            centre_side.review_document(audit, keys[0], status="incomplete", note="",
                                        actor=lead_auditor)
        db.session.rollback()
        assert "note" in no_note.value.fields
        centre_side.review_document(audit, keys[0], status="incomplete",
                                    note="Die Anlage 2 fehlt.", actor=lead_auditor)
        db.session.commit()
        # The centre may hand in a replacement until the visit, not after it.
        sheet = centre_side.centre_sheet(audit)
        assert centre_side.upload_problem(audit, keys[0], sheet, APPLIED_ON) is None
        assert centre_side.upload_problem(audit, keys[0], sheet, date(2026, 5, 13)) is not None
        centre_side.add_document(audit, keys[0], filename="Anlage 2.pdf", data=PDF,
                                 actor=contact, max_bytes=10_000, today=APPLIED_ON)
        for key in keys:
            centre_side.review_document(audit, key, status="present", note="",
                                        actor=lead_auditor)
        db.session.commit()
        assert centre_side.upload_problem(audit, keys[0], centre_side.centre_sheet(audit),
                                          APPLIED_ON) is not None
        svc.complete_document_review(audit, actor=lead_auditor)
        db.session.commit()
        assert audit.status is AuditStatus.DOCUMENTS_REVIEWED

    def test_a_file_that_is_not_what_it_says_is_refused(self, opened):
        audit, contact = opened
        with pytest.raises(ValidationFailed):
            centre_side.add_document(audit, "gesellschaftsvertrag", filename="GV.pdf",
                                     data=b"MZ\x90\x00 not a pdf", actor=contact,
                                     max_bytes=10_000, today=APPLIED_ON)


class TestVisibility:
    def test_only_the_own_centre_the_team_and_leads_see_an_application(
            self, opened, make_user, make_centre):
        audit, contact = opened
        other = make_user("contact", centre=make_centre())
        auditor = next(m.user for m in audit.members)
        for user in (contact, auditor, make_user("lead"), make_user("admin")):
            assert access.visible_application(audit.id, user).id == audit.id
        for user in (other, make_user("auditor")):
            with pytest.raises(NotFound):
                access.visible_application(audit.id, user)


def test_the_centre_list_keeps_the_audit_before_an_application(app, catalog, make_user,
                                                               make_centre, make_audit):
    """An application has no result yet: the centre's row keeps its last audit."""
    from audit_app.services import centres

    centre = make_centre(name="BioInnovationsZentrum Düsseldorf")
    earlier = make_audit(centre)
    earlier.status = AuditStatus.DECIDED  # as good as decided: a renewal may be applied for
    db.session.commit()
    make_application(centre, kind=AuditKind.RENEWAL)
    rows = centres.overview(make_user("lead")).items
    assert next(r for r in rows if r.centre.id == centre.id).audit.id == earlier.id
