"""The conditions pages: the contact answers with a proof file, a lead accepts or rejects, bad
input changes nothing, the certificate page offers reinstating only when every condition is
closed; the renewal checklist shows the previous cycle and carries a file only when confirmed."""
from __future__ import annotations

import io
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from audit_app.extensions import db
from audit_app.models import Certificate, ConditionStatus
from audit_app.services import conditions as svc
from audit_app.workflow import Decision
from tests.conftest import csrf_token, fresh
from tests.factories import answer_condition, decide, full_answers

PDF = b"%PDF-1.4\n% Nachweis\n%%EOF\n"


@pytest.fixture
def awarded(make_user, make_centre, make_audit, catalog):
    centre = make_centre(name="Technologiezentrum Göttingen")
    contact = make_user("contact", centre=centre, email="kontakt@tz-goettingen.example")
    make_user("contact", centre=make_centre(name="Gründerzentrum Jena"),
              email="kontakt@gz-jena.example")
    lead = make_user("lead", email="leitung@zentren-test.de")
    audit = make_audit(centre, answers=full_answers(catalog, C4=0, F5=0))
    decide(audit, lead, decision=Decision.AWARD_WITH_CONDITIONS)
    conditions = {c.criterion_code: c.id for c in svc.for_audit(audit)}
    return SimpleNamespace(audit=audit, contact=contact, lead=lead, conditions=conditions)


def _condition(condition_id):
    fresh()
    return svc.load(condition_id)


def test_the_contact_answers_with_a_file_and_the_lead_accepts(client, auth, awarded):
    c4 = awarded.conditions["C4"]
    auth.login("kontakt@tz-goettingen.example")
    listing = client.get("/conditions/").get_data(as_text=True)
    assert "C4" in listing and "F5" in listing
    url = f"/conditions/{c4}"
    page = client.get(url).get_data(as_text=True)
    assert "Auflage beantworten" in page
    response = client.post(f"{url}/respond", data={
        "csrf_token": csrf_token(client, url), "cause": "Zuständigkeit war ungeklärt.",
        "measure": "Verantwortliche benannt.",
        "proofs": (io.BytesIO(PDF), "Nachweis_Maßnahme.pdf")},
        content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    condition = _condition(c4)
    assert condition.status is ConditionStatus.ANSWERED
    assert [p.original_name for p in condition.responses[0].proofs] == ["Nachweis_Maßnahme.pdf"]
    # The contact cannot check their own answer.
    assert client.post(f"{url}/accept", data={"csrf_token": csrf_token(client, url),
                                              "confirm": "y"}).status_code == 403
    auth.logout()

    auth.login("leitung@zentren-test.de")
    page = client.get(url).get_data(as_text=True)
    assert "Nachweis_Maßnahme.pdf" in page and "Antwort prüfen" in page
    response = client.post(f"{url}/accept", data={"csrf_token": csrf_token(client, url),
                                                  "confirm": "y", "note": "Wirksam."})
    assert response.status_code == 302
    assert _condition(c4).status is ConditionStatus.CLOSED
    timeline = client.get(f"/audits/{awarded.audit.id}").get_data(as_text=True)
    assert "Auflage als erfüllt angenommen" in timeline


def test_an_answer_on_a_closed_condition_is_refused_clearly(client, auth, awarded):
    c4 = awarded.conditions["C4"]
    condition = _condition(c4)
    answer_condition(condition, awarded.contact)
    svc.accept(condition, awarded.lead)
    db.session.commit()
    auth.login("kontakt@tz-goettingen.example")
    url = f"/conditions/{c4}"
    response = client.post(f"{url}/respond", data={
        "csrf_token": csrf_token(client, url), "cause": "Noch einmal", "measure": "Noch einmal"},
        follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "Diese Auflage ist erledigt" in html
    assert len(_condition(c4).responses) == 1


def test_a_contact_of_another_centre_sees_nothing(client, auth, awarded):
    auth.login("kontakt@gz-jena.example")
    assert client.get(f"/conditions/{awarded.conditions['C4']}").status_code in (403, 404)
    assert "C4" not in client.get("/conditions/").get_data(as_text=True)


def test_a_rejection_into_the_past_or_without_reason_changes_nothing(client, auth, awarded):
    f5 = awarded.conditions["F5"]
    answer_condition(_condition(f5), awarded.contact)
    auth.login("leitung@zentren-test.de")
    url = f"/conditions/{f5}"
    before = _condition(f5).deadline
    response = client.post(f"{url}/reject", data={
        "csrf_token": csrf_token(client, url), "reason": "Nachweis fehlt.",
        "new_deadline": "2001-01-31", "extension_reason": "Urlaub"})
    assert response.status_code == 422
    assert "kann nicht in der Vergangenheit liegen" in response.get_data(as_text=True)
    response = client.post(f"{url}/reject", data={
        "csrf_token": csrf_token(client, url), "reason": "Nachweis fehlt.",
        "new_deadline": (before.replace(year=before.year + 1)).isoformat()})
    assert response.status_code == 422  # an extension needs its reason
    condition = _condition(f5)
    assert condition.status is ConditionStatus.ANSWERED and condition.deadline == before
    response = client.post(f"{url}/reject", data={
        "csrf_token": csrf_token(client, url), "reason": "Nachweis fehlt."})
    assert response.status_code == 302
    condition = _condition(f5)
    assert condition.status is ConditionStatus.OPEN and condition.deadline == before


def test_a_post_without_csrf_token_is_refused(client, auth, awarded):
    auth.login("kontakt@tz-goettingen.example")
    response = client.post(f"/conditions/{awarded.conditions['C4']}/respond",
                           data={"cause": "x", "measure": "y"})
    assert response.status_code == 400
    assert _condition(awarded.conditions["C4"]).status is ConditionStatus.OPEN


def test_the_suspended_certificate_can_be_reinstated_once_every_condition_is_closed(
        app, client, auth, awarded, runner):
    from datetime import timedelta

    condition = _condition(awarded.conditions["C4"])
    day = condition.deadline + timedelta(days=app.config["CONDITION_GRACE_DAYS"] + 1)
    assert "Suspended 1" in runner.invoke(args=["conditions", "--today", day.isoformat()]).output
    fresh()
    certificate = db.session.scalar(
        sa.select(Certificate).where(Certificate.audit_id == awarded.audit.id))
    verify = client.get(f"/verify/{certificate.number}?lang=de").get_data(as_text=True)
    assert "ausgesetzt" in verify and "Auflage nicht fristgerecht erfüllt" in verify
    for code in ("C4", "F5"):
        c = _condition(awarded.conditions[code])
        answer_condition(c, db.session.get(type(awarded.contact), awarded.contact.id))
        svc.accept(c, db.session.get(type(awarded.lead), awarded.lead.id))
        db.session.commit()
    auth.login("leitung@zentren-test.de")
    from audit_app.services import certificates as certificate_service

    fresh()
    certificate = db.session.get(Certificate, certificate.id)
    certificate_service.change_status(certificate, "reinstate",
                                      db.session.get(type(awarded.lead), awarded.lead.id),
                                      "Alle Auflagen erfüllt")
    db.session.commit()
    verify = client.get(f"/verify/{certificate.number}?lang=de").get_data(as_text=True)
    assert "gültig" in verify and "Auflage nicht fristgerecht erfüllt" not in verify


def test_the_conditions_list_and_start_page_queries_do_not_grow(app, client, auth, make_user,
                                                               make_centre, make_audit, catalog):
    from tests.conftest import count_queries

    lead = make_user("lead", email="leitung@zentren-test.de")
    auth.login("leitung@zentren-test.de")

    def award():
        audit = make_audit(make_centre(), answers=full_answers(catalog, C4=0, F5=0))
        decide(audit, lead, decision=Decision.AWARD_WITH_CONDITIONS)

    def queries(url: str) -> int:
        with count_queries(db.engine) as statements:
            assert client.get(url).status_code == 200
        return len(statements)

    award()
    few = {url: queries(url) for url in ("/conditions/", "/")}
    for _ in range(3):
        award()
    assert {url: queries(url) for url in ("/conditions/", "/")} == few


def test_the_renewal_checklist_shows_the_previous_cycle_without_growing_queries(
        app, client, auth, make_user, make_centre, make_audit, catalog):
    from audit_app.services import audits as audit_service
    from audit_app.services import evidence as evidence_service
    from audit_app.workflow import AuditKind
    from tests.conftest import count_queries

    lead = make_user("lead")
    auditor = make_user("auditor", email="auditorin@zentren-test.de")

    def renewal_with_files(codes) -> int:
        centre = make_centre()
        old = make_audit(centre, lead=auditor, answers=full_answers(catalog, B2=2))
        for code in codes:
            evidence_service.add_evidence(
                old, audit_service.get_assessment(old, code), filename=f"Nachweis_{code}.pdf",
                data=PDF + code.encode(), actor=auditor, max_bytes=10_000)
        db.session.commit()
        decide(old, lead, decision=Decision.AWARD)
        return make_audit(centre, lead=auditor, kind=AuditKind.RENEWAL).id

    small = renewal_with_files(["A2"])
    large = renewal_with_files(["A2", "A3", "B2", "C1", "C2", "E1"])
    auth.login("auditorin@zentren-test.de")

    def queries(audit_id: int) -> tuple[int, str]:
        with count_queries(db.engine) as statements:
            response = client.get(f"/audits/{audit_id}/checklist")
            assert response.status_code == 200
        return len(statements), response.get_data(as_text=True)

    few, html = queries(small)
    assert "Voriger Zyklus" in html and "2 – umgesetzt" in html and "Nachweis_A2.pdf" in html
    many, html = queries(large)
    assert many == few and "Nachweis_E1.pdf" in html


def test_a_lead_plans_a_renewal_from_a_decided_audit_and_files_need_the_confirmation(
        client, auth, make_user, make_centre, make_audit, catalog):
    from audit_app.models import Audit, Evidence
    from audit_app.services import audits as audit_service
    from audit_app.services import evidence as evidence_service
    from audit_app.workflow import AuditKind

    lead = make_user("lead", email="leitung@zentren-test.de")
    auditor = make_user("auditor", email="auditorin@zentren-test.de")
    helper = make_user("auditor")
    centre = make_centre(name="Gründerzentrum Lüneburg")
    old = make_audit(centre, lead=auditor, answers=full_answers(catalog))
    previous_file = evidence_service.add_evidence(
        old, audit_service.get_assessment(old, "A2"), filename="Strategie_2026.pdf",
        data=PDF, actor=auditor, max_bytes=10_000)
    db.session.commit()
    decide(old, lead, decision=Decision.AWARD)

    auth.login("leitung@zentren-test.de")
    url = f"/audits/new?previous={old.id}"
    form = client.get(url).get_data(as_text=True)
    assert "Voriger Zyklus (Wiederholungsaudits)" in form and old.number in form
    response = client.post(url, data={
        "csrf_token": csrf_token(client, url), "centre_id": centre.id, "catalog_id": catalog.id,
        "kind": "renewal", "planned_on": "2031-05-04", "lead_auditor_id": auditor.id,
        "auditor_ids": [helper.id], "guest_id": 0, "previous_audit_id": old.id})
    assert response.status_code == 302, response.get_data(as_text=True)
    fresh()
    renewal = db.session.scalar(sa.select(Audit).where(Audit.kind == AuditKind.RENEWAL))
    assert renewal.previous_audit_id == old.id
    auth.logout()

    auth.login("auditorin@zentren-test.de")
    checklist = f"/audits/{renewal.id}/checklist"
    carry = f"/audits/{renewal.id}/checklist/A2/carry"
    response = client.post(carry, data={"csrf_token": csrf_token(client, checklist),
                                        "evidence_id": previous_file.id},
                           follow_redirects=True)
    assert "Bestätigen, dass die Datei noch gültig ist." in response.get_data(as_text=True)

    def carried() -> int:
        fresh()
        return db.session.scalar(sa.select(sa.func.count()).select_from(Evidence).where(
            Evidence.carried_from_id == previous_file.id))

    assert carried() == 0
    response = client.post(carry, data={"csrf_token": csrf_token(client, checklist),
                                        "evidence_id": previous_file.id, "still_valid": "y"})
    assert response.status_code == 302 and carried() == 1
