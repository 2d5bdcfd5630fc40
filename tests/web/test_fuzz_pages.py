"""Arbitrary text in every query parameter and every form field of every page: never a 5xx.

Generated, so that a new page, parameter or field is covered without touching this file:
the pages come from the URL map, the query parameters from the code that reads them
(``request.args``, ``args.get(...)`` and forms bound to ``request.args``), the form fields
from every form class. Each page's parameters (or each POST route's fields) are filled
together with hypothesis-generated strings — NUL bytes, umlauts, digits of other scripts,
huge numbers — a fixed number of derandomised examples per route.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.conftest import PASSWORD, build_template, csrf_token
from tests.route_matrix import build_world, load_world, rule_url, rules
from tests.web.test_input_rules import FORMS

ROOT = Path(__file__).resolve().parents[2] / "audit_app"
EXAMPLES = 8
#: Routes whose purpose would end the fuzzing session.
SKIP_POST = {"auth.logout", "auth.login"}
#: The team's routes are fuzzed as the lead auditor, the rest as an administrator and lead.
TEAM_ENDPOINTS = {"audits.save_criterion", "audits.upload_evidence", "audits.remove_evidence",
                  "audits.card", "audits.checklist"}
#: The centre's area is fuzzed as the centre's own contact.
CONTACT_ENDPOINTS = {"applications.save_answer", "applications.save_self_assessment",
                     "applications.upload", "applications.remove_file", "applications.submit",
                     "applications.questionnaire", "applications.self_assessment",
                     "applications.documents", "applications.detail"}


def _overrides(values) -> dict:
    """The lead's answer goes to the application that waits for one."""
    waiting = {"application_id": values["waiting_application_id"]}
    return {"certificates.change_status": {"action": "suspend"},
            "applications.accept": waiting, "applications.decline": waiting}


def query_parameters() -> list[str]:
    """Every query parameter the pages read, found in the code."""
    names = set()
    form_classes = set()
    for path in ROOT.rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        names.update(re.findall(r"args\.get\(\s*\"(\w+)\"", source))
        form_classes.update(re.findall(r"(\w+Form)\(request\.args", source))
    for cls in [*FORMS, *_plain_forms()]:
        if cls.__name__ in form_classes:
            names.update(k for k, v in vars(cls).items() if hasattr(v, "field_class"))
    return sorted(names | {"page"})


def _plain_forms():
    from audit_app.blueprints.centres.forms import CentreFilterForm

    return [CentreFilterForm]


def form_fields() -> list[str]:
    """Every field name of every form class (and the few read from request.form directly)."""
    names = {"next", "sealed"}
    for cls in FORMS:
        names.update(k for k, v in vars(cls).items() if hasattr(v, "field_class"))
    names.discard("csrf_token")
    return sorted(names)


#: Values that once broke a page (issue 12): every route gets each of them in every field.
KNOWN_BAD = ("99999999999999999999", "1e400", "1e26", "²", "\x00", "9" * 30)
TEXT = st.text(max_size=40) | st.sampled_from([
    "99999999999999999999", "1e400", "1e26", "-1", "²", "١٢", "１２", "1_000", "\x00",
    "Go\u0308ttingen", "\u202eevil", "", " ", "0", "3", "de", "en", "award", "A2"])


def _world() -> dict:
    from audit_app.extensions import db
    from tests.factories import make_user

    from audit_app.models import User
    from audit_app.services import tokens as token_service

    data = build_world()
    token, _plain = token_service.create_token(db.session.get(User, data["helper_id"]),
                                               label="Fuzz")
    data["values"]["token_id"] = token.id
    data["fuzzer_id"] = make_user(roles=["admin", "lead"], email="fuzz@matrix.de",
                                  name="Fuzz Müller-Lüdenscheidt").id
    db.session.commit()
    return data


@pytest.fixture(scope="module")
def world_template(tmp_path_factory, catalog_template):
    return build_template(tmp_path_factory, catalog_template, _world, "web-fuzz")


@pytest.fixture
def db_template(world_template):
    return world_template


def _login(app, email):
    from tests.conftest import IsolatedClient

    app.test_client_class = IsolatedClient
    client = app.test_client()
    token = csrf_token(client)
    client.post("/auth/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
    return client


def _known_bad(names):
    def decorate(fn):
        for value in KNOWN_BAD:
            fn = example({name: value for name in names})(fn)
        return fn

    return decorate


def _settings():
    return settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                    suppress_health_check=list(HealthCheck))


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["sqlite"])
def test_arbitrary_query_parameters_never_give_a_server_error(app, world_template, backend):
    world = load_world(world_template.data)
    admin = _login(app, "fuzz@matrix.de")
    team = _login(app, world["users"]["auditor_on"].email)
    contact = _login(app, world["users"]["contact_own"].email)
    params = query_parameters()
    assert {"page", "q", "status", "lang", "sort", "role"} <= set(params), params
    failures, statuses = [], {}
    for rule in rules(app, "GET", api=False):
        url = rule_url(app, rule, world["values"], _overrides(world["values"]))
        client = (team if rule.endpoint in TEAM_ENDPOINTS else
                  contact if rule.endpoint in CONTACT_ENDPOINTS else admin)

        @_settings()
        @given(st.fixed_dictionaries({name: TEXT for name in params}))
        @_known_bad(params)
        def request(query):
            response = client.get(url, query_string=query)
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
            if response.status_code >= 500:
                failures.append(f"GET {url} {query!r}: {response.status_code}")
            response.close()

        request()
    assert failures == []
    assert statuses.get(200, 0) >= EXAMPLES * 20, statuses


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["sqlite"])
def test_arbitrary_form_fields_never_give_a_server_error(app, world_template, backend):
    world = load_world(world_template.data)
    admin = _login(app, "fuzz@matrix.de")
    team = _login(app, world["users"]["auditor_on"].email)
    contact = _login(app, world["users"]["contact_own"].email)
    tokens = {id(admin): csrf_token(admin, "/"), id(team): csrf_token(team, "/"),
              id(contact): csrf_token(contact, "/")}
    fields = form_fields()
    assert {"name", "comment", "points", "value", "reason", "note", "email"} <= set(fields)
    failures, statuses = [], {}
    for rule in rules(app, "POST", api=False):
        if rule.endpoint in SKIP_POST:
            continue
        url = rule_url(app, rule, world["values"], _overrides(world["values"]))
        client = (team if rule.endpoint in TEAM_ENDPOINTS else
                  contact if rule.endpoint in CONTACT_ENDPOINTS else admin)

        @_settings()
        @given(st.fixed_dictionaries({name: TEXT for name in fields}))
        @_known_bad(fields)
        def post(data):
            response = client.post(url, data={**data, "csrf_token": tokens[id(client)]})
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
            if response.status_code >= 500:
                failures.append(f"POST {url} {data!r}: {response.status_code}")
            response.close()

        post()
    assert failures == []
    assert sum(statuses.values()) >= EXAMPLES * 20 and len(statuses) >= 3, statuses
