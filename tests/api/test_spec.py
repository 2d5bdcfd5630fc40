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


def test_every_body_and_response_schema_is_generated_from_a_model():
    """No hand-written schema: every component is a pydantic model's generated schema, every
    JSON response and request body refers to one, and openapi.py writes no object schema."""
    import ast
    from pathlib import Path

    from audit_app.api import openapi as openapi_module
    from audit_app.api.components import referenced_components
    from audit_app.api.responses import RESPONSES, response_schemas
    from audit_app.api.schemas import BODIES, body_schemas

    document = spec()
    assert document["components"]["schemas"] == {**body_schemas(), **response_schemas()}
    from audit_app.api.schemas import UPLOADS

    responses, bodies = {m.__name__ for m in RESPONSES}, set(BODIES) | set(UPLOADS)
    for path, ops in document["paths"].items():
        for method, op in ops.items():
            for status, response in op["responses"].items():
                for media, content in response.get("content", {}).items():
                    if media != "application/json":
                        continue  # PDFs and the /docs page
                    schema = content["schema"]
                    assert set(schema) == {"$ref"}, f"{method} {path} {status}: {schema}"
                    assert referenced_components(schema) <= responses, f"{method} {path} {status}"
            for media, content in op.get("requestBody", {}).get("content", {}).items():
                schema = content["schema"]  # JSON bodies and multipart file uploads alike
                if media == "application/octet-stream":  # a file upload: the bytes themselves
                    assert schema == {"type": "string", "format": "binary"}, f"{method} {path}"
                    continue
                assert set(schema) == {"$ref"} and referenced_components(schema) <= bodies
    source = ast.parse(Path(openapi_module.__file__).read_text(encoding="utf-8"))
    shapes = {"properties", "additionalProperties", "allOf", "anyOf", "oneOf", "items"}
    written = [node.lineno for node in ast.walk(source) if isinstance(node, ast.Dict)
               and shapes & {k.value for k in node.keys if isinstance(k, ast.Constant)}]
    assert written == [], f"hand-written schema shapes in openapi.py at lines {written}"


def test_response_models_send_exactly_the_centre_fields_of_the_service():
    """The centre's JSON and the service's editable fields are one list."""
    from audit_app.api.responses import Centre
    from audit_app.services.centres import FIELDS

    assert set(Centre.model_fields) - {"id", "label_status", "label_until"} == set(FIELDS)
