"""Security headers on every kind of response, and the cookie flags."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from audit_app.security_headers import CONTENT_SECURITY_POLICY
from tests.conftest import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
sqlite_only = pytest.mark.parametrize("backend", ["sqlite"])

EXPECTED = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


def assert_secure_headers(response):
    for name, value in EXPECTED.items():
        assert response.headers.get(name) == value, name
    csp = response.headers["Content-Security-Policy"]
    directives = {d.split()[0]: d.split()[1:] for d in csp.split("; ")}
    assert directives["default-src"] == ["'self'"]
    assert directives["img-src"] == ["'self'", "data:"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["form-action"] == ["'self'"]
    assert directives["base-uri"] == ["'none'"]
    assert directives["object-src"] == ["'none'"]
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp


@sqlite_only
def test_headers_on_html_json_static_errors_and_downloads(app, client, auth, make_user, make_audit):
    assert_secure_headers(client.get("/auth/login"))  # HTML
    assert_secure_headers(client.get("/healthz"))  # JSON
    assert_secure_headers(client.get("/verify/AIZ-2026-9999.json"))  # JSON 404
    with client.get("/static/css/app.css") as static:  # a static file
        assert_secure_headers(static)
    assert_secure_headers(client.get("/no-such-page"))  # HTML error page
    lead = make_user("auditor")
    audit = make_audit(lead=lead)
    auth.login(lead.email)
    assert_secure_headers(client.get(f"/audits/{audit.id}/checklist"))
    assert_secure_headers(client.post("/auth/logout", data={}))  # CSRF error page


@sqlite_only
def test_evidence_download_carries_the_headers(app, client, auth, make_user, make_audit):
    import io

    from audit_app.extensions import db
    from audit_app.models import Evidence

    lead = make_user("auditor")
    audit = make_audit(lead=lead)
    auth.login(lead.email)
    page = client.get(f"/audits/{audit.id}/checklist").get_data(as_text=True)
    code = re.search(r'id="crit-([^"]+)"', page).group(1)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    client.post(f"/audits/{audit.id}/checklist/{code}/evidence",
                data={"csrf_token": token, "file": (io.BytesIO(b"%PDF-1.4 test"), "Nachweis.pdf")},
                content_type="multipart/form-data")
    evidence = db.session.scalars(sa.select(Evidence)).one()
    with client.get(f"/audits/{audit.id}/evidence/{evidence.id}") as response:
        assert response.status_code == 200
        assert response.headers["Content-Disposition"].startswith("attachment")
        assert_secure_headers(response)


@sqlite_only
def test_session_cookie_is_httponly_and_lax_and_not_secure_over_http(app, client, make_user):
    user = make_user("auditor")
    client.get("/auth/login")
    from tests.conftest import csrf_token

    response = client.post("/auth/login", data={"email": user.email, "password": PASSWORD,
                                                "remember": "y", "csrf_token": csrf_token(client)})
    cookies = response.headers.getlist("Set-Cookie")
    session = next(c for c in cookies if c.startswith("session="))
    assert "HttpOnly" in session and "SameSite=Lax" in session and "Secure" not in session


@sqlite_only
@pytest.mark.parametrize("setting", [{"PREFERRED_URL_SCHEME": "https"}, {"SESSION_COOKIE_SECURE": True}])
def test_cookies_are_secure_when_configured_for_https(app, setting):
    from audit_app import create_app
    from audit_app.extensions import db

    secure = create_app({"TESTING": True, "SECRET_KEY": "x",
                         "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"], **setting})
    for prefix in ("SESSION", "REMEMBER"):
        assert secure.config[f"{prefix}_COOKIE_SECURE"] is True
        assert secure.config[f"{prefix}_COOKIE_HTTPONLY"] is True
        assert secure.config[f"{prefix}_COOKIE_SAMESITE"] == "Lax"
    response = secure.test_client().get("/auth/login", base_url="https://localhost")
    session = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "Secure" in session and "HttpOnly" in session
    assert "Strict-Transport-Security" in response.headers
    with secure.app_context():
        db.engine.dispose()


# What the policy forbids, as it would appear in our own templates and static files.
INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE), "inline <script>"),
    (re.compile(r"<style\b", re.IGNORECASE), "<style> element"),
    (re.compile(r"\sstyle\s*=", re.IGNORECASE), "style attribute"),
    (re.compile(r"\son[a-z]+\s*=", re.IGNORECASE), "on* event handler attribute"),
    (re.compile(r"javascript:", re.IGNORECASE), "javascript: URL"),
    (re.compile(r"\shx-on", re.IGNORECASE), "hx-on handler (needs eval)"),
]


def _served_files():
    for path in sorted((ROOT / "templates").rglob("*.html")):
        if "pdf" not in path.relative_to(ROOT / "templates").parts:  # rendered by WeasyPrint only
            yield path
    for path in sorted((ROOT / "audit_app" / "static").rglob("*")):
        if path.suffix in (".svg", ".html") and "vendor" not in path.parts:
            yield path


def test_templates_and_static_files_need_nothing_inline():
    problems = []
    for path in _served_files():
        text = path.read_text(encoding="utf-8")
        for pattern, what in INLINE:
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                problems.append(f"{path.relative_to(ROOT)}:{line}: {what}")
    assert problems == []


def test_htmx_is_told_not_to_inject_its_indicator_style():
    base = (ROOT / "templates" / "base.html").read_text(encoding="utf-8")
    assert '"includeIndicatorStyles": false' in base
    assert '"allowEval": false' in base


def test_policy_text_is_the_documented_one():
    assert "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY
