"""Tokens on the wire, the error format, languages, pagination and body parsing."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from audit_app.extensions import db
from audit_app.models import ApiToken
from tests.conftest import fresh


def test_requests_without_token_or_with_a_bad_one_are_refused(api, people):
    for headers in ({}, {"Authorization": "Bearer aiz_falsch"}, {"Authorization": "Basic eDp5"},
                    {"Authorization": "Bearer "}):
        response = api.get("/me", headers=headers)
        assert response.status_code == 401
        assert response.get_json()["error"]["code"] == "unauthorized"
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_token_acts_as_its_user(api, people):
    user, token = people["lead"]
    body = api.get("/me", token=token).get_json()
    assert body["id"] == user.id and body["name"] == "Jürgen Müller-Strauß (lead)"
    assert body["roles"] == ["lead"]


def test_a_revoked_token_and_a_deactivated_user_are_refused(api, people):
    from audit_app.services import tokens as token_service
    from audit_app.services import users as user_service

    user, token = people["lead"]
    assert api.get("/me", token=token).status_code == 200
    row = db.session.scalar(sa.select(ApiToken).where(ApiToken.user_id == user.id))
    token_service.revoke_token(row)
    db.session.commit()
    assert api.get("/me", token=token).status_code == 401

    other, other_token = people["auditor"]
    user_service.set_active(other, False)
    db.session.commit()
    assert api.get("/me", token=other_token).status_code == 401


def test_last_used_is_written_at_most_once_a_minute(api, people):
    user, token = people["auditor"]
    api.get("/me", token=token)
    fresh()
    row = db.session.scalar(sa.select(ApiToken).where(ApiToken.user_id == user.id))
    first = row.last_used_at
    assert first is not None
    api.get("/me", token=token)
    fresh()
    assert db.session.get(ApiToken, row.id).last_used_at == first
    row = db.session.get(ApiToken, row.id)
    row.last_used_at = first - timedelta(minutes=2)
    db.session.commit()
    api.get("/me", token=token)
    fresh()
    assert db.session.get(ApiToken, row.id).last_used_at > first - timedelta(minutes=1)


def test_a_signed_in_browser_session_does_not_authenticate_the_api(client, auth, make_user):
    user = make_user("admin", email="admin@api-cookie.de")
    assert auth.login(user.email).status_code == 302
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert "Cookie" in response.get_json()["error"]["message"] or "cookie" in response.get_json()[
        "error"]["message"]
    # ... nor does the API need (or check) a CSRF token when a bearer token is sent.


def test_token_requests_set_no_cookie_and_need_no_csrf(api, people, make_centre):
    _user, token = people["lead"]
    response = api.post("/centres", token=token, json={
        "name": "Gründerzentrum Würzburg", "city": "Würzburg", "federal_state": "BY"})
    assert response.status_code == 201
    assert "Set-Cookie" not in response.headers


def test_errors_are_json_in_the_requested_language(api, people):
    _user, token = people["auditor"]
    en = api.get("/centres/999999", token=token, lang="en").get_json()["error"]
    de = api.get("/centres/999999", token=token, lang="de").get_json()["error"]
    assert en["code"] == de["code"] == "not_found"
    assert en["message"] == "This page does not exist or you cannot see it."
    assert de["message"] != en["message"] or de["message"]  # German once translations-pending is merged


def test_unknown_routes_and_methods_answer_json(api, people):
    _user, token = people["auditor"]
    response = api.get("/gibt-es-nicht", token=token, check=False)
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"
    response = api.request("DELETE", "/me", token=token, check=False)
    assert response.status_code == 405
    assert response.get_json()["error"]["code"] == "method_not_allowed"
    assert "GET" in response.headers["Allow"]


def test_malformed_json_and_non_objects_are_400(api, people):
    _user, token = people["lead"]
    for data, code in (("{kaputt", "malformed_json"), ("[1, 2]", "not_an_object"),
                       ('"Zeichenkette"', "not_an_object"), ("", "not_an_object"),
                       ("\xff\xfe", "malformed_json")):
        response = api.post("/centres", token=token, data=data)
        assert response.status_code == 400, data
        assert response.get_json()["error"]["code"] == code


def test_a_body_over_the_limit_is_413(app, api, people):
    _user, token = people["lead"]
    app.config["MAX_CONTENT_LENGTH"] = 1000
    response = api.post("/centres", token=token, data='{"name": "' + "ä" * 2000 + '"}')
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "payload_too_large"


def test_unknown_fields_and_unstorable_text_are_422(api, people):
    _user, token = people["lead"]
    response = api.post("/centres", token=token, json={"name": "Zentrum", "farbe": "grün"})
    assert response.status_code == 422
    assert "farbe" in response.get_json()["error"]["fields"]
    response = api.post("/centres", token=token, json={"name": "Zen\u0000trum", "city": "Jena",
                                                      "federal_state": "TH"})
    assert response.status_code == 422 and "name" in response.get_json()["error"]["fields"]


def test_an_unexpected_error_is_a_json_500_without_trace(app, api, people, monkeypatch):
    from audit_app.services import catalogs

    def boom(*args, **kwargs):
        raise RuntimeError("geheimes Detail")

    monkeypatch.setattr(catalogs, "catalog_page", boom)
    _user, token = people["auditor"]
    response = api.get("/catalogs", token=token, check=False)
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert response.get_json()["error"]["code"] == "internal_error"
    assert "geheimes Detail" not in body and "Traceback" not in body


def test_pagination_arguments_are_checked(api, people):
    _user, token = people["lead"]
    for query in ("per_page=101", "per_page=0", "page=0", "page=eins", "per_page=-1",
                  "page=99999999999999999999"):
        response = api.get(f"/users?{query}", token=token)
        assert response.status_code == 422, query
        assert response.get_json()["error"]["code"] == "validation_failed"
    body = api.get("/users?per_page=2&page=2", token=token).get_json()
    assert body["page"] == 2 and body["per_page"] == 2 and body["total"] == 5
    assert len(body["items"]) == 2
    assert api.get("/users?per_page=100", token=token).status_code == 200


def test_an_unreachable_database_is_a_json_503(api, people, monkeypatch):
    import sqlite3

    from sqlalchemy.exc import OperationalError

    from audit_app.services import catalogs

    def locked(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, sqlite3.OperationalError("database is locked"))

    monkeypatch.setattr(catalogs, "catalog_page", locked)
    response = api.get("/catalogs", token=people["auditor"][1], check=False)
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "service_unavailable"
    assert response.headers["Retry-After"] == "5"


# --- the token's user as flask_login's current_user ---------------------------------------


def test_a_token_with_a_browser_session_of_someone_else_acts_as_the_token_user(
        client, auth, make_user, make_token):
    """The session never wins over the token, and the API writes no session cookie."""
    browser_user = make_user("admin", email="admin@sitzung-api.de")
    token_user = make_user("auditor", name="Özlem Yıldız")
    assert auth.login(browser_user.email).status_code == 302
    response = client.get("/api/v1/me",
                          headers={"Authorization": f"Bearer {make_token(token_user)}"})
    assert response.status_code == 200
    assert response.get_json()["id"] == token_user.id
    assert "Set-Cookie" not in response.headers


def test_the_token_user_is_set_through_the_public_helper(app, api, people):
    """Flask-Login's private methods are not called, and its signal says who signed in."""
    import inspect

    from flask_login import user_loaded_from_request

    from audit_app.api import auth as api_auth

    assert "login_manager._" not in inspect.getsource(api_auth)
    received = []

    def note(sender, user):
        received.append(user.id)

    user, token = people["auditor"]
    with user_loaded_from_request.connected_to(note, app):
        assert api.get("/me", token=token).status_code == 200
    assert received == [user.id]


def test_current_user_reads_what_the_helper_sets(app, make_user):
    """Guards the one place that knows where Flask-Login keeps the user (a Flask-Login
    upgrade that moves it fails here, not in production)."""
    from flask_login import current_user

    from audit_app.request_user import loaded_request_user, set_request_user

    user = make_user("lead")
    with app.test_request_context("/api/v1/me"):
        assert loaded_request_user() is None
        set_request_user(user)
        assert current_user.id == user.id and loaded_request_user() is user
