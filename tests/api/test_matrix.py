"""Route × role matrix of the API, generated from the blueprint's URL rules.

The same world and generator as the pages' matrix (tests/route_matrix.py). Every API rule
needs an entry: GET rules are requested with every role's token and compared with the
expected status; writing rules are sent by every role that may not use them, which must be
refused (401 without a token, else 403/404, or 409 where the status forbids it for everyone)
without changing anything. Responses are checked against the OpenAPI description.
"""
from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from audit_app.extensions import db
from audit_app.models import Event
from tests.factories import PDF
from tests.route_matrix import (
    CENTRE_VIEW,
    LOGGED_IN,
    MANAGERS,
    ROLES,
    TEAM_VIEW,
    build_world,
    load_world,
    rule_url,
    rules,
)


def expect(allowed, *, denied: int = 404) -> dict[str, int]:
    return {role: (401 if role == "anon" else 200 if role in allowed else denied) for role in ROLES}


PUBLIC = {role: 200 for role in ROLES}

GET = {
    "api.openapi": PUBLIC,
    "api.docs": PUBLIC,
    "api.register": PUBLIC,
    "api.verify": PUBLIC,
    "api.me": expect(LOGGED_IN),
    "api.users": expect(MANAGERS, denied=403),
    "api.catalogs": expect(LOGGED_IN),
    "api.catalog": expect(LOGGED_IN),
    "api.centres": expect(LOGGED_IN),  # each sees only the centres they may see
    "api.centre": expect(CENTRE_VIEW),
    "api.audits": expect(LOGGED_IN),  # each sees only the audits they may see
    "api.audit": expect(TEAM_VIEW),
    "api.score": expect(TEAM_VIEW),
    "api.events": expect(TEAM_VIEW),
    "api.report": expect(TEAM_VIEW),
    "api.certificate": expect(TEAM_VIEW | {"contact_own"}),  # of the decided audit
    "api.certificate_pdf": expect(TEAM_VIEW | {"contact_own"}),
    # The centre's side: its contacts, the audit team, leads and admins; nobody else.
    "api.applications": expect(LOGGED_IN),  # each sees only the applications they may see
    "api.application": expect(TEAM_VIEW | {"contact_own"}),
    "api.document_file": expect(TEAM_VIEW | {"contact_own"}),
    "api.conditions": expect(LOGGED_IN),  # each sees the conditions of the audits they see
    "api.condition": expect(TEAM_VIEW | {"contact_own"}),  # of the decided audit
    "api.condition_proof": expect(TEAM_VIEW | {"contact_own"}),
}

#: Writing endpoints: the roles that may use them (everyone else is refused).
WRITE = {
    "api.create_centre": MANAGERS,
    "api.update_centre": MANAGERS,
    "api.plan_audit": {"lead"},
    "api.save_assessment": {"auditor_on"},
    "api.review": set(),  # nobody: the audit is not under review (409 for a lead)
    "api.agree_remaining": set(),  # nobody: the audit is not under review (409 for a lead)
    "api.transition": set(),  # "start" is not possible from "in progress" (409 for viewers)
    "api.certificate_status": {"lead"},
    "api.apply": MANAGERS | {"contact_own", "contact_other"},
    "api.accept_application": {"lead"},  # another centre's application, waiting
    "api.decline_application": {"lead"},  # a third centre's application, waiting
    # The questionnaire is open: only the centre's own contact answers, scores, hands in.
    "api.save_answer": {"contact_own"},
    "api.save_self_assessment": {"contact_own"},
    "api.upload_document": {"contact_own"},
    "api.submit_questionnaire": {"contact_own"},  # reaches the service: incomplete (422)
    "api.review_document": set(),  # nobody: not submitted yet (409 for the team)
    "api.complete_document_review": set(),  # nobody: not submitted yet (409)
    "api.plan_renewal": {"lead"},  # of the decided audit
    "api.carry_evidence": {"auditor_on"},  # the team of the open renewal audit
    "api.respond_condition": {"contact_own"},  # the centre's contacts answer (A5 is open)
    "api.add_condition_proof": {"contact_own"},  # to an answer being checked (E5)
    "api.accept_condition": {"auditor_on", "lead"},  # the lead auditor or a lead (C4)
    "api.reject_condition": {"auditor_on", "lead"},  # (F5)
}

BODIES = {
    "api.create_centre": {"name": "Zentrum Matrix", "city": "Jena", "federal_state": "TH"},
    "api.update_centre": {"tenant_count": 99},
    "api.plan_audit": {"centre_id": 1, "catalog_key": "aiz", "catalog_version": "2026",
                       "kind": "initial", "planned_on": "2026-12-01", "lead_auditor_id": 1,
                       "auditor_ids": [2]},
    "api.save_assessment": {"points": 3, "version": 2},
    "api.review": {"points": 1, "reason": "Versuch"},
    "api.agree_remaining": {},
    "api.transition": {"action": "start", "note": "Versuch"},
    "api.certificate_status": {"reason": "Versuch"},
    "api.apply": {"centre_id": 1, "kind": "initial", "preferred_from": "2030-04-01",
                  "preferred_until": "2030-06-30", "message": "Antrag für Göttingen"},
    "api.accept_application": {"planned_on": "2030-04-08", "lead_auditor_id": 1,
                               "auditor_ids": [2]},
    "api.decline_application": {"reason": "Auflagen noch offen"},
    "api.save_answer": {"value": "3.400", "version": 2},
    "api.save_self_assessment": {"points": 2, "comment": "Strategie 2026", "version": 1},
    "api.upload_document": {},
    "api.submit_questionnaire": {},
    "api.review_document": {"status": "present"},
    "api.complete_document_review": {},
    "api.plan_renewal": {"catalog_key": "aiz", "catalog_version": "2026",
                         "planned_on": "2026-12-01", "lead_auditor_id": 1, "auditor_ids": [2]},
    "api.carry_evidence": {"evidence_id": 1, "still_valid": True},
    "api.respond_condition": {"cause": "Ursache – Versuch", "measure": "Maßnahme – Versuch"},
    "api.add_condition_proof": None,  # the file itself, sent by _send
    "api.accept_condition": {"note": "Versuch"},
    "api.reject_condition": {"reason": "Versuch"},
}


def overrides(values: dict) -> dict:
    """Per-endpoint URL values: the lead answers applications that wait for an answer."""
    return {"api.certificate_status": {"action": "suspend"},
            "api.accept_application": {"application_id": values["waiting_application_id"]},
            "api.decline_application": {"application_id": values["third_application_id"]}}


PROOF = b"%PDF-1.4\n% Nachweis\n%%EOF\n"


def _send(api, method: str, url: str, endpoint: str, body, token):
    """A writing request: JSON, or for a proof upload the file itself."""
    if endpoint == "api.add_condition_proof":
        return api.request(method, url + "?name=Nachweis_Matrix.pdf", token=token, data=PROOF,
                           content_type="application/octet-stream")
    if endpoint == "api.upload_document":
        return api.request(method, url, token=token, data={
            "file": (io.BytesIO(PDF), "Gesellschaftsvertrag 2026.pdf")},
            content_type="multipart/form-data")
    return api.request(method, url, token=token, json=body)


def _overrides(data: dict) -> dict:
    """Per-endpoint values: each condition route acts on a condition in the state it needs."""
    conditions = data["conditions"]
    return {**overrides(data["values"]),
            "api.plan_renewal": {"audit_id": data["decided_id"]},
            "api.respond_condition": {"condition_id": conditions["A5"]},
            "api.add_condition_proof": {"condition_id": conditions["E5"]},
            "api.accept_condition": {"condition_id": conditions["C4"]},
            "api.reject_condition": {"condition_id": conditions["F5"]}}


def _build_world() -> dict:
    from audit_app.models import User
    from audit_app.services import tokens as token_service

    from tests.factories import make_application, make_centre

    data = build_world()
    data["values"]["free_centre_id"] = make_centre(name="Gründerhaus Lüneburg").id
    data["values"]["third_application_id"] = make_application(
        make_centre(name="Rostocker Innovations- und Gründerzentrum")).id
    data["tokens"] = {}
    for role, uid in data["user_ids"].items():
        _row, plain = token_service.create_token(db.session.get(User, uid),
                                                 label="Testskript Müller")
        data["tokens"][role] = plain
    db.session.commit()
    data["tokens"]["anon"] = None
    return data


@pytest.fixture(scope="module")
def world_template(tmp_path_factory, catalog_template):
    """The world with a token per role, built once for the module; each test gets a copy."""
    from tests.conftest import build_template

    return build_template(tmp_path_factory, catalog_template, _build_world, "api-matrix")


@pytest.fixture
def db_template(world_template):
    return world_template


@pytest.fixture
def world(app, world_template):
    world = load_world(world_template.data)
    world["tokens"] = dict(world_template.data["tokens"])
    world["overrides"] = _overrides(world_template.data)
    world["previous_file_id"] = world_template.data["previous_file_id"]
    return world


def test_every_api_route_has_a_permission_decision(app):
    undecided = [r.endpoint for r in rules(app, "GET", api=True) if r.endpoint not in GET]
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        undecided += [r.endpoint for r in rules(app, method, api=True) if r.endpoint not in WRITE]
    assert not undecided, f"API routes without an entry in the matrix: {sorted(set(undecided))}"
    assert set(WRITE) == set(BODIES)


@pytest.mark.parametrize("backend", ["sqlite"])
@pytest.mark.parametrize("role", ROLES)
def test_get_routes(app, api, world, role, backend):
    token = world["tokens"][role]
    wrong = []
    for rule in rules(app, "GET", api=True):
        response = api.get(rule_url(app, rule, world["values"], world["overrides"]), token=token)
        if response.status_code != GET[rule.endpoint][role]:
            wrong.append(f"{rule.endpoint}: {response.status_code}, expected "
                         f"{GET[rule.endpoint][role]}")
    assert not wrong, f"{role}: " + "; ".join(wrong)


@pytest.mark.parametrize("backend", ["sqlite"])
@pytest.mark.parametrize("role", ROLES)
def test_writing_routes_refuse_everyone_else_and_change_nothing(app, api, world, role, backend):
    token = world["tokens"][role]
    events_before = db.session.scalar(sa.select(sa.func.count()).select_from(Event))
    wrong = []
    for method in ("POST", "PUT", "PATCH"):
        for rule in rules(app, method, api=True):
            if role in WRITE[rule.endpoint]:
                continue
            response = _send(api, method, rule_url(app, rule, world["values"], world["overrides"]),
                             rule.endpoint, BODIES[rule.endpoint], token)
            expected = {401} if role == "anon" else {403, 404, 409}
            if response.status_code not in expected:
                wrong.append(f"{method} {rule.endpoint}: {response.status_code}")
    db.session.rollback()
    assert not wrong, f"{role} was not refused: " + "; ".join(wrong)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Event)) == events_before


@pytest.mark.parametrize("backend", ["sqlite"])
def test_the_allowed_roles_succeed(app, api, world, backend):
    """The other side of the matrix: each writing route works for a role allowed to use it."""
    values, tokens = world["values"], world["tokens"]
    users = world["users"]
    team = {"lead_auditor_id": users["auditor_on"].id, "auditor_ids": [users["auditor_off"].id]}
    bodies = {
        **BODIES,
        "api.plan_audit": {**BODIES["api.plan_audit"], "centre_id": values["centre_id"], **team},
        "api.accept_application": {**BODIES["api.accept_application"], **team},
        "api.apply": {**BODIES["api.apply"], "centre_id": values["free_centre_id"]},
        "api.plan_renewal": {**BODIES["api.plan_renewal"], **team},
        "api.carry_evidence": {**BODIES["api.carry_evidence"],
                               "evidence_id": world["previous_file_id"]},
    }
    expected = {"api.create_centre": 201, "api.plan_audit": 201, "api.apply": 201,
                "api.upload_document": 201,
                "api.submit_questionnaire": 422,  # reached the service: answers missing
                "api.plan_renewal": 201,
                "api.carry_evidence": 201, "api.respond_condition": 201,
                "api.add_condition_proof": 201}
    for method in ("POST", "PUT", "PATCH"):
        for rule in rules(app, method, api=True):
            allowed = WRITE[rule.endpoint]
            if not allowed:
                continue
            role = min(allowed)
            response = _send(api, method, rule_url(app, rule, values, world["overrides"]),
                             rule.endpoint, bodies[rule.endpoint], tokens[role])
            assert response.status_code == expected.get(rule.endpoint, 200), (
                rule.endpoint, response.get_json())
