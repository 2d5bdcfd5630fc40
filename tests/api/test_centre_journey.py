"""The whole procedure from the centre's application to the certificate through the API
alone, with tokens only: apply, accept, answer, hand in, self-assess, submit, review the
documents, audit, decide."""
from __future__ import annotations

import io
from decimal import Decimal

from tests.factories import ANSWERS, PDF


def _upload(api, token, application_id, key, name):
    return api.request("POST", f"/applications/{application_id}/documents/{key}/files",
                       token=token, data={"file": (io.BytesIO(PDF), name)},
                       content_type="multipart/form-data")


def test_from_application_to_certificate_through_the_api(api, make_user, make_token,
                                                        make_centre, catalog):
    centre = make_centre(name="Technologiezentrum Göttingen", tenant_count=61)
    contact_user = make_user("contact", name="Jörg Weiß", centre=centre)
    contact = make_token(contact_user, "Zentrumsleitung")
    stranger = make_token(make_user("contact", centre=make_centre()), "Fremdes Zentrum")
    lead = make_token(make_user("lead", name="Jürgen Müller-Strauß"), "Arbeitskreis")
    katrin_user = make_user("auditor", name="Katrin Weiß")
    thomas_user = make_user("auditor", name="Thomas Groß")
    katrin = make_token(katrin_user, "Tablet Katrin")

    # the centre applies; the lead sees it and accepts it by planning the audit
    applied = api.post("/applications", token=contact, json={
        "centre_id": centre.id, "kind": "initial", "preferred_from": "2099-04-12",
        "preferred_until": "2099-06-30", "message": "Bitte um das Erstaudit „AIZ“."})
    assert applied.status_code == 201, applied.get_json()
    application_id = applied.get_json()["id"]
    assert applied.get_json()["status"] == "applied"
    assert api.get(f"/applications/{application_id}", token=stranger).status_code == 404
    waiting = api.get("/applications", token=lead).get_json()["items"]
    assert [a["id"] for a in waiting] == [application_id]
    accepted = api.post(f"/applications/{application_id}/accept", token=lead, json={
        "planned_on": "2099-04-20", "visit_on": "2099-05-12",
        "lead_auditor_id": katrin_user.id, "auditor_ids": [thomas_user.id]})
    assert accepted.status_code == 200, accepted.get_json()
    assert accepted.get_json()["status"] == "questionnaire_open"

    # the contact answers every question (one stale version: 409 with the stored answer)
    detail = api.get(f"/applications/{application_id}", token=contact).get_json()
    versions = {a["key"]: a["version"] for a in detail["answers"]}
    for key, raw in ANSWERS.items():
        if key in versions:
            saved = api.put(f"/applications/{application_id}/answers/{key}", token=contact,
                            json={"value": raw or None, "version": versions[key]})
            assert saved.status_code == 200, (key, saved.get_json())
    stale = api.put(f"/applications/{application_id}/answers/gruenderflaeche", token=contact,
                    json={"value": 9999, "version": versions["gruenderflaeche"]})
    assert stale.status_code == 409 and stale.get_json()["current"]["value"] == "3200.00"
    bad = api.put(f"/applications/{application_id}/answers/auslastung", token=contact,
                  json={"value": 140, "version": versions["auslastung"] + 1})
    assert bad.status_code == 422, bad.get_json()
    assert "zwischen 0 und 100" in str(bad.get_json()), bad.get_json()

    # hands in a file for what is still missing, and scores itself
    state = api.get(f"/applications/{application_id}", token=contact).get_json()
    for key in [*state["questionnaire"]["missing"], *state["questionnaire"]["missing_documents"]]:
        stored = _upload(api, contact, application_id, key, f"{key} 2026.pdf")
        assert stored.status_code == 201, (key, stored.get_json())
    selfs = {s["code"]: s["version"] for s in state["self_assessment"]}
    for code, body in {"A2": {"points": 3}, "C4": {"points": 1},
                       "B1": {"value": 3200}}.items():
        scored = api.put(f"/applications/{application_id}/self-assessment/{code}",
                         token=contact, json={**body, "version": selfs[code],
                                              "comment": "Eigene Einschätzung"})
        assert scored.status_code == 200, (code, scored.get_json())
    submitted = api.post(f"/applications/{application_id}/submit", token=contact)
    assert submitted.status_code == 200, submitted.get_json()
    assert submitted.get_json()["status"] == "questionnaire_submitted"
    closed = api.put(f"/applications/{application_id}/answers/anzahl_mieter", token=contact,
                     json={"value": 80, "version": 2})
    assert closed.status_code == 409 and "not_editable" in str(closed.get_json())
    # the centre's key figures now come from the questionnaire
    assert api.get(f"/centres/{centre.id}", token=lead).get_json()["tenant_count"] == 74

    # the team reviews the documents: one incomplete, the centre hands in a replacement
    documents = submitted.get_json()["documents"]
    first = documents[0]["key"]
    marked = api.put(f"/applications/{application_id}/documents/{first}/review", token=katrin,
                     json={"status": "incomplete", "note": "Die Anlage 2 fehlt."})
    assert marked.status_code == 200 and marked.get_json()["review"]["status"] == "incomplete"
    early = api.post(f"/applications/{application_id}/complete-document-review", token=katrin)
    assert early.status_code == 422
    # the replacement as the body itself with ?name= (the API's other upload form)
    replaced = api.post(f"/applications/{application_id}/documents/{first}/files"
                        "?name=Anlage%202%20%C3%9Cbersicht.pdf", token=contact, data=PDF,
                        content_type="application/octet-stream")
    assert replaced.status_code == 201, replaced.get_json()
    assert replaced.get_json()["name"] == "Anlage 2 Übersicht.pdf", replaced.get_json()
    nameless = api.post(f"/applications/{application_id}/documents/{first}/files",
                        token=contact, data=PDF, content_type="application/octet-stream")
    assert nameless.status_code == 422 and "name" in nameless.get_json()["error"]["fields"]
    for document in documents:
        assert api.put(f"/applications/{application_id}/documents/{document['key']}/review",
                       token=katrin, json={"status": "present"}).status_code == 200
    reviewed = api.post(f"/applications/{application_id}/complete-document-review",
                        token=katrin)
    assert reviewed.status_code == 200 and reviewed.get_json()["status"] == "documents_reviewed"

    # the audit itself: start, score every criterion, submit, review, decide
    assert api.post(f"/audits/{application_id}/transitions", token=katrin,
                    json={"action": "start"}).status_code == 200
    catalogs = api.get("/catalogs", token=katrin).get_json()["items"]
    key, version = catalogs[0]["key"], catalogs[0]["version"]
    definition = api.get(f"/catalogs/{key}/{version}", token=katrin).get_json()
    versions = {a["code"]: a["version"] for a in
                api.get(f"/audits/{application_id}", token=katrin).get_json()["assessments"]}
    for category in definition["categories"]:
        for criterion in category["criteria"]:
            body = ({"value": float(Decimal(criterion["bands"][-1]["start"]))}
                    if criterion["type"] == "number" else {"points": 3})
            saved = api.put(f"/audits/{application_id}/assessments/{criterion['code']}",
                            token=katrin, json={**body, "version": versions[criterion["code"]]})
            assert saved.status_code == 200, saved.get_json()
    assert api.post(f"/audits/{application_id}/transitions", token=katrin,
                    json={"action": "submit"}).status_code == 200
    assert api.post(f"/audits/{application_id}/transitions", token=lead,
                    json={"action": "begin_review"}).status_code == 200
    assert api.post(f"/audits/{application_id}/reviews/agree-remaining",
                    token=lead).status_code == 200
    decided = api.post(f"/audits/{application_id}/transitions", token=lead,
                       json={"action": "decide", "decision": "award", "note": "Glückwunsch"})
    assert decided.status_code == 200 and decided.get_json()["status"] == "decided"
    certificates = api.get(f"/centres/{centre.id}", token=contact).get_json()["certificates"]
    assert len(certificates) == 1
    final = api.get(f"/applications/{application_id}", token=contact).get_json()
    assert final["status"] == "decided"
    assert {s["code"] for s in final["self_assessment"] if s["answered"]} == {"A2", "B1", "C4"}
