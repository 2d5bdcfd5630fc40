"""Every endpoint: success and each documented error (responses checked against the spec)."""
from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from audit_app.extensions import db
from audit_app.models import Centre, Certificate, Event
from audit_app.services import audits as svc
from audit_app.workflow import Action, Decision
from tests.conftest import fresh, full_answers

# --- catalogues, people -------------------------------------------------------------------


def test_catalogs_list_and_detail(api, people, catalog):
    _u, token = people["auditor"]
    body = api.get("/catalogs", token=token).get_json()
    assert body["total"] == 1
    entry = body["items"][0]
    assert entry["status"] == "active"
    detail = api.get(f"/catalogs/{entry['key']}/{entry['version']}", token=token).get_json()
    criteria = [c for cat in detail["categories"] for c in cat["criteria"]]
    assert len(criteria) == 40
    b1 = next(c for c in criteria if c["code"] == "B1")
    assert b1["type"] == "number" and b1["knockout"] and b1["unit"] == "m²"
    assert [b["points"] for b in b1["bands"]] == [0, 2, 3]
    assert detail["rules"]["overall_minimum"] in ("65", "65.0", "65.00")
    assert [b["label_de"] for b in detail["bands"]] == ["hervorragend", "sehr gut", "erfüllt"]
    assert sum(cat["weight"] for cat in detail["categories"]) == 100
    assert api.get("/catalogs/aiz/0000", token=token).status_code == 404


def test_users_for_leads_and_admins_with_role_filter(api, people):
    _u, lead_token = people["lead"]
    _u, auditor_token = people["auditor"]
    body = api.get("/users?role=auditor", token=lead_token).get_json()
    assert body["total"] == 3 and all("auditor" in u["roles"] for u in body["items"])
    assert "email" in body["items"][0]
    assert api.get("/users", token=people["admin"][1]).status_code == 200
    assert api.get("/users", token=auditor_token).status_code == 403
    assert api.get("/users?role=kaiser", token=lead_token).status_code == 422


# --- centres -----------------------------------------------------------------------------


def test_centres_search_and_filters(api, people, make_centre):
    make_centre(name="Technologiezentrum Göttingen", city="Göttingen", federal_state="NI")
    make_centre(name="Gründerzentrum Jena", city="Jena", federal_state="TH")
    _u, token = people["lead"]
    assert api.get("/centres", token=token).get_json()["total"] == 2
    found = api.get("/centres?q=GÖTTINGEN", token=token).get_json()
    assert [c["name"] for c in found["items"]] == ["Technologiezentrum Göttingen"]
    assert api.get("/centres?state=TH", token=token).get_json()["total"] == 1
    assert api.get("/centres?label_status=never", token=token).get_json()["total"] == 2
    assert api.get("/centres?label_status=valid", token=token).get_json()["total"] == 0
    assert api.get("/centres?state=XX", token=token).status_code == 422
    assert api.get("/centres?label_status=toll", token=token).status_code == 422
    # An auditor sees only centres of their audits.
    assert api.get("/centres", token=people["auditor"][1]).get_json()["total"] == 0


def test_create_centre_with_the_form_rules(api, people):
    _u, token = people["lead"]
    response = api.post("/centres", token=token, json={
        "name": "Innovationszentrum Lübeck", "city": "Lübeck", "federal_state": "Schleswig-Holstein",
        "postcode": "23562", "space_m2": "8.400", "occupancy_percent": "87,5",
        "member_since": "01.03.1992", "founded_year": 1991, "active": True,
    })
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["federal_state"] == "SH" and body["space_m2"] == 8400
    assert body["occupancy_percent"] == "87.5" and body["member_since"] == "1992-03-01"
    assert response.headers["Location"].endswith(f"/api/v1/centres/{body['id']}")

    response = api.post("/centres", token=token, json={
        "name": "Innovationszentrum LÜBECK", "city": "", "federal_state": "Atlantis",
        "postcode": "123", "occupancy_percent": 120})
    assert response.status_code == 422
    fields = response.get_json()["error"]["fields"]
    assert set(fields) >= {"name", "city", "federal_state", "postcode", "occupancy_percent"}
    assert "Lübeck" in fields["name"]  # the duplicate's name
    assert api.post("/centres", token=token, json={"city": "Jena"}).status_code == 422
    assert api.post("/centres", token=token, json={"name": ["Liste"]}).status_code == 422
    assert api.post("/centres", token=people["auditor"][1],
                    json={"name": "X", "city": "Y", "federal_state": "BY"}).status_code == 403


def test_centre_detail_and_patch(api, people, make_centre, make_user, make_token):
    centre = make_centre(name="Technologiezentrum Göttingen")
    other = make_centre(name="Gründerzentrum Jena", city="Jena", federal_state="TH")
    _u, token = people["lead"]
    body = api.get(f"/centres/{centre.id}", token=token).get_json()
    assert body["name"] == "Technologiezentrum Göttingen" and body["label_status"] == "never"
    assert body["audits"] == [] and body["certificates"] == []

    response = api.patch(f"/centres/{centre.id}", token=token,
                         json={"tenant_count": 80, "contact_name": "Jürgen Müller-Strauß"})
    assert response.status_code == 200
    assert response.get_json()["tenant_count"] == 80
    fresh()
    assert db.session.get(Centre, centre.id).contact_name == "Jürgen Müller-Strauß"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Event)
                             .where(Event.action == "centre_updated")) == 1

    response = api.patch(f"/centres/{centre.id}", token=token, json={"name": other.name})
    assert response.status_code == 422 and "name" in response.get_json()["error"]["fields"]
    assert api.patch(f"/centres/{centre.id}", token=token, data="[]").status_code == 400

    contact = make_user("contact", centre=centre)
    contact_token = make_token(contact)
    assert api.get(f"/centres/{centre.id}", token=contact_token).status_code == 200
    assert api.patch(f"/centres/{centre.id}", token=contact_token,
                     json={"tenant_count": 1}).status_code == 403
    assert api.get(f"/centres/{other.id}", token=contact_token).status_code == 404
    assert api.patch(f"/centres/{other.id}", token=contact_token,
                     json={"tenant_count": 1}).status_code == 404
    assert api.get("/centres/2147483647", token=token).status_code == 404


# --- audits ------------------------------------------------------------------------------


def _plan_body(catalog, centre, lead, auditors, **extra):
    return {"centre_id": centre.id, "catalog_key": catalog.key, "catalog_version": catalog.version,
            "kind": "initial", "planned_on": "2026-11-02", "lead_auditor_id": lead.id,
            "auditor_ids": [a.id for a in auditors], **extra}


def test_plan_audit(api, people, catalog, make_centre, make_user):
    centre = make_centre()
    lead, helper = people["auditor"][0], people["helper"][0]
    _u, token = people["lead"]
    response = api.post("/audits", token=token,
                        json=_plan_body(catalog, centre, lead, [helper], visit_on="2026-11-20"))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["status"] == "planned" and body["visit_on"] == "2026-11-20"
    assert [m["team_role"] for m in body["team"]] == ["lead_auditor", "auditor"]
    assert len(body["assessments"]) == 40
    assert all(a["version"] == 1 for a in body["assessments"])
    assert body["score"]["outcome"] == "incomplete"

    # the same team rules as the form
    contact = make_user("contact", centre=centre)
    for bad, field in (
        (_plan_body(catalog, centre, lead, []), "auditor_ids"),
        (_plan_body(catalog, centre, lead, [lead]), "auditor_ids"),
        (_plan_body(catalog, centre, lead, [contact]), "auditor_ids"),
        ({**_plan_body(catalog, centre, lead, [helper]), "centre_id": 999999}, "centre_id"),
        ({**_plan_body(catalog, centre, lead, [helper]), "catalog_version": "1999"}, "catalog_version"),
        ({**_plan_body(catalog, centre, lead, [helper]), "kind": "spontan"}, "kind"),
        ({**_plan_body(catalog, centre, lead, [helper]), "planned_on": "2026-02-30"}, "planned_on"),
        ({**_plan_body(catalog, centre, lead, [helper]), "due_on": "2026-10-01"}, "due_on"),
        ({**_plan_body(catalog, centre, lead, [helper]), "lead_auditor_id": "eins"}, "lead_auditor_id"),
        ({**_plan_body(catalog, centre, lead, [helper]), "lead_auditor_id": 999999}, "lead_auditor_id"),
        ({**_plan_body(catalog, centre, lead, [helper]), "auditor_ids": [999999]}, "auditor_ids"),
        ({**_plan_body(catalog, centre, lead, [helper]), "guest_auditor_id": 999999},
         "guest_auditor_id"),
    ):
        response = api.post("/audits", token=token, json=bad)
        assert response.status_code == 422, bad
        assert field in response.get_json()["error"]["fields"], response.get_json()
    # every unknown id at once, named by the body's fields, in the request's language
    response = api.post("/audits", token=token, json={
        **_plan_body(catalog, centre, lead, [helper]), "centre_id": 999999,
        "catalog_version": "1999", "lead_auditor_id": 999998, "auditor_ids": [999997]})
    fields = response.get_json()["error"]["fields"]
    assert response.status_code == 422 and set(fields) == {
        "centre_id", "catalog_version", "lead_auditor_id", "auditor_ids"}, fields
    assert fields["lead_auditor_id"] == "unbekannte Person"
    assert api.post("/audits", token=people["admin"][1],
                    json=_plan_body(catalog, centre, lead, [helper])).status_code == 403


@pytest.fixture
def audit(people, make_audit, make_centre):
    """An audit led by people["auditor"] with people["helper"], A2 answered."""
    return make_audit(make_centre(name="Technologiezentrum Göttingen"), lead=people["auditor"][0],
                      auditors=[people["helper"][0]], answers={"A2": 2})


def test_audit_list_and_detail(api, people, audit):
    _u, token = people["auditor"]
    body = api.get("/audits", token=token).get_json()
    assert body["total"] == 1 and body["items"][0]["id"] == audit.id
    assert body["items"][0]["outcome"] == "incomplete"
    assert api.get(f"/audits?centre_id={audit.centre_id}", token=token).get_json()["total"] == 1
    assert api.get("/audits?status=decided", token=token).get_json()["total"] == 0
    assert api.get("/audits?status=erfunden", token=token).status_code == 422
    assert api.get("/audits?centre_id=abc", token=token).status_code == 422
    detail = api.get(f"/audits/{audit.id}", token=token).get_json()
    a2 = next(a for a in detail["assessments"] if a["code"] == "A2")
    assert a2["points"] == 2 and a2["version"] == 2
    assert detail["status"] == "in_progress"
    assert {a["action"] for a in detail["actions"]} == {"submit"}
    # an auditor not on the team sees nothing
    _u, other = people["other"]
    assert api.get("/audits", token=other).get_json()["total"] == 0
    assert api.get(f"/audits/{audit.id}", token=other).status_code == 404


def test_save_assessment_versions_and_conflicts(api, people, audit):
    _u, token = people["auditor"]
    url = f"/audits/{audit.id}/assessments/A3"
    response = api.put(url, token=token, json={"points": 2, "comment": "Beirat mit Hochschulen",
                                               "version": 1})
    assert response.status_code == 200
    assert response.get_json()["version"] == 2 and response.get_json()["points"] == 2
    # the helper saves from the stale version 1: conflict, with what is stored
    response = api.put(url, token=people["helper"][1], json={"points": 1, "version": 1})
    assert response.status_code == 409
    body = response.get_json()
    assert body["error"]["code"] == "version_conflict"
    assert body["current"]["points"] == 2 and body["current"]["version"] == 2
    assert body["current"]["comment"] == "Beirat mit Hochschulen"


def test_save_assessment_validation(api, people, audit):
    _u, token = people["auditor"]
    base = f"/audits/{audit.id}/assessments/"
    for code, body, field in (
        ("A3", {"points": 5, "version": 1}, "points"),
        ("A1", {"points": 2, "version": 1}, "points"),  # yes/no: 0 or 3
        ("B1", {"points": 2, "version": 1}, "points"),  # a number criterion
        ("B1", {"value": "viel", "version": 1}, "value"),
        ("A1", {"not_applicable": True, "reason": "entfällt", "version": 1}, "not_applicable"),
        ("C7", {"not_applicable": True, "version": 1}, "reason"),
        ("A3", {"points": 2}, "version"),
        ("A3", {"points": True, "version": 1}, "points"),
        ("A3", {"points": 1, "finding": "Fehlt", "version": 1}, "finding_severity"),
    ):
        response = api.put(base + code, token=token, json=body)
        assert response.status_code == 422, (code, body)
        assert field in response.get_json()["error"]["fields"], (code, response.get_json())
    ok = api.put(base + "B1", token=token, json={"value": 1234.5, "version": 1})
    assert ok.status_code == 200 and ok.get_json()["value"] == "1234.50"
    ok = api.put(base + "C7", token=token, json={"not_applicable": True,
                                                 "reason": "Keine Mieterbefragung möglich",
                                                 "version": 1})
    assert ok.status_code == 200 and ok.get_json()["reason"] == "Keine Mieterbefragung möglich"
    assert api.put(base + "Z9", token=token, json={"points": 1, "version": 1}).status_code == 404


def test_save_assessment_permissions_and_status(api, people, audit):
    url = f"/audits/{audit.id}/assessments/A3"
    assert api.put(url, token=people["lead"][1], json={"points": 2, "version": 1}).status_code == 403
    assert api.put(url, token=people["other"][1], json={"points": 2, "version": 1}).status_code == 404
    _fill(audit)
    svc.transition(audit, Action.SUBMIT, people["auditor"][0])
    db.session.commit()
    response = api.put(url, token=people["auditor"][1], json={"points": 1, "version": 2})
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "not_editable"


def _fill(audit, catalog=None, **overrides):
    from audit_app.models import CatalogVersion

    catalog = catalog or db.session.get(CatalogVersion, audit.catalog_id)
    actor = audit.lead_auditor
    for code, answer in full_answers(catalog, **overrides).items():
        assessment = svc.get_assessment(audit, code)
        data = svc.AnswerInput(points=answer) if isinstance(answer, int) else svc.AnswerInput(value=answer)
        svc.save_assessment(audit, code, data, expected_version=assessment.version, actor=actor)
    db.session.commit()


def test_transitions(api, people, audit):
    url = f"/audits/{audit.id}/transitions"
    lead_token, auditor_token = people["lead"][1], people["auditor"][1]
    # incomplete: 422 with the missing criteria
    response = api.post(url, token=auditor_token, json={"action": "submit"})
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "incomplete" and "A1" in error["details"] and "A2" not in error["details"]
    assert "missing_criteria" in error["fields"]
    # not possible from this status
    response = api.post(url, token=lead_token, json={"action": "decide", "decision": "award"})
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "not_allowed_from_status"
    # not allowed for this user
    response = api.post(url, token=people["helper"][1], json={"action": "submit"})
    assert response.status_code == 403
    assert api.post(url, token=lead_token, json={"action": "fliegen"}).status_code == 422
    assert api.post(url, token=lead_token, json={}).status_code == 422

    _fill(audit)
    response = api.post(url, token=auditor_token, json={"action": "submit", "note": "Vollständig"})
    assert response.status_code == 200 and response.get_json()["status"] == "submitted"
    # request_changes needs a note
    response = api.post(url, token=lead_token, json={"action": "request_changes"})
    assert response.status_code == 422 and response.get_json()["error"]["code"] == "reason_required"
    assert api.post(url, token=lead_token, json={"action": "begin_review"}).status_code == 200
    # deciding needs every criterion reviewed: 422 with the open ones
    response = api.post(url, token=lead_token, json={"action": "decide", "decision": "award"})
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "unreviewed" and "A1" in error["details"]
    assert "unreviewed_criteria" in error["fields"]
    agreed = api.post(f"/audits/{audit.id}/reviews/agree-remaining", token=lead_token)
    assert agreed.status_code == 200
    assert all(a["reviewed_at"] for a in agreed.get_json()["assessments"])
    # a decision that differs from the computed outcome needs a justification
    response = api.post(url, token=lead_token, json={"action": "decide", "decision": "refuse"})
    assert response.status_code == 422
    assert "override_reason" in response.get_json()["error"]["fields"]
    response = api.post(url, token=lead_token, json={"action": "decide"})
    assert response.status_code == 422 and "decision" in response.get_json()["error"]["fields"]
    response = api.post(url, token=lead_token, json={"action": "decide", "decision": "award",
                                                     "note": "Glückwunsch"})
    assert response.status_code == 200
    assert response.get_json()["status"] == "decided" and response.get_json()["decision"] == "award"
    # reopen: admin with a reason
    assert api.post(url, token=lead_token, json={"action": "reopen", "note": "x"}).status_code == 403
    response = api.post(url, token=people["admin"][1],
                        json={"action": "reopen", "note": "Einspruch des Zentrums"})
    assert response.status_code == 200 and response.get_json()["status"] == "in_review"


def test_review_adjustments(api, people, audit):
    url = f"/audits/{audit.id}/reviews/A3"
    lead_token = people["lead"][1]
    response = api.post(url, token=lead_token, json={"points": 1, "reason": "zu früh"})
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "not_under_review"
    _fill(audit)
    svc.transition(audit, Action.SUBMIT, people["auditor"][0])
    db.session.commit()
    response = api.post(url, token=lead_token, json={"points": 2, "reason": "Beirat tagt selten"})
    assert response.status_code == 200
    body = response.get_json()
    assert body["adjusted_points"] == 2 and body["adjustment_reason"] == "Beirat tagt selten"
    response = api.post(url, token=lead_token, json={"points": 2})
    assert response.status_code == 422 and "reason" in response.get_json()["error"]["fields"]
    response = api.post(url, token=lead_token, json={"points": 7, "reason": "x"})
    assert response.status_code == 422 and "points" in response.get_json()["error"]["fields"]
    response = api.post(url, token=lead_token, json={"agree": True})
    assert response.status_code == 200 and response.get_json()["adjusted_points"] is None
    assert api.post(url, token=people["auditor"][1], json={"agree": True}).status_code == 403
    assert api.post(f"/audits/{audit.id}/reviews/Z9", token=lead_token,
                    json={"agree": True}).status_code == 404


def test_four_eyes_for_a_lead_on_the_team(api, people, make_audit, make_centre, make_user,
                                          make_token):
    lead_on_team = make_user(roles=["lead", "auditor"])
    token = make_token(lead_on_team)
    audit = make_audit(make_centre(), lead=people["auditor"][0], auditors=[lead_on_team])
    _fill(audit)
    svc.transition(audit, Action.SUBMIT, people["auditor"][0])
    db.session.commit()
    response = api.post(f"/audits/{audit.id}/reviews/A3", token=token, json={"agree": True})
    assert response.status_code == 403 and response.get_json()["error"]["code"] == "four_eyes"
    response = api.post(f"/audits/{audit.id}/transitions", token=token,
                        json={"action": "begin_review"})
    assert response.status_code == 403 and response.get_json()["error"]["code"] == "four_eyes"


def test_score_uses_the_engine_and_one_decimal(api, people, audit):
    from audit_app.scoring import percent_1dp
    from audit_app.services.scoring import score_audit

    _fill(audit, A3=1, C7=0)
    response = api.get(f"/audits/{audit.id}/score", token=people["auditor"][1])
    body = response.get_json()
    result = score_audit(audit)
    assert body["overall_percent"] == str(percent_1dp(result.overall_percent))
    assert body["outcome"] == result.outcome.value == "award_with_conditions"
    assert [c["code"] for c in body["categories"]] == list("ABCDEFG")
    assert all(c["percent"].count(".") == 1 and len(c["percent"].split(".")[1]) == 1
               for c in body["categories"])
    assert [f["criterion"] for f in body["findings"]["minor"]] == ["C7"]
    assert [f["criterion"] for f in body["findings"]["observations"]] == ["A3"]
    assert body["knockouts_failed"] == []
    assert body["band"]["label"] in ("hervorragend", "sehr gut", "erfüllt")
    en = api.get(f"/audits/{audit.id}/score", token=people["auditor"][1], lang="en").get_json()
    assert en["band"]["label"] in ("excellent", "very good", "met")
    assert en["reasons"][0]["text"] != body["reasons"][0]["text"]
    assert api.get(f"/audits/{audit.id}/score", token=people["other"][1]).status_code == 404


def test_events_are_the_audit_trail(api, people, audit):
    body = api.get(f"/audits/{audit.id}/events?per_page=1", token=people["auditor"][1]).get_json()
    assert body["total"] >= 2 and len(body["items"]) == 1
    newest = body["items"][0]
    assert newest["action"] == "assessment_saved" and newest["note"] == "A2"
    assert newest["actor"]["name"].startswith("Jürgen")
    assert api.get(f"/audits/{audit.id}/events", token=people["other"][1]).status_code == 404


def test_report_pdf(api, people, audit):
    response = api.get(f"/audits/{audit.id}/report.pdf", token=people["auditor"][1])
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    assert api.get(f"/audits/{audit.id}/report.pdf", token=people["other"][1]).status_code == 404


# --- certificates and the public endpoints --------------------------------------------------


@pytest.fixture
def certificate(people, audit):
    _fill(audit)
    svc.transition(audit, Action.SUBMIT, people["auditor"][0])
    svc.transition(audit, Action.BEGIN_REVIEW, people["lead"][0])
    svc.agree_with_remaining(audit, actor=people["lead"][0])  # decide needs every row reviewed
    svc.transition(audit, Action.DECIDE, people["lead"][0], decision=Decision.AWARD)
    db.session.commit()
    return db.session.scalar(sa.select(Certificate).where(Certificate.audit_id == audit.id))


def test_certificate_json_and_pdf(app, api, people, certificate):
    from audit_app.services.certificates import stored_pdf

    token = people["auditor"][1]
    body = api.get(f"/certificates/{certificate.number}", token=token).get_json()
    assert body["number"] == certificate.number and body["status"] == "valid"
    assert body["centre"]["name"] == "Technologiezentrum Göttingen"
    response = api.get(f"/certificates/{certificate.number}.pdf", token=token)
    assert response.status_code == 200 and response.data == stored_pdf(certificate)
    for url in (f"/certificates/{certificate.number}", f"/certificates/{certificate.number}.pdf",
                "/certificates/AIZ-1999-0001"):
        assert api.get(url, token=people["other"][1]).status_code == 404


def test_certificate_status_changes(api, people, certificate):
    base = f"/certificates/{certificate.number}"
    lead = people["lead"][1]
    assert api.post(base + "/suspend", token=people["auditor"][1],
                    json={"reason": "Prüfung"}).status_code == 403
    response = api.post(base + "/suspend", token=lead, json={})
    assert response.status_code == 422 and "reason" in response.get_json()["error"]["fields"]
    response = api.post(base + "/suspend", token=lead, json={"reason": "Betreiberwechsel prüfen"})
    assert response.status_code == 200 and response.get_json()["status"] == "suspended"
    response = api.post(base + "/suspend", token=lead, json={"reason": "nochmal"})
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "status_change_refused"
    assert api.post(base + "/reinstate", token=lead, json={"reason": "geklärt"}).status_code == 200
    assert api.post(base + "/withdraw", token=lead, json={"reason": "Schließung"}).status_code == 200
    # public verification: withdrawn answers 410 with its record
    response = api.get(f"/verify/{certificate.number}")
    assert response.status_code == 410 and response.get_json()["status"] == "withdrawn"


def test_public_register_and_verification(api, people, certificate):
    response = api.get("/register")
    body = response.get_json()
    assert response.status_code == 200 and body["total"] == 1
    assert body["items"][0] == {"name": "Technologiezentrum Göttingen", "city": "Göttingen",
                                "federal_state": "Niedersachsen", "number": certificate.number,
                                "valid_until": certificate.valid_until.isoformat()}
    verified = api.get(f"/verify/{certificate.number}").get_json()
    assert verified["status"] in ("valid", "expiring")
    assert verified["pdf_sha256"] == certificate.pdf_sha256
    response = api.get("/verify/AIZ-2026-9999")
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"
    assert api.get("/register?per_page=500").status_code == 422
    assert date.fromisoformat(verified["valid_until"]) == certificate.valid_until


def test_a_certificate_that_cannot_be_rendered_does_not_undo_the_decision(api, people, audit,
                                                                          monkeypatch):
    from audit_app.models import Audit
    from audit_app.pdf import certificate as certificate_pdf

    _fill(audit)
    svc.transition(audit, Action.SUBMIT, people["auditor"][0])
    svc.transition(audit, Action.BEGIN_REVIEW, people["lead"][0])
    svc.agree_with_remaining(audit, actor=people["lead"][0])
    db.session.commit()

    def broken(*args, **kwargs):
        raise RuntimeError("WeasyPrint kaputt")

    monkeypatch.setattr(certificate_pdf, "render_certificate", broken)
    response = api.post(f"/audits/{audit.id}/transitions", token=people["lead"][1],
                        json={"action": "decide", "decision": "award"})
    assert response.status_code == 200
    number = response.get_json()["certificate"]["number"]
    fresh()
    assert db.session.get(Audit, audit.id).status.value == "decided"
    pdf = api.get(f"/certificates/{number}.pdf", token=people["lead"][1])
    assert pdf.status_code == 503 and pdf.get_json()["error"]["code"] == "render_failed"
    monkeypatch.undo()
    pdf = api.get(f"/certificates/{number}.pdf", token=people["lead"][1])
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"


def test_path_segments_that_cannot_name_anything_are_404(api, people, audit, catalog):
    token = people["auditor"][1]
    for url in (f"/audits/{audit.id}/assessments/A%001", f"/audits/{audit.id}/assessments/" + "A" * 50,
                "/certificates/AIZ%00", "/certificates/" + "9" * 40 + ".pdf",
                f"/catalogs/{catalog.key}%00/2026", "/centres/99999999999999999999"):
        method = "put" if "assessments" in url else "get"
        kwargs = {"json": {"points": 1, "version": 1}} if method == "put" else {}
        response = getattr(api, method)(url, token=token, **kwargs)
        assert response.status_code == 404, url
