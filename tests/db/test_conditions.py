"""Conditions (Auflagen) on both databases: set at the decision, answered, checked, followed to
their deadline by the daily command. ``today`` is always an argument: every deadline is tested
on the day before, the day itself and the grace boundary."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from audit_app.extensions import db
from audit_app.models import (
    Certificate,
    CertificateStatus,
    ConditionState,
    ConditionStatus,
    Event,
)
from audit_app.services import certificates as certificate_service
from audit_app.services import conditions as svc
from audit_app.services.errors import ValidationFailed
from audit_app.workflow import Decision
from tests.conftest import fresh
from tests.factories import answer_condition, decide, full_answers
from tests.smtp_sink import smtp_sink

#: The decision: 2 November 2026 (Berlin); AIZ 2026 gives conditions three months.
DECIDED = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
DEADLINE = date(2027, 2, 2)
GRACE = 14
DAY = timedelta(days=1)


@pytest.fixture
def awarded(app, make_user, make_centre, make_audit, catalog):
    """An award with conditions for C4 and F5; the centre has a contact and a contact e-mail."""
    app.config["CONDITION_GRACE_DAYS"] = GRACE
    centre = make_centre(name="Technologiezentrum Göttingen",
                         contact_email="Info@TZ-Goettingen.example")
    contact = make_user("contact", centre=centre, email="kontakt@tz-goettingen.example")
    lead = make_user("lead", email="leitung@zentren-test.de")
    audit = make_audit(centre, answers=full_answers(catalog, C4=0, F5=0))
    decide(audit, lead, decision=Decision.AWARD_WITH_CONDITIONS, now=DECIDED)
    conditions = {c.criterion_code: c for c in svc.for_audit(audit)}
    certificate = db.session.scalars(
        sa.select(Certificate).where(Certificate.audit_id == audit.id)).one()
    return SimpleNamespace(centre=centre, contact=contact, lead=lead, audit=audit,
                           conditions=conditions, certificate=certificate)


BERLIN = ZoneInfo("Europe/Berlin")


def _events(action: str) -> list[Event]:
    return list(db.session.scalars(sa.select(Event).where(Event.action == action)
                                   .order_by(Event.id)))


def _status(certificate) -> CertificateStatus:
    fresh()
    return db.session.get(Certificate, certificate.id).status


def test_each_minor_finding_becomes_a_condition_with_the_catalogue_deadline(awarded):
    assert sorted(awarded.conditions) == ["C4", "F5"]
    for condition in awarded.conditions.values():
        assert condition.deadline == condition.original_deadline == DEADLINE
        assert condition.status is ConditionStatus.OPEN
        assert condition.certificate_id == awarded.certificate.id
        assert condition.centre_id == awarded.centre.id
        assert condition.text_de
    set_events = _events("condition_set")
    assert [e.audit_id for e in set_events] == [awarded.audit.id] * 2


def test_overdue_from_the_day_after_the_deadline(awarded):
    c4 = awarded.conditions["C4"]
    assert svc.state_of(c4, DEADLINE - DAY) is ConditionState.OPEN
    assert svc.state_of(c4, DEADLINE) is ConditionState.OPEN
    assert svc.state_of(c4, DEADLINE + DAY) is ConditionState.OVERDUE
    assert svc.days_overdue(c4, DEADLINE) == 0 and svc.days_overdue(c4, DEADLINE + DAY) == 1
    # The grace boundary: on deadline + grace still not suspended, the day after it is.
    assert not svc.suspension_due(c4, DEADLINE + GRACE * DAY, GRACE)
    assert svc.suspension_due(c4, DEADLINE + (GRACE + 1) * DAY, GRACE)
    assert svc.due_suspensions(DEADLINE + GRACE * DAY, GRACE) == []
    assert len(svc.due_suspensions(DEADLINE + (GRACE + 1) * DAY, GRACE)) == 1


def test_the_daily_command_suspends_after_the_grace_period_once(app, awarded, runner):
    on_boundary = (DEADLINE + GRACE * DAY).isoformat()
    result = runner.invoke(args=["conditions", "--today", on_boundary])
    assert result.exit_code == 0 and "suspend" not in result.output, result.output
    assert _status(awarded.certificate) is CertificateStatus.VALID

    day = (DEADLINE + (GRACE + 1) * DAY).isoformat()
    dry = runner.invoke(args=["conditions", "--today", day, "--dry-run"])
    assert f"suspend\t{awarded.certificate.number}" in dry.output and "Dry run" in dry.output
    assert _status(awarded.certificate) is CertificateStatus.VALID

    result = runner.invoke(args=["conditions", "--today", day])
    assert result.exit_code == 0 and "Suspended 1 certificate(s)." in result.output, result.output
    fresh()
    certificate = db.session.get(Certificate, awarded.certificate.id)
    assert certificate.status is CertificateStatus.SUSPENDED
    assert certificate.status_reason == "Auflage nicht fristgerecht erfüllt"
    # Twice on the same day: nothing changes the second time.
    again = runner.invoke(args=["conditions", "--today", day])
    assert again.exit_code == 0 and f"Nothing is due on {day}." in again.output, again.output
    assert len(_events("certificate_suspend")) == 1
    # The event carries the day acted for (a run catching up on a missed day), not the clock.
    assert _events("certificate_suspend")[0].occurred_at.astimezone(BERLIN).date().isoformat() == day

    info = certificate_service.verification(certificate.number, date.fromisoformat(day))
    with app.test_request_context("/?lang=de"):
        record = certificate_service.verification_record(info)
    assert record["status"] == "suspended"
    assert record["status_reason"] == "Auflage nicht fristgerecht erfüllt"
    from flask_babel import refresh

    refresh()  # the German record above cached its language in this test's app context
    english = app.test_client().get(f"/verify/{certificate.number}.json?lang=en").get_json()
    assert english["status"] == "suspended"
    assert english["status_reason"] == "Condition not fulfilled in time"
    registered = [e["number"] for _, entries in certificate_service.register(
        date.fromisoformat(day)) for e in entries]
    assert certificate.number not in registered


def test_an_answer_in_time_keeps_the_certificate_even_past_the_deadline(awarded, runner):
    for condition in awarded.conditions.values():
        answer_condition(condition, awarded.contact)
    day = (DEADLINE + (GRACE + 5) * DAY).isoformat()
    result = runner.invoke(args=["conditions", "--today", day])
    assert "Nothing is due" in result.output, result.output
    assert _status(awarded.certificate) is CertificateStatus.VALID


def test_reminders_30_and_7_days_before_each_once(app, awarded, runner):
    def run(day: date) -> str:
        result = runner.invoke(args=["conditions", "--today", day.isoformat()])
        assert result.exit_code == 0, result.output
        return result.output

    with smtp_sink() as server:
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port)
        assert "Nothing is due" in run(DEADLINE - 31 * DAY)
        dry = runner.invoke(args=["conditions", "--today", (DEADLINE - 30 * DAY).isoformat(),
                                  "--dry-run"]).output
        assert "stage 30" in dry and "Dry run" in dry and server.messages == []
        assert "Sent 2 reminder(s)." in run(DEADLINE - 30 * DAY)
        assert "Nothing is due" in run(DEADLINE - 30 * DAY)  # the same day again
        assert "Nothing is due" in run(DEADLINE - 8 * DAY)
        assert "Sent 2 reminder(s)." in run(DEADLINE - 7 * DAY)
        assert "Nothing is due" in run(DEADLINE - 6 * DAY)
        assert "Nothing is due" in run(DEADLINE)
    assert len(server.messages) == 4
    assert sorted(server.messages[0]["to"]) == ["info@tz-goettingen.example",
                                                 "kontakt@tz-goettingen.example"]
    assert "02.02.2027" in server.messages[0]["data"]
    fresh()
    assert sorted(e.note for e in _events("condition_reminder_sent")) == ["30", "30", "7", "7"]


def test_answer_accept_and_no_more_answers_on_a_closed_condition(awarded):
    c4 = awarded.conditions["C4"]
    answer_condition(c4, awarded.contact)
    assert c4.status is ConditionStatus.ANSWERED
    assert len(c4.responses[0].proofs) == 1
    svc.accept(c4, awarded.lead, note="Ablauf geprüft.")
    db.session.commit()
    assert c4.status is ConditionStatus.CLOSED and c4.closed_at is not None
    with pytest.raises(svc.ConditionRefused):
        svc.respond(c4, awarded.contact, cause="x", measure="y", max_bytes=1000)
    with pytest.raises(svc.ConditionRefused):
        svc.add_proof(c4, awarded.contact, svc.ProofUpload("n.pdf", b"%PDF-1.4\n%%EOF\n"),
                      max_bytes=1000)
    with pytest.raises(svc.ConditionRefused):
        svc.accept(c4, awarded.lead)
    actions = [e.action for e in db.session.scalars(
        sa.select(Event).where(Event.audit_id == awarded.audit.id, Event.subject_type == "condition",
                               Event.subject_id == c4.id).order_by(Event.id))]
    assert actions == ["condition_set", "condition_responded", "condition_accepted"]


def test_an_answer_needs_cause_and_measure_and_a_refused_file_stores_nothing(awarded):
    c4 = awarded.conditions["C4"]
    with pytest.raises(ValidationFailed) as exc:
        svc.respond(c4, awarded.contact, cause=" ", measure="", max_bytes=1000)
    assert set(exc.value.fields) == {"cause", "measure"}
    with pytest.raises(ValidationFailed) as exc:
        svc.respond(c4, awarded.contact, cause="Ursache", measure="Maßnahme",
                    proofs=[svc.ProofUpload("script.exe", b"MZ\x90\x00 not a document")],
                    max_bytes=1000)
    db.session.rollback()
    fresh()
    condition = svc.load(c4.id)
    assert condition.status is ConditionStatus.OPEN and condition.responses == []


def test_rejecting_keeps_or_extends_the_deadline_never_into_the_past(awarded):
    c4 = awarded.conditions["C4"]
    today = DEADLINE - 10 * DAY
    answer_condition(c4, awarded.contact)
    with pytest.raises(ValidationFailed) as exc:  # an extension needs a reason
        svc.reject(c4, awarded.lead, reason="Nachweis fehlt.", today=today,
                   new_deadline=DEADLINE + 30 * DAY)
    assert "extension_reason" in exc.value.fields
    with pytest.raises(ValidationFailed) as exc:  # never into the past
        svc.reject(c4, awarded.lead, reason="Nachweis fehlt.", today=today,
                   new_deadline=today - DAY, extension_reason="Urlaubszeit")
    assert "new_deadline" in exc.value.fields
    with pytest.raises(ValidationFailed) as exc:  # a reason for the rejection is required
        svc.reject(c4, awarded.lead, reason="", today=today)
    assert "reason" in exc.value.fields
    db.session.rollback()
    fresh()
    c4 = svc.load(c4.id)
    assert c4.status is ConditionStatus.ANSWERED and c4.deadline == DEADLINE

    svc.reject(c4, awarded.lead, reason="Nachweis fehlt.", today=today,
               new_deadline=DEADLINE + 30 * DAY, extension_reason="Gremium tagt erst im März.")
    db.session.commit()
    assert c4.status is ConditionStatus.OPEN
    assert c4.deadline == DEADLINE + 30 * DAY and c4.original_deadline == DEADLINE
    extended = _events("condition_extended")
    assert len(extended) == 1 and extended[0].note == "Gremium tagt erst im März."
    # Unchanged deadline: open again with the same deadline.
    f5 = awarded.conditions["F5"]
    answer_condition(f5, awarded.contact)
    svc.reject(f5, awarded.lead, reason="Maßnahme greift nicht.", today=today)
    db.session.commit()
    assert f5.status is ConditionStatus.OPEN and f5.deadline == DEADLINE


def test_closing_the_last_condition_lets_a_lead_reinstate(app, awarded, runner):
    day = DEADLINE + (GRACE + 1) * DAY
    runner.invoke(args=["conditions", "--today", day.isoformat()])
    fresh()
    certificate = db.session.get(Certificate, awarded.certificate.id)
    lead = db.session.get(type(awarded.lead), awarded.lead.id)
    assert certificate.status is CertificateStatus.SUSPENDED
    with pytest.raises(certificate_service.StatusChangeRefused):
        certificate_service.change_status(certificate, "reinstate", lead, "Auflagen erfüllt")
    db.session.rollback()
    for code in ("C4", "F5"):
        condition = svc.load(awarded.conditions[code].id)
        answer_condition(condition, db.session.get(type(lead), awarded.contact.id))
        svc.accept(condition, lead)
        db.session.commit()
        certificate = db.session.get(Certificate, awarded.certificate.id)
        assert svc.reinstate_blocked(certificate) is (code == "C4")
    certificate_service.change_status(certificate, "reinstate", lead, "Auflagen erfüllt")
    db.session.commit()
    assert _status(awarded.certificate) is CertificateStatus.VALID
    info = certificate_service.verification(certificate.number, day)
    with app.test_request_context("/?lang=de"):
        assert "status_reason" not in certificate_service.verification_record(info)


def test_the_lead_overview_lists_overdue_answered_and_open(awarded):
    answer_condition(awarded.conditions["F5"], awarded.contact)
    overview = svc.overview(DEADLINE + DAY)
    assert [c.criterion_code for c in overview.overdue] == ["C4"]
    assert [c.criterion_code for c in overview.answered] == ["F5"]
    assert overview.counts == {"overdue": 1, "answered": 1, "open": 0} and overview.total == 2
    on_deadline = svc.overview(DEADLINE)
    assert [c.criterion_code for c in on_deadline.open] == ["C4"] and on_deadline.overdue == []
