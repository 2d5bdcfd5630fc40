"""Production serving: health check, request ids, structured logs without secrets,
ProxyFix, the database-unavailable page, and the gunicorn configuration."""
from __future__ import annotations

import json
import logging
import runpy
from pathlib import Path

import pytest
import sqlalchemy as sa

from audit_app.extensions import db
from audit_app.logging_setup import JsonFormatter, KeyValueFormatter, RedactingFilter
from tests.conftest import PASSWORD, csrf_token

ROOT = Path(__file__).resolve().parents[2]
sqlite_only = pytest.mark.parametrize("backend", ["sqlite"])


def test_healthz_answers_ok_without_sign_in_or_cookie(app, client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}
    assert "Set-Cookie" not in response.headers
    assert response.headers["Cache-Control"] == "no-store"


@sqlite_only
def test_healthz_answers_503_when_the_database_fails(app, client, monkeypatch):
    def broken(*args, **kwargs):
        raise sa.exc.OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(db.session, "execute", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "error", "database": "unavailable"}


@sqlite_only
def test_healthz_answers_json_503_even_for_a_signed_in_browser(app, client, auth, make_user,
                                                               monkeypatch):
    make_user("lead", email="leitung@zentren-test.de")
    auth.login("leitung@zentren-test.de")

    def broken(*args, **kwargs):
        raise sa.exc.OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(db.session, "execute", broken)
    monkeypatch.setattr(db.session, "scalars", broken)  # the user loader would fail too
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "error", "database": "unavailable"}


@sqlite_only
def test_every_response_carries_a_generated_request_id(app, client):
    first = client.get("/auth/login").headers["X-Request-ID"]
    second = client.get("/auth/login").headers["X-Request-ID"]
    assert first != second and len(first) == 32


@sqlite_only
def test_the_client_request_id_is_used_only_when_trusted(app, client):
    response = client.get("/healthz", headers={"X-Request-ID": "lb-1234"})
    assert response.headers["X-Request-ID"] != "lb-1234"
    app.config["TRUST_REQUEST_ID_HEADER"] = True
    assert client.get("/healthz", headers={"X-Request-ID": "lb-1234"}).headers["X-Request-ID"] == "lb-1234"
    # a header that could forge log lines is replaced
    forged = client.get("/healthz", headers={"X-Request-ID": 'x" level=error'})
    assert forged.headers["X-Request-ID"] != 'x" level=error'


def _formatted(caplog) -> str:
    lines = []
    for record in caplog.records:
        lines.append(JsonFormatter().format(record))
        lines.append(KeyValueFormatter().format(record))
    return caplog.text + "\n".join(lines)


@sqlite_only
def test_logs_never_contain_passwords_tokens_or_authorization_headers(
        app, client, make_user, caplog):
    app.config["LOG_REQUESTS"] = True
    user = make_user("auditor", email="geheim@zentren-test.de")
    token = csrf_token(client)
    bearer = "Bearer s3cr3t-api-token-0123456789"
    with caplog.at_level(logging.DEBUG):
        client.post("/auth/login", headers={"Authorization": bearer},
                    data={"email": user.email, "password": "falsch-" + PASSWORD, "csrf_token": token})
        client.post("/auth/login", data={"email": user.email, "password": PASSWORD,
                                         "csrf_token": token})
        client.get("/?token=query-secret-42", headers={"Authorization": bearer})
        logging.getLogger("audit_app.test").warning(
            "careless: password=%s Authorization: %s", PASSWORD, bearer,
            extra={"form": {"password": PASSWORD, "email": user.email}, "token": "tok-99"})
    text = _formatted(caplog)
    assert any(r.name == "audit_app.request" for r in caplog.records)
    for secret in (PASSWORD, "s3cr3t-api-token", "query-secret-42", "tok-99", token):
        assert secret not in text
    assert "[redacted]" in text


def test_json_log_lines_carry_the_request_id(app, client):
    record = logging.LogRecord("audit_app.x", logging.INFO, __file__, 1, "hallo %s", ("Jürgen",), None)
    record.request_id = "abc"
    RedactingFilter().filter(record)
    line = json.loads(JsonFormatter().format(record))
    assert line["msg"] == "hallo Jürgen" and line["request_id"] == "abc" and line["level"] == "info"
    assert KeyValueFormatter().format(record).startswith("ts=")


@sqlite_only
@pytest.mark.fresh_app  # adds a route
def test_proxy_fix_is_off_by_default_and_enabled_by_configuration(app, backend, tmp_path, monkeypatch):
    from audit_app import create_app

    headers = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"}
    seen = {}

    def probe():
        from flask import request

        seen["addr"], seen["scheme"] = request.remote_addr, request.scheme
        return "ok"

    app.add_url_rule("/_probe", "probe", probe)
    app.test_client().get("/_probe", headers=headers)
    assert seen == {"addr": "127.0.0.1", "scheme": "http"}

    proxied = create_app({"TESTING": True, "SECRET_KEY": "x", "PROXY_FIX_X_FOR": 1,
                          "PROXY_FIX_X_PROTO": 1,
                          "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})
    proxied.add_url_rule("/_probe", "probe", probe)
    proxied.test_client().get("/_probe", headers=headers)
    assert seen == {"addr": "203.0.113.7", "scheme": "https"}
    with proxied.app_context():
        db.engine.dispose()


def _add_failing_routes(app):
    def down():
        db.session.execute(sa.text("SELECT 1"))
        raise sa.exc.OperationalError(
            "SELECT 1", {}, Exception("server closed the connection unexpectedly"),
            connection_invalidated=True)

    def bad_query():
        db.session.execute(sa.text("SELECT * FROM no_such_table"))

    app.add_url_rule("/_down", "down", down)
    app.add_url_rule("/api/_down", "api_down", down)
    app.add_url_rule("/_bad", "bad", bad_query)


@pytest.mark.fresh_app  # adds routes
def test_database_unavailable_answers_503_page_and_json_and_logs_one_line(app, client, caplog):
    _add_failing_routes(app)
    with caplog.at_level(logging.INFO, logger="audit_app"):
        page = client.get("/_down")
    assert page.status_code == 503 and page.mimetype == "text/html"
    assert "Traceback" not in page.get_data(as_text=True)
    assert page.headers["Retry-After"] == "5"
    lines = [r for r in caplog.records if r.name == "audit_app.db_unavailable"]
    assert len(lines) == 1 and lines[0].levelno == logging.ERROR and lines[0].exc_info is None
    api = client.get("/api/_down")
    assert api.status_code == 503 and api.get_json()["error"]["code"] in ("503", "service_unavailable")
    # a wrong query is a bug, not an outage: 500
    assert client.get("/_bad").status_code == 500


def test_gunicorn_configuration_is_sane(monkeypatch):
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    conf = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert conf["wsgi_app"] == "audit_app:create_app()"
    assert 2 <= conf["workers"] <= 8
    assert conf["max_requests"] > 0 and 0 < conf["max_requests_jitter"] < conf["max_requests"]
    assert conf["timeout"] >= 30 and conf["accesslog"] == "-"
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    assert runpy.run_path(str(ROOT / "gunicorn.conf.py"))["workers"] == 3
