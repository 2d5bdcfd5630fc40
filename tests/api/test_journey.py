"""The whole audit journey through the API alone, with tokens only."""
from __future__ import annotations

import hashlib
from decimal import Decimal


def test_full_journey_through_the_api(api, make_user, make_token, catalog):
    office = make_token(make_user("lead", name="Birgit Schäfer", email="birgit@bviz-test.de"),
                        "Geschäftsstelle")
    lead_auditor = make_user("auditor", name="Katrin Weiß", email="katrin@zentren-test.de")
    make_user("auditor", name="Thomas Groß", email="thomas@zentren-test.de")
    katrin = make_token(lead_auditor, "Tablet Katrin")
    reviewer = make_token(make_user("lead", name="Jürgen Müller-Strauß"), "Arbeitskreis")

    # the office creates the centre and finds the auditors
    centre = api.post("/centres", token=office, json={
        "name": "Technologiezentrum Göttingen", "operating_company": "GITZ GmbH",
        "city": "Göttingen", "federal_state": "NI", "postcode": "37077",
        "space_m2": 8400, "tenant_count": 74, "occupancy_percent": 91.5,
    })
    assert centre.status_code == 201
    centre_id = centre.get_json()["id"]
    auditors = api.get("/users?role=auditor", token=office).get_json()["items"]
    by_mail = {u["email"]: u["id"] for u in auditors}
    catalogs = api.get("/catalogs", token=office).get_json()["items"]
    key, version = catalogs[0]["key"], catalogs[0]["version"]

    # plan the audit
    planned = api.post("/audits", token=office, json={
        "centre_id": centre_id, "catalog_key": key, "catalog_version": version, "kind": "initial",
        "planned_on": "2026-11-02", "visit_on": "2026-11-20",
        "lead_auditor_id": by_mail["katrin@zentren-test.de"],
        "auditor_ids": [by_mail["thomas@zentren-test.de"]],
    })
    assert planned.status_code == 201
    audit_id = planned.get_json()["id"]

    # the lead auditor fills every criterion from the catalogue's definition
    detail = api.get(f"/catalogs/{key}/{version}", token=katrin).get_json()
    versions = {a["code"]: a["version"] for a in api.get(f"/audits/{audit_id}", token=katrin)
                .get_json()["assessments"]}
    for category in detail["categories"]:
        for criterion in category["criteria"]:
            if criterion["type"] == "number":
                body = {"value": float(Decimal(criterion["bands"][-1]["start"]))}
            else:
                body = {"points": 3}
            body.update(version=versions[criterion["code"]],
                        comment=f"Geprüft vor Ort – {criterion['title_de']}")
            saved = api.put(f"/audits/{audit_id}/assessments/{criterion['code']}", token=katrin,
                            json=body)
            assert saved.status_code == 200, saved.get_json()
    score = api.get(f"/audits/{audit_id}/score", token=katrin).get_json()
    assert score["outcome"] == "award" and score["overall_percent"] == "100.0"

    # submit, review with an adjustment, decide
    assert api.post(f"/audits/{audit_id}/transitions", token=katrin,
                    json={"action": "submit"}).get_json()["status"] == "submitted"
    assert api.post(f"/audits/{audit_id}/transitions", token=reviewer,
                    json={"action": "begin_review"}).status_code == 200
    adjusted = api.post(f"/audits/{audit_id}/reviews/A2", token=reviewer,
                        json={"points": 2, "reason": "Strategie ohne messbare Ziele"})
    assert adjusted.status_code == 200 and adjusted.get_json()["adjusted_points"] == 2
    score = api.get(f"/audits/{audit_id}/score", token=reviewer).get_json()
    assert score["outcome"] == "award" and score["overall_percent"] != "100.0"
    assert api.post(f"/audits/{audit_id}/reviews/agree-remaining",
                    token=reviewer).status_code == 200
    decided = api.post(f"/audits/{audit_id}/transitions", token=reviewer,
                       json={"action": "decide", "decision": "award",
                             "note": "Herzlichen Glückwunsch"})
    assert decided.status_code == 200 and decided.get_json()["status"] == "decided"

    # the certificate: JSON, PDF bytes, public verification
    numbers = [c["number"] for c in api.get(f"/centres/{centre_id}", token=office)
               .get_json()["certificates"]]
    assert len(numbers) == 1
    number = numbers[0]
    certificate = api.get(f"/certificates/{number}", token=katrin).get_json()
    assert certificate["status"] == "valid"
    pdf = api.get(f"/certificates/{number}.pdf", token=katrin)
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    verified = api.get(f"/verify/{number}")
    assert verified.status_code == 200
    assert verified.get_json()["pdf_sha256"] == hashlib.sha256(pdf.data).hexdigest()
    assert verified.get_json()["centre"]["name"] == "Technologiezentrum Göttingen"
    register = api.get("/register").get_json()
    assert [e["number"] for e in register["items"]] == [number]
    events = api.get(f"/audits/{audit_id}/events?per_page=100", token=reviewer).get_json()
    actions = {e["action"] for e in events["items"]}
    assert {"audit_planned", "assessment_saved", "audit_submit", "assessment_adjusted",
            "audit_decision", "certificate_issued"} <= actions
