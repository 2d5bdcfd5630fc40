"""The API contract as a class: generated from the description, so new bodies are covered.

- every operation with a request body accepts a minimal body built from its schema's
  ``required`` list and ``examples``: never a 422 for a missing field (a client generated from
  the description works on its first call);
- every string property with a ``maxLength`` is refused at limit + 1 with a message naming
  the field, and nothing is stored;
- a decided audit's JSON names the certificate it issued.
"""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from audit_app.api.openapi import spec
from audit_app.extensions import db
from audit_app.models import Event
from audit_app.services import audits as svc
from audit_app.workflow import Action, Decision
from tests.conftest import fresh, full_answers


def _resolve(schema: dict, document: dict) -> dict:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def body_operations():
    document = spec()
    for path, ops in document["paths"].items():
        for method, op in ops.items():
            if "application/json" not in op.get("requestBody", {}).get("content", {}):
                continue  # no body, or a file upload (multipart or the bytes themselves)
            schema = _resolve(op["requestBody"]["content"]["application/json"]["schema"], document)
            yield op["operationId"], method, path, schema


OPERATIONS = sorted(body_operations())


@pytest.fixture
def world(people, make_centre, make_audit, make_user, make_token, catalog):
    """Objects each operation can act on, with the token of a user allowed to."""
    from audit_app.models import Certificate
    from audit_app.services import conditions as condition_service
    from audit_app.services import evidence as evidence_service
    from audit_app.workflow import AuditKind
    from tests.factories import answer_condition, decide

    lead, auditor, helper = people["lead"], people["auditor"], people["helper"]
    centre = make_centre(name="Technologiezentrum Göttingen")
    contact = make_user("contact", name="Henrike Pöhlmann", centre=centre)
    contact_token = make_token(contact)
    open_audit = make_audit(centre, lead=auditor[0], auditors=[helper[0]])
    submitted = make_audit(make_centre(), lead=auditor[0], auditors=[helper[0]],
                           answers=full_answers(catalog))
    svc.transition(submitted, Action.SUBMIT, auditor[0])
    decided = make_audit(centre, lead=auditor[0], auditors=[helper[0]],
                         answers=full_answers(catalog, C4=0, F5=0))
    previous_file = evidence_service.add_evidence(
        decided, svc.get_assessment(decided, "A2"), filename="Strategie_2021.pdf",
        data=b"%PDF-1.4\n% Strategie\n%%EOF\n", actor=auditor[0], max_bytes=10_000)
    decide(decided, lead[0], decision=Decision.AWARD_WITH_CONDITIONS)
    conditions = {c.criterion_code: c for c in condition_service.for_audit(decided)}
    answer_condition(conditions["C4"], contact)  # C4 waits for its check; F5 is open
    open_audit.kind, open_audit.previous_audit_id = AuditKind.RENEWAL, decided.id
    db.session.commit()

    number = db.session.scalar(sa.select(Certificate.number).where(
        Certificate.audit_id == decided.id))
    values = {
        "centre_id": centre.id, "lead_auditor_id": auditor[0].id, "auditor_ids": [helper[0].id],
        "catalog_key": catalog.key, "catalog_version": catalog.version, "version": 1,
        "action": "start", "kind": "initial", "planned_on": "2026-11-02",
        "preferred_from": "2030-04-01", "preferred_until": "2030-06-30",
        "status": "present",
        "evidence_id": previous_file.id,
    }
    # The centre's side: an application waiting for a lead, one with its questionnaire open
    # (its contact answers), one submitted (its team marks the documents).
    from audit_app.services import applications
    from tests.factories import (
        APPLIED_ON,
        accept_application,
        answer_questionnaire,
        make_application,
    )

    waiting = make_application(make_centre())
    open_centre, submitted_centre = make_centre(), make_centre()
    applicant = make_user("contact", centre=open_centre)
    applicant_token = make_token(applicant)
    questionnaire_open = accept_application(
        make_application(open_centre, contact=applicant), lead=lead[0], lead_auditor=auditor[0],
        auditors=[helper[0]])
    submitter = make_user("contact", centre=submitted_centre)
    submitted_application = accept_application(
        make_application(submitted_centre, contact=submitter), lead=lead[0],
        lead_auditor=auditor[0], auditors=[helper[0]])
    answer_questionnaire(submitted_application, submitter)
    applications.submit_questionnaire(submitted_application, actor=submitter, today=APPLIED_ON)
    db.session.commit()
    # operationId → (token, path values)
    targets = {
        "create_centre": (lead[1], {}),
        "update_centre": (lead[1], {"centre_id": centre.id}),
        "plan_audit": (lead[1], {}),
        "save_assessment": (auditor[1], {"audit_id": open_audit.id, "code": "A2"}),
        "review": (lead[1], {"audit_id": submitted.id, "code": "A2"}),
        "transition": (auditor[1], {"audit_id": open_audit.id}),
        "certificate_status": (lead[1], {"number": number, "action": "suspend"}),
        "apply": (lead[1], {}),
        "accept_application": (lead[1], {"application_id": waiting.id}),
        "decline_application": (lead[1], {"application_id": waiting.id}),
        "save_answer": (applicant_token, {"application_id": questionnaire_open.id,
                                        "question_key": "gruenderflaeche"}),
        "save_self_assessment": (applicant_token, {"application_id": questionnaire_open.id,
                                                 "code": "A2"}),
        "review_document": (auditor[1], {"application_id": submitted_application.id,
                                         "document_key": "gesellschaftsvertrag"}),
        "plan_renewal": (lead[1], {"audit_id": decided.id}),
        "carry_evidence": (auditor[1], {"audit_id": open_audit.id, "code": "A2"}),
        "respond_condition": (contact_token, {"condition_id": conditions["F5"].id}),
        "accept_condition": (lead[1], {"condition_id": conditions["C4"].id}),
        "reject_condition": (lead[1], {"condition_id": conditions["C4"].id}),
    }
    return {"values": values, "targets": targets, "decided": decided, "number": number}


def _example(name: str, schema: dict, values: dict, document: dict):
    schema = _resolve(schema, document)
    if name in values:
        return values[name]
    if schema.get("examples"):
        return schema["examples"][0]
    if "enum" in schema:
        return schema["enum"][0]
    kinds = schema.get("type")
    kind = kinds[0] if isinstance(kinds, list) else kinds
    return {"string": "Technologiezentrum Göttingen", "integer": 1, "number": 1,
            "boolean": True, "array": []}.get(kind)


def _minimal(schema: dict, values: dict) -> dict:
    document = spec()
    return {name: _example(name, schema["properties"][name], values, document)
            for name in schema.get("required", [])}


def _url(path: str, path_values: dict) -> str:
    for key, value in path_values.items():
        path = path.replace("{" + key + "}", str(value))
    return path


def test_every_body_operation_is_covered(world):
    assert {op for op, *_ in OPERATIONS} == set(world["targets"])


@pytest.mark.parametrize("backend", ["sqlite"])
@pytest.mark.parametrize("operation, method, path, schema", OPERATIONS,
                         ids=[op for op, *_ in OPERATIONS])
def test_a_minimal_body_from_the_schema_is_never_refused_for_a_missing_field(
        api, world, backend, operation, method, path, schema):
    token, path_values = world["targets"][operation]
    body = _minimal(schema, world["values"])
    response = api.request(method.upper(), _url(path, path_values), token=token, json=body)
    fields = response.get_json().get("error", {}).get("fields", {}) if response.is_json else {}
    required = {k for k, v in fields.items()
                if "required" in v.lower() or "erforderlich" in v.lower() or "Pflicht" in v}
    assert response.status_code != 422 or not required, (operation, body, fields)


def _long_fields():
    document = spec()
    for operation, method, path, schema in OPERATIONS:
        for name, prop in schema["properties"].items():
            prop = _resolve(prop, document)
            candidates = [prop, *prop.get("anyOf", [])]
            for candidate in candidates:
                if candidate.get("maxLength"):
                    yield operation, method, path, schema, name, candidate["maxLength"]
                    break


LONG = list(_long_fields())


def test_every_text_property_of_every_body_has_a_limit():
    """Every string a body takes has its limit in the description (from services/inputs.py)."""
    document = spec()
    missing = []
    for operation, _m, _p, schema in OPERATIONS:
        for name, prop in schema["properties"].items():
            prop = _resolve(prop, document)
            for member in [prop, *prop.get("anyOf", [])]:
                kinds = member.get("type")
                kinds = kinds if isinstance(kinds, list) else [kinds]
                if ("string" in kinds and "enum" not in member and member.get("format") != "date"
                        and not member.get("maxLength")):
                    missing.append(f"{operation}.{name}")
    assert missing == []


@pytest.mark.parametrize("operation, method, path, schema, name, limit", LONG,
                         ids=[f"{op}.{name}" for op, _m, _p, _s, name, _l in LONG])
def test_every_text_field_of_every_body_refuses_limit_plus_one(
        api, world, operation, method, path, schema, name, limit):
    token, path_values = world["targets"][operation]
    body = {**_minimal(schema, world["values"]), name: "ä" * (limit + 1)}
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Event))
    response = api.request(method.upper(), _url(path, path_values), token=token, json=body,
                           lang="en")
    assert response.status_code == 422, (operation, name, response.get_json())
    fields = response.get_json()["error"]["fields"]
    assert any(str(limit) in message for message in fields.values()), fields
    fresh()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Event)) == before


def test_a_decided_audit_names_its_certificate(api, people, world):
    body = api.get(f"/audits/{world['decided'].id}", token=people["lead"][1]).get_json()
    assert body["certificate"] == {"number": world["number"], "status": "valid"}
    listed = api.get("/audits?status=decided", token=people["lead"][1]).get_json()["items"]
    assert [a["certificate"] for a in listed] == [{"number": world["number"], "status": "valid"}]
    open_ones = api.get("/audits?status=planned", token=people["lead"][1]).get_json()["items"]
    assert all(a["certificate"] is None for a in open_ones)


def test_a_contact_of_another_centre_cannot_join_a_team_as_guest(api, people, world, make_user,
                                                                  make_centre):
    other = make_centre(name="Gründerzentrum Jena", city="Jena", federal_state="TH")
    outsider = make_user("contact", name="Henrike Pöhlmann", centre=other)
    body = {**_minimal(dict(spec()["components"]["schemas"]["PlanAudit"]), world["values"]),
            "guest_auditor_id": outsider.id}
    response = api.post("/audits", token=people["lead"][1], json=body)
    assert response.status_code == 422
    assert "guest_auditor_id" in response.get_json()["error"]["fields"]
