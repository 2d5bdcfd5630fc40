"""API test helpers: tokens, a client that sends them, and OpenAPI checks of every response.

Every response an ``api`` call receives is checked against the OpenAPI description: the
path and method must be described, the status documented for the operation, and a JSON
body must match the documented schema. Tests therefore validate the spec as they go.
"""
from __future__ import annotations

import re
from functools import lru_cache

import pytest
from jsonschema import Draft202012Validator

API = "/api/v1"


@lru_cache(maxsize=1)
def _document() -> dict:
    from audit_app.api.openapi import spec

    return spec()


def _operations():
    for path, methods in _document()["paths"].items():
        pattern = re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(path)) + "$")
        for method, op in methods.items():
            yield pattern, path, method, op


def find_operation(method: str, url: str) -> tuple[str, dict]:
    """The described operation answering ``method url`` (URL under /api/v1, query ignored)."""
    path = url.split("?", 1)[0]
    assert path.startswith(API), url
    path = path[len(API):]
    matches = [(p, op) for pattern, p, m, op in _operations()
               if m == method.lower() and pattern.match(path)]
    assert matches, f"{method} {path} is not described in the OpenAPI document"
    # The most specific template (fewest parameters) wins: /certificates/{number}.pdf
    return min(matches, key=lambda pair: (pair[0].count("{"), -len(pair[0])))


def check_response(method: str, url: str, response) -> None:
    """Assert that ``response`` is what the description promises for ``method url``."""
    template, op = find_operation(method, url)
    status = str(response.status_code)
    assert status in op["responses"], (
        f"{method} {template}: status {status} is not documented "
        f"(documented: {sorted(op['responses'])}); body: {response.get_data(as_text=True)[:300]}")
    documented = op["responses"][status].get("content", {})
    media = (response.mimetype or "").lower()
    assert media in documented, f"{method} {template} {status}: {media} not documented"
    if media == "application/json":
        schema = {**documented[media]["schema"], "components": _document()["components"]}
        errors = sorted(Draft202012Validator(schema).iter_errors(response.get_json()),
                        key=lambda e: list(e.path))
        assert not errors, (f"{method} {template} {status}: response does not match its schema: "
                            + "; ".join(f"{list(e.path)}: {e.message}" for e in errors[:5]))
    if response.status_code >= 400 and response.status_code != 410 and media == "application/json":
        body = response.get_json()
        assert set(body["error"]) >= {"code", "message", "fields"}
        assert "Traceback" not in response.get_data(as_text=True)


class ApiClient:
    """Sends API requests with a bearer token and checks each response against the spec."""

    def __init__(self, client):
        self.client = client

    def request(self, method: str, path: str, *, token: str | None = None, json=None,
                data=None, headers: dict | None = None, lang: str | None = None, check=True,
                content_type: str | None = None):
        url = path if path.startswith(API) else API + path
        headers = dict(headers or {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if lang:
            headers["Accept-Language"] = lang
        kwargs = {"headers": headers}
        if json is not None:
            kwargs["json"] = json
        if data is not None:
            kwargs["data"] = data
            kwargs["content_type"] = content_type or "application/json"
        response = self.client.open(url, method=method, **kwargs)
        if check:
            check_response(method, url, response)
        return response

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, **kw):
        return self.request("POST", path, **kw)

    def put(self, path, **kw):
        return self.request("PUT", path, **kw)

    def patch(self, path, **kw):
        return self.request("PATCH", path, **kw)


@pytest.fixture
def api(app):
    """An API client without cookies (a fresh test client per fixture)."""
    from tests.conftest import IsolatedClient

    app.test_client_class = IsolatedClient
    return ApiClient(app.test_client(use_cookies=False))


@pytest.fixture
def make_token(app):
    """Factory: ``make_token(user, label=...)`` → the plain token."""
    from audit_app.extensions import db
    from audit_app.services import tokens as token_service

    def make(user, label: str = "Testskript Müller") -> str:
        _row, plain = token_service.create_token(user, label=label)
        db.session.commit()
        return plain

    return make


@pytest.fixture
def people(make_user, make_token):
    """A lead, an admin, two auditors and a contact, each with a token: ``(user, token)``."""
    out = {}
    for key, role in (("lead", "lead"), ("admin", "admin"), ("auditor", "auditor"),
                      ("helper", "auditor"), ("other", "auditor")):
        user = make_user(role, name=f"Jürgen Müller-Strauß ({key})")
        out[key] = (user, make_token(user))
    return out
