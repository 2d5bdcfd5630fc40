"""The OpenAPI description: valid OpenAPI 3.1, and exactly the blueprint's routes."""
from __future__ import annotations

import re

import pytest
from openapi_spec_validator import validate

from audit_app.api.openapi import spec
from tests.route_matrix import rules


def _template(rule: str) -> str:
    """/api/v1/audits/<int(max=…):audit_id> → /audits/{audit_id}."""
    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule)[len("/api/v1"):]


def test_the_description_is_valid_openapi_3_1():
    document = spec()
    assert document["openapi"].startswith("3.1")
    validate(document)


@pytest.mark.parametrize("backend", ["sqlite"])
def test_every_route_is_described_and_every_description_is_a_route(app, backend):
    routes = {
        (_template(r.rule), method.lower())
        for method in ("GET", "POST", "PUT", "PATCH", "DELETE")
        for r in rules(app, method, api=True)
    }
    described = {(path, method) for path, ops in spec()["paths"].items() for method in ops}
    assert routes - described == set(), "routes missing from the description"
    assert described - routes == set(), "described operations without a route"


def test_every_operation_documents_its_errors():
    for path, ops in spec()["paths"].items():
        for method, op in ops.items():
            codes = set(op["responses"])
            if op.get("security") != []:
                assert "401" in codes, f"{method} {path}"
            if "requestBody" in op:
                assert {"400", "413", "422"} <= codes, f"{method} {path}"
            if "{" in path and op.get("security") != []:
                assert "404" in codes, f"{method} {path}"


@pytest.mark.parametrize("backend", ["sqlite"])
def test_the_description_is_served_and_the_docs_page_renders_it(app, client, backend):
    served = client.get("/api/v1/openapi.json")
    assert served.status_code == 200 and served.get_json() == spec()
    for lang in ("de", "en"):
        page = client.get(f"/api/v1/docs?lang={lang}")
        html = page.get_data(as_text=True)
        assert page.status_code == 200 and page.mimetype == "text/html"
        assert f'<html lang="{lang}"' in html  # German texts: translations-pending/api.py
        assert "PUT /audits/{audit_id}/assessments/{code}" in html
        assert 'id="schema-Assessment"' in html
        assert 'src="http' not in html and 'href="http' not in html  # nothing from a CDN
