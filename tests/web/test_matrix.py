"""Route × role matrix, generated from the app's URL map.

Every route must have an entry here: a new route without a permission decision fails the
suite. GET routes are requested as every role and compared with the expected status; POST
routes are sent (with a valid CSRF token) by every role that may not use them, and must be
refused without changing anything.
"""
from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from audit_app.extensions import db
from audit_app.models import Event
from tests.conftest import PASSWORD, csrf_token
from tests.route_matrix import (
    CENTRE_VIEW,
    LOGGED_IN,
    MANAGERS,
    ROLES,
    TEAM_VIEW,
    build_world,
    load_world,
    rule_url,
)
from tests.route_matrix import rules as all_rules


def expect(allowed, *, denied: int = 404, anon: int = 302) -> dict[str, int]:
    return {role: (anon if role == "anon" else 200 if role in allowed else denied) for role in ROLES}


#: Who sees the audited centre's application (the team of its audit: auditor_on).
APPLICATION_VIEW = TEAM_VIEW | {"contact_own"}

GET = {
    "main.index": expect(LOGGED_IN),
    "main.hello": expect(LOGGED_IN),
    "ops.healthz": {role: 200 for role in ROLES},  # public: load balancers, monitoring
    "main.service_worker": {role: 200 for role in ROLES},  # public: the offline checklist's worker
    "main.manifest": {role: 200 for role in ROLES},  # public: installing the app
    "auth.login": {role: (200 if role == "anon" else 302) for role in ROLES},
    "auth.password": expect(LOGGED_IN),
    "audits.index": expect(LOGGED_IN),
    "audits.plan": expect({"lead"}),
    "audits.detail": expect(TEAM_VIEW),
    "audits.checklist": expect(TEAM_VIEW),
    "audits.review": expect(TEAM_VIEW),
    "audits.card": expect(TEAM_VIEW),
    "audits.download_evidence": expect(TEAM_VIEW),
    "audits.report": expect(TEAM_VIEW),  # a draft of the undecided audit
    "centres.index": expect(LOGGED_IN),
    "centres.detail": expect(CENTRE_VIEW),
    "centres.create": expect(MANAGERS),
    "centres.edit": expect(MANAGERS),
    "centres.import_csv": expect(MANAGERS),
    "centres.export_csv": expect(LOGGED_IN),  # each exports only the centres they may see
    "admin.index": {**expect({"admin"}), "admin": 302},  # forwards to the user list
    "admin.users": expect({"admin"}),
    "admin.user_new": expect({"admin"}),
    "admin.user_edit": expect({"admin"}),
    "admin.user_password": expect({"admin"}),
    "admin.catalogs": expect({"admin"}),
    "admin.tokens": expect({"admin"}),
    "certificates.download": expect(TEAM_VIEW | {"contact_own"}),  # of the decided audit
    "conditions.index": expect(LOGGED_IN),  # each sees the conditions of the audits they see
    "conditions.detail": expect(TEAM_VIEW | {"contact_own"}),  # of the decided audit
    "conditions.download_proof": expect(TEAM_VIEW | {"contact_own"}),
    "verify.form": {role: 200 for role in ROLES},  # public
    "verify.show": {role: 200 for role in ROLES},
    "verify.register": {role: 200 for role in ROLES},
    # The centre's area: its contacts, the team, leads and admins; nobody else (404).
    "applications.apply": expect(MANAGERS | {"contact_own", "contact_other"}),
    "applications.index": expect(LOGGED_IN),  # each sees the applications they may see
    "applications.detail": expect(APPLICATION_VIEW),
    "applications.questionnaire": expect(APPLICATION_VIEW),
    "applications.self_assessment": expect(APPLICATION_VIEW),
    "applications.documents": expect(APPLICATION_VIEW),
    "applications.download": expect(APPLICATION_VIEW),
    # Another centre's application, waiting: only a working-group lead answers it.
    "applications.accept": {**expect({"lead"}), "admin": 403, "contact_other": 403},
}

#: POST endpoints: the roles that may use them. Everyone else is refused (403/404; anonymous
#: users are sent to the sign-in page).
POST = {
    "auth.login": set(ROLES),
    "auth.logout": set(LOGGED_IN),
    "auth.password": set(LOGGED_IN),
    "main.set_language": set(ROLES),
    "audits.plan": {"lead"},
    "audits.transition": {"auditor_on", "admin", "lead"},  # "start": lead auditor, lead, admin
    "audits.save_criterion": {"auditor_on"},
    "audits.upload_evidence": {"auditor_on"},
    "audits.remove_evidence": {"auditor_on"},
    "audits.review_criterion": set(),  # nobody: the audit is not under review
    "audits.agree_remaining": set(),  # nobody: the audit is not under review
    "centres.create": MANAGERS,
    "centres.edit": MANAGERS,
    "centres.import_csv": MANAGERS,
    "admin.user_new": {"admin"},
    "admin.user_edit": {"admin"},
    "admin.user_password": {"admin"},
    "admin.user_deactivate": {"admin"},
    "admin.user_reactivate": {"admin"},
    "admin.catalog_upload": {"admin"},
    "admin.catalog_activate": {"admin"},
    "admin.catalog_retire": {"admin"},
    "admin.token_create": {"admin"},
    "admin.token_revoke": {"admin"},
    "certificates.change_status": {"lead"},
    "applications.apply": MANAGERS | {"contact_own", "contact_other"},
    "applications.accept": {"lead"},
    "applications.decline": {"lead"},
    # The questionnaire is open: only the centre's own contact answers, submits, hands in.
    "applications.save_answer": {"contact_own"},
    "applications.submit": {"contact_own"},
    "applications.save_self_assessment": {"contact_own"},
    "applications.upload": {"contact_own"},
    "applications.remove_file": {"contact_own"},
    "applications.review_document": set(),  # nobody: the questionnaire is not submitted yet
    "applications.complete_review": set(),
    "audits.carry_evidence": {"auditor_on"},  # the team of the open renewal audit
    "conditions.respond": {"contact_own"},  # the centre's contacts answer
    "conditions.add_proof": {"contact_own"},
    "conditions.accept": {"lead", "auditor_on"},  # a lead, or the audit's lead auditor
    "conditions.reject": {"lead", "auditor_on"},
}

#: Values that differ per route where two rules use the same argument name.
OVERRIDES = {"certificates.change_status": {"action": "suspend"},
             "applications.accept": {"application_id": "waiting"},
             "applications.decline": {"application_id": "waiting"}}


def _build_world() -> dict:
    from audit_app.models import User
    from audit_app.services import tokens as token_service

    data = build_world()
    token, _plain = token_service.create_token(db.session.get(User, data["helper_id"]),
                                               label="Matrix")
    db.session.commit()
    data["values"]["token_id"] = token.id
    return data


@pytest.fixture(scope="module")
def world_template(tmp_path_factory, catalog_template):
    """The world, built once for the module (read-only for its tests: each gets a copy)."""
    from tests.conftest import build_template

    return build_template(tmp_path_factory, catalog_template, _build_world, "web-matrix")


@pytest.fixture
def db_template(world_template):
    return world_template


@pytest.fixture
def world(app, world_template):
    """Two centres, one audit in progress with evidence, a decided one, a user for every role."""
    return load_world(world_template.data)


def _rules(app, method):
    """The pages' rules; the API has its own matrix (tests/api/test_matrix.py)."""
    return all_rules(app, method, api=False)


def _url(app, rule, values):
    overrides = {endpoint: {k: values["waiting_application_id"] if v == "waiting" else v
                            for k, v in args.items()} for endpoint, args in OVERRIDES.items()}
    return rule_url(app, rule, values, overrides)


def test_every_route_has_a_permission_decision(app):
    undecided = [r.endpoint for r in _rules(app, "GET") if r.endpoint not in GET]
    undecided += [r.endpoint for r in _rules(app, "POST") if r.endpoint not in POST]
    assert not undecided, f"routes without an entry in the matrix: {sorted(set(undecided))}"


def _login(client, email):
    token = csrf_token(client)
    response = client.post("/auth/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302, f"sign-in of {email} failed"


@pytest.mark.parametrize("backend", ["sqlite"])
@pytest.mark.parametrize("role", ROLES)
def test_get_routes(app, client, world, role, backend):
    if role != "anon":
        _login(client, world["users"][role].email)
    wrong = []
    for rule in _rules(app, "GET"):
        if rule.endpoint not in GET:
            continue
        response = client.get(_url(app, rule, world["values"]))
        if response.status_code != GET[rule.endpoint][role]:
            wrong.append(f"{rule.endpoint}: {response.status_code}, expected {GET[rule.endpoint][role]}")
        if response.status_code == 302 and role == "anon":
            assert "/auth/login" in response.headers["Location"]
        response.close()
    assert not wrong, f"{role}: " + "; ".join(wrong)


@pytest.mark.parametrize("backend", ["sqlite"])
@pytest.mark.parametrize("role", ROLES)
def test_post_routes_refuse_everyone_else_and_change_nothing(app, client, world, role, backend):
    if role != "anon":
        _login(client, world["users"][role].email)
    token = csrf_token(client, "/auth/login" if role == "anon" else "/")
    events_before = db.session.scalar(sa.select(sa.func.count()).select_from(Event))
    wrong = []
    for rule in _rules(app, "POST"):
        if rule.endpoint not in POST or role in POST[rule.endpoint]:
            continue
        data = {"csrf_token": token, "points": "3", "version": "2", "note": "Versuch",
                "file": (io.BytesIO(b"%PDF-1.4\n%%EOF\n"), "x.pdf")}
        response = client.post(_url(app, rule, world["values"]), data=data,
                               content_type="multipart/form-data")
        expected = {302} if role == "anon" else {403, 404}
        if response.status_code not in expected:
            wrong.append(f"{rule.endpoint}: {response.status_code}")
    db.session.rollback()
    assert not wrong, f"{role} was not refused: " + "; ".join(wrong)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Event)) == events_before


@pytest.mark.parametrize("backend", ["sqlite"])
def test_every_post_route_refuses_a_missing_csrf_token(app, client, world, backend):
    _login(client, world["users"]["admin"].email)
    wrong = []
    for rule in _rules(app, "POST"):
        response = client.post(_url(app, rule, world["values"]), data={"note": "ohne Token"})
        if response.status_code != 400:
            wrong.append(f"{rule.endpoint}: {response.status_code}")
    assert not wrong, "accepted without CSRF token: " + "; ".join(wrong)


#: Downloads: revalidated before use, never kept by a shared cache.
DOWNLOADS = {"audits.download_evidence", "audits.report", "certificates.download",
             "applications.download", "conditions.download_proof"}


@pytest.mark.parametrize("backend", ["sqlite"])
@pytest.mark.parametrize("role", ["admin", "auditor_on"])
def test_every_page_for_a_signed_in_user_forbids_caching(app, client, world, role, backend):
    """Signed-in HTML pages and the CSV export: ``private, no-store``; downloads:
    ``private, no-cache``. One rule (security_headers.py) for every route of the URL map."""
    _login(client, world["users"][role].email)
    wrong = []
    for rule in _rules(app, "GET"):
        response = client.get(_url(app, rule, world["values"]))
        if response.status_code != 200 or rule.endpoint.startswith("verify."):
            response.close()
            continue
        expected = ("private, no-cache" if rule.endpoint in DOWNLOADS
                    else "no-store" if rule.endpoint == "ops.healthz"
                    else "no-cache" if rule.endpoint == "main.service_worker"  # public, revalidated
                    else "private, no-store")
        if response.headers.get("Cache-Control") != expected:
            wrong.append(f"{rule.endpoint}: {response.headers.get('Cache-Control')!r}")
        response.close()
    assert not wrong, "; ".join(wrong)
