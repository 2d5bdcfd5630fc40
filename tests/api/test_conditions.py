"""Conditions and renewals through the API with tokens only (responses checked against the
OpenAPI description by the ``api`` client)."""
from __future__ import annotations

import io
from datetime import date

import pytest

from audit_app.extensions import db
from audit_app.services import audits as audit_service
from audit_app.services import conditions as condition_service
from audit_app.services import evidence as evidence_service
from audit_app.services.catalogs import import_file
from audit_app.workflow import Decision
from tests.conftest import CRITERIA
from tests.factories import decide, full_answers

PDF = b"%PDF-1.4\n% Nachweis\n%%EOF\n"


@pytest.fixture
def awarded(people, make_user, make_token, make_centre, make_audit, catalog):
    centre = make_centre(name="Technologiezentrum Göttingen")
    contact = make_user("contact", centre=centre)
    other = make_user("contact", centre=make_centre(name="Gründerzentrum Jena"))
    lead, lead_token = people["lead"]
    auditor, auditor_token = people["auditor"]
    audit = make_audit(centre, lead=auditor, auditors=[people["helper"][0]],
                       answers=full_answers(catalog, C4=0, F5=0))
    evidence_service.add_evidence(
        audit, audit_service.get_assessment(audit, "F5"), filename="Wirkungsbericht.pdf",
        data=PDF, actor=auditor, max_bytes=10_000, valid_until=date(2030, 12, 31))
    db.session.commit()
    decide(audit, lead, decision=Decision.AWARD_WITH_CONDITIONS)
    conditions = {c.criterion_code: c.id for c in condition_service.for_audit(audit)}
    return {"audit": audit, "conditions": conditions, "contact": make_token(contact),
            "other": make_token(other), "lead": lead_token, "auditor": auditor_token,
            "auditor_id": auditor.id, "helper_id": people["helper"][0].id}


def test_conditions_respond_prove_accept_and_refuse_when_closed(api, awarded):
    contact, lead = awarded["contact"], awarded["lead"]
    listing = api.get("/conditions", token=contact).get_json()
    assert sorted(c["criterion"] for c in listing["items"]) == ["C4", "F5"]
    assert api.get("/conditions", token=awarded["other"]).get_json()["total"] == 0
    c4 = awarded["conditions"]["C4"]
    assert api.get(f"/conditions/{c4}", token=awarded["other"]).status_code == 404

    # A proof before the answer is refused; then the answer, then the proof.
    assert api.post(f"/conditions/{c4}/proofs?name=Nachweis.pdf", token=contact, data=PDF,
                    content_type="application/pdf").status_code == 409
    response = api.post(f"/conditions/{c4}/responses", token=contact,
                        json={"cause": "Zuständigkeit ungeklärt.", "measure": "Benannt."})
    assert response.status_code == 201 and response.get_json()["status"] == "answered"
    response = api.post(f"/conditions/{c4}/proofs?name=Nachweis.pdf", token=contact, data=PDF,
                        content_type="application/pdf")
    assert response.status_code == 201
    assert [p["name"] for p in response.get_json()["answers"][0]["proofs"]] == ["Nachweis.pdf"]
    # the same as a multipart part named "file" (the API's other upload form)
    response = api.request("POST", f"/conditions/{c4}/proofs", token=contact,
                           data={"file": (io.BytesIO(PDF), "Übergabeprotokoll.pdf")},
                           content_type="multipart/form-data")
    assert response.status_code == 201, response.get_json()
    assert [p["name"] for p in response.get_json()["answers"][0]["proofs"]] == [
        "Nachweis.pdf", "Übergabeprotokoll.pdf"]
    empty = api.request("POST", f"/conditions/{c4}/proofs", token=contact,
                        data={"other": "x"}, content_type="multipart/form-data")
    assert empty.status_code == 422 and "file" in empty.get_json()["error"]["fields"]
    # Only a lead (or the lead auditor) checks.
    assert api.post(f"/conditions/{c4}/accept", token=contact, json={}).status_code == 403
    response = api.post(f"/conditions/{c4}/accept", token=lead, json={"note": "Wirksam."})
    assert response.status_code == 200 and response.get_json()["status"] == "closed"
    refused = api.post(f"/conditions/{c4}/responses", token=contact,
                       json={"cause": "Noch einmal", "measure": "Noch einmal"})
    assert refused.status_code == 409
    assert refused.get_json()["error"]["code"] == "condition_refused"


def test_reject_with_bad_deadlines_changes_nothing(api, awarded):
    contact, lead = awarded["contact"], awarded["lead"]
    f5 = awarded["conditions"]["F5"]
    api.post(f"/conditions/{f5}/responses", token=contact,
             json={"cause": "Keine Auswertung.", "measure": "Bericht beauftragt."})
    before = api.get(f"/conditions/{f5}", token=lead).get_json()
    past = api.post(f"/conditions/{f5}/reject", token=lead, json={
        "reason": "Bericht fehlt.", "new_deadline": "2001-01-31", "extension_reason": "x"})
    assert past.status_code == 422 and "new_deadline" in past.get_json()["error"]["fields"]
    no_reason = api.post(f"/conditions/{f5}/reject", token=lead, json={
        "reason": "Bericht fehlt.", "new_deadline": "2099-01-31"})
    assert no_reason.status_code == 422
    assert "extension_reason" in no_reason.get_json()["error"]["fields"]
    assert api.post(f"/conditions/{f5}/reject", token=lead, json={}).status_code == 422
    assert api.get(f"/conditions/{f5}", token=lead).get_json() == before
    extended = api.post(f"/conditions/{f5}/reject", token=lead, json={
        "reason": "Bericht fehlt.", "new_deadline": "2099-01-31",
        "extension_reason": "Beirat tagt erst im Frühjahr."}).get_json()
    assert extended["status"] == "open" and extended["deadline"] == "2099-01-31"


def test_plan_a_renewal_with_previous_values_and_carry_a_file(api, awarded):
    import_file(CRITERIA / "aiz-2027.yaml", activate=True)
    db.session.commit()
    audit_id = awarded["audit"].id
    response = api.post(f"/audits/{audit_id}/renewals", token=awarded["lead"], json={
        "catalog_key": "aiz", "catalog_version": "2027", "planned_on": "2031-05-04",
        "lead_auditor_id": awarded["auditor_id"], "auditor_ids": [awarded["helper_id"]]})
    assert response.status_code == 201, response.get_json()
    renewal = response.get_json()
    assert renewal["kind"] == "renewal" and renewal["previous_audit"]["id"] == audit_id
    previous = {p["code"]: p for p in renewal["previous"]}
    assert previous["G7"]["kind"] == "renamed"
    assert previous["G7"]["values"][0]["code"] == "F5"
    assert previous["G7"]["values"][0]["points"] == 0
    assert previous["C8"]["kind"] == "new" and previous["C8"]["values"] == []
    file_id = previous["G7"]["values"][0]["evidence"][0]["id"]
    url = f"/audits/{renewal['id']}/assessments/G7/carried-evidence"
    unconfirmed = api.post(url, token=awarded["auditor"],
                           json={"evidence_id": file_id, "still_valid": False})
    assert unconfirmed.status_code == 422
    carried = api.post(url, token=awarded["auditor"],
                       json={"evidence_id": file_id, "still_valid": True})
    assert carried.status_code == 201 and carried.get_json()["carried_from_id"] == file_id
    # Renewing an audit that is not decided is refused.
    refused = api.post(f"/audits/{renewal['id']}/renewals", token=awarded["lead"], json={
        "catalog_key": "aiz", "catalog_version": "2027", "planned_on": "2031-05-04",
        "lead_auditor_id": awarded["auditor_id"], "auditor_ids": [awarded["helper_id"]]})
    assert refused.status_code == 409
