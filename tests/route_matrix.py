"""Shared code of the route × role matrices (pages in tests/web, API in tests/api).

The matrices are generated from the app's URL map: every rule of the area must have a
permission decision, and each is requested as every role with URL values from a "world".
"""
from __future__ import annotations

from flask import url_for

ROLES = ("anon", "admin", "lead", "auditor_on", "auditor_off", "contact_own", "contact_other")
LOGGED_IN = ROLES[1:]
TEAM_VIEW = {"admin", "lead", "auditor_on"}  # who sees the (undecided) audit
CENTRE_VIEW = {"admin", "lead", "auditor_on", "contact_own"}  # who sees the audited centre
MANAGERS = {"admin", "lead"}


def rules(app, method: str, *, api: bool | None = None):
    """The URL rules answering ``method``, sorted; ``api`` True/False: only/without the API."""
    found = (r for r in app.url_map.iter_rules()
             if method in r.methods and r.endpoint != "static")
    if api is not None:
        found = (r for r in found if r.endpoint.startswith("api.") == api)
    return sorted(found, key=lambda r: r.rule)


def rule_url(app, rule, values: dict, overrides: dict | None = None) -> str:
    """The URL of ``rule`` with its arguments taken from ``values`` (per-endpoint overrides first)."""
    values = {**values, **(overrides or {}).get(rule.endpoint, {})}
    missing = [a for a in rule.arguments if a not in values]
    assert not missing, f"{rule.endpoint}: add values for {missing} to the matrix's world"
    with app.test_request_context():
        return url_for(rule.endpoint, **{a: values[a] for a in rule.arguments})


def build_world() -> dict:
    """Two centres, an audit in progress with evidence, a decided audit with its certificate,
    and one user per role, made with :mod:`tests.factories` in the current app context.

    The decided audit is an award with four conditions (C4 and F5 answered by the centre's
    contact, with a proof each; E5 answered; A5 open) and has a file on A2; the audit in
    progress is its renewal (it starts from it).

    Returns plain data (ids and URL values), so that a module can build the world once into
    a database template (``tests.conftest.build_template``) and load it per test with
    :func:`load_world`.
    """
    import sqlalchemy as sa

    from audit_app.extensions import db
    from audit_app.models import Certificate, ConditionProof
    from audit_app.services import conditions as condition_service
    from audit_app.services import evidence as evidence_service
    from audit_app.services.audits import get_assessment
    from audit_app.workflow import AuditKind, Decision
    from tests.factories import (
        answer_condition,
        decide,
        full_answers,
        make_audit,
        make_centre,
        make_user,
        real_catalog,
    )

    catalog = real_catalog()
    audited = make_centre(name="Technologiezentrum Göttingen")
    other = make_centre(name="Gründerzentrum Jena", city="Jena", federal_state="TH")
    users = {
        "admin": make_user("admin", email="admin@matrix.de"),
        "lead": make_user("lead", email="lead@matrix.de"),
        "auditor_on": make_user("auditor", email="auditor-on@matrix.de"),
        "auditor_off": make_user("auditor", email="auditor-off@matrix.de"),
        "contact_own": make_user("contact", email="contact-own@matrix.de", centre=audited),
        "contact_other": make_user("contact", email="contact-other@matrix.de", centre=other),
    }
    helper = make_user("auditor", email="helper@matrix.de")
    # The audited centre's application (questionnaire open; auditor_on leads its team, one
    # answer and one document handed in), and another centre's application still waiting
    # for a working-group lead.
    from audit_app.services import centre_side
    from tests.factories import PDF, accept_application, make_application

    application = make_application(audited, contact=users["contact_own"])
    accept_application(application, lead=users["lead"], lead_auditor=users["auditor_on"],
                       auditors=[helper])
    answer = centre_side.centre_sheet(application).answers["gruenderflaeche"]
    centre_side.save_answer(application, "gruenderflaeche", "3.200",
                            expected_version=answer.version, actor=users["contact_own"])
    handed_in = centre_side.add_document(
        application, "gesellschaftsvertrag", filename="Gesellschaftsvertrag.pdf", data=PDF,
        actor=users["contact_own"], max_bytes=10_000, today=application.planned_on)
    waiting = make_application(other, contact=users["contact_other"])
    db.session.commit()
    audit = make_audit(audited, lead=users["auditor_on"], auditors=[helper], answers={"A2": 2})

    # An earlier, decided audit of the same centre with its certificate and conditions.
    decided = make_audit(audited, lead=users["auditor_on"], auditors=[helper],
                         answers=full_answers(catalog, A5=0, C4=0, E5=0, F5=0))
    previous_file = evidence_service.add_evidence(
        decided, get_assessment(decided, "A2"), filename="Strategie_2021.pdf",
        data=b"%PDF-1.4\n% Strategie\n%%EOF\n", actor=users["auditor_on"], max_bytes=10_000)
    decide(decided, users["lead"], decision=Decision.AWARD_WITH_CONDITIONS)
    number = db.session.scalar(sa.select(Certificate.number).where(Certificate.audit_id == decided.id))
    conditions = {c.criterion_code: c for c in condition_service.for_audit(decided)}
    for code in ("C4", "F5", "E5"):
        answer_condition(conditions[code], users["contact_own"])
    proof_id = db.session.scalar(sa.select(ConditionProof.id).order_by(ConditionProof.id))
    audit.kind, audit.previous_audit_id = AuditKind.RENEWAL, decided.id  # the renewal

    evidence = evidence_service.add_evidence(
        audit, get_assessment(audit, "A2"), filename="Strategie.pdf",
        data=b"%PDF-1.4\n%%EOF\n", actor=users["auditor_on"],
        max_bytes=10_000,
    )
    db.session.commit()
    values = {"audit_id": audit.id, "centre_id": audited.id, "evidence_id": evidence.id,
              "code": "A2", "user_id": helper.id, "catalog_id": catalog.id,
              "action": "start", "lang": "de", "number": number,
              "decided_audit_id": decided.id, "key": catalog.key, "version": catalog.version,
              "application_id": application.id, "question_key": "gruenderflaeche",
              "document_key": "gesellschaftsvertrag", "file_id": handed_in.id,
              "waiting_application_id": waiting.id,
              "condition_id": conditions["C4"].id, "proof_id": proof_id}
    return {"user_ids": {role: u.id for role, u in users.items()}, "values": values,
            "helper_id": helper.id, "decided_id": decided.id,
            "conditions": {code: c.id for code, c in conditions.items()},
            "previous_file_id": previous_file.id}


def load_world(data: dict) -> dict:
    """The world of :func:`build_world` with its users and audits loaded in this session."""
    from audit_app.extensions import db
    from audit_app.models import Audit, User

    return {
        "users": {role: db.session.get(User, uid) for role, uid in data["user_ids"].items()},
        "values": dict(data["values"]),
        "helper": db.session.get(User, data["helper_id"]),
        "decided": db.session.get(Audit, data["decided_id"]),
    }
