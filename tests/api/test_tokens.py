"""API tokens: the service, the command line and the administration pages."""
from __future__ import annotations

import hashlib
import re

import pytest
import sqlalchemy as sa

from audit_app.extensions import db
from audit_app.models import ApiToken, Event
from audit_app.services import tokens as token_service
from audit_app.services.errors import ValidationFailed
from tests.conftest import csrf_token, fresh

ADMIN_EMAIL = "geschaeftsstelle@zentren-test.de"


# --- service ------------------------------------------------------------------------------


def test_only_the_hash_is_stored_and_events_never_hold_the_token(make_user):
    user = make_user("auditor")
    token, plain = token_service.create_token(user, label="Auswertung Jürgen", actor=user)
    db.session.commit()
    assert plain.startswith("aiz_") and len(plain) > 40
    assert token.token_hash == hashlib.sha256(plain.encode()).hexdigest()
    assert token.prefix == plain[:12] and plain not in token.prefix + token.label
    fresh()
    stored = db.session.scalars(sa.select(Event)).all()
    assert any(e.action == "api_token_created" for e in stored)
    assert all(plain not in repr((e.old, e.new, e.note)) for e in stored)
    assert token_service.authenticate(plain).id == user.id
    assert token_service.authenticate(plain + "x") is None


def test_tokens_for_deactivated_users_are_refused(make_user):
    from audit_app.services.users import set_active

    user = make_user("auditor")
    set_active(user, False)
    with pytest.raises(ValidationFailed) as exc:
        token_service.create_token(user, label="x")
    assert "user" in exc.value.fields
    with pytest.raises(ValidationFailed):
        token_service.create_token(make_user("auditor"), label="ä" * 101)


# --- command line ------------------------------------------------------------------------


def test_cli_creates_lists_and_revokes_tokens(runner, make_user, api):
    user = make_user("lead", email="juergen@zentren-test.de", name="Jürgen Müller-Strauß")
    result = runner.invoke(args=["token", "create", "--email", user.email,
                                 "--label", "Mitgliederabgleich Geschäftsstelle"])
    assert result.exit_code == 0, result.output
    plain = result.stdout.strip().splitlines()[-1]
    assert plain.startswith("aiz_")
    assert api.get("/me", token=plain).get_json()["email"] == user.email

    listed = runner.invoke(args=["token", "list"])
    assert listed.exit_code == 0
    assert "Mitgliederabgleich Geschäftsstelle" in listed.output and plain[:12] in listed.output
    assert plain not in listed.output and "active" in listed.output

    fresh()
    token_id = db.session.scalar(sa.select(ApiToken.id))
    revoked = runner.invoke(args=["token", "revoke", str(token_id)])
    assert revoked.exit_code == 0 and "revoked" in revoked.output
    assert api.get("/me", token=plain).status_code == 401
    again = runner.invoke(args=["token", "revoke", str(token_id)])
    assert again.exit_code == 0 and "already" in again.output
    assert runner.invoke(args=["token", "revoke", "999"]).exit_code == 1
    missing = runner.invoke(args=["token", "create", "--email", "niemand@zentren-test.de"])
    assert missing.exit_code == 1


# --- administration ----------------------------------------------------------------------


@pytest.fixture
def admin(make_user, auth):
    user = make_user("admin", email=ADMIN_EMAIL, name="Birgit Schäfer")
    assert auth.login(ADMIN_EMAIL).status_code == 302
    return user


def test_admin_creates_a_token_shown_once_and_revokes_it(client, admin, make_user, api):
    user = make_user("auditor", name="Thomas Groß", email="thomas@zentren-test.de")
    page = client.get("/admin/tokens")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "/admin/tokens" in client.get("/admin/users").get_data(as_text=True)  # in the sub-nav
    assert "Thomas Groß" in html

    token = csrf_token(client, "/admin/tokens")
    response = client.post("/admin/tokens", data={"csrf_token": token, "user_id": user.id,
                                                  "label": "Auswertung Groß"})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    shown = re.search(r'value="([^"]+)" readonly[^>]*data-testid="new-token"',
                      response.get_data(as_text=True)).group(1)
    assert api.get("/me", token=shown).get_json()["email"] == "thomas@zentren-test.de"

    listing = client.get("/admin/tokens").get_data(as_text=True)
    assert shown[:12] in listing and shown not in listing and "Auswertung Groß" in listing
    fresh()
    row = db.session.scalar(sa.select(ApiToken))
    assert row.created_by_id == admin.id and row.last_used_at is not None

    # revoking needs the CSRF token
    assert client.post(f"/admin/tokens/{row.id}/revoke").status_code == 400
    response = client.post(f"/admin/tokens/{row.id}/revoke", data={"csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/tokens")
    assert api.get("/me", token=shown).status_code == 401
    fresh()
    assert db.session.get(ApiToken, row.id).revoked_at is not None
    assert client.post("/admin/tokens/999/revoke", data={"csrf_token": token}).status_code == 404


def test_admin_token_form_is_checked(client, admin):
    token = csrf_token(client, "/admin/tokens")
    response = client.post("/admin/tokens", data={"csrf_token": token, "user_id": "999999",
                                                  "label": "x"})
    assert response.status_code == 422
    response = client.post("/admin/tokens", data={"csrf_token": token, "user_id": admin.id,
                                                  "label": "ü" * 101})
    assert response.status_code == 422
    fresh()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ApiToken)) == 0


def test_token_pages_are_for_admins_only(client, auth, make_user):
    lead = make_user("lead", email="lead@zentren-test.de")
    auth.login(lead.email)
    assert client.get("/admin/tokens").status_code == 404
    token = csrf_token(client, "/")
    assert client.post("/admin/tokens", data={"csrf_token": token, "user_id": lead.id}
                       ).status_code == 404


# --- last use: never written inside a reading request's transaction ------------------------


def _last_used(token_hash: str):
    fresh()
    return db.session.scalar(sa.select(ApiToken.last_used_at)
                             .where(ApiToken.token_hash == token_hash))


def test_a_get_notes_the_use_on_a_connection_of_its_own(app, api, make_user, make_token):
    """The token lookup runs in the request's transaction, ``last_used_at`` in another one."""
    plain = make_token(make_user("auditor", name="Jürgen Weiß"))
    connections: dict[str, set] = {"select": set(), "update": set()}

    def seen(conn, cursor, statement, *args):
        if "api_tokens" in statement:
            kind = statement.lstrip().split()[0].lower()
            connections.setdefault(kind, set()).add(id(conn.connection.dbapi_connection))

    sa.event.listen(db.engine, "before_cursor_execute", seen)
    try:
        assert api.get("/me", token=plain).status_code == 200
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", seen)
    assert connections["select"] and connections["update"]
    assert connections["select"].isdisjoint(connections["update"])
    assert _last_used(token_service.hash_token(plain)) is not None


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_get_with_a_fresh_token_succeeds_while_another_connection_commits(
    app, backend, api, make_user, make_token
):
    """The probe's 503: the GET's transaction had read (a WAL snapshot) when another writer
    committed, and could then not become a writer itself. Made to happen exactly there."""
    import sqlite3

    plain = make_token(make_user("auditor", name="Jürgen Weiß"))
    path = db.engine.url.database
    done = []

    def commit_elsewhere(conn, cursor, statement, *args):
        if not done and statement.lstrip().upper().startswith("SELECT") and "api_tokens" in statement:
            done.append(True)
            other = sqlite3.connect(path, isolation_level=None)
            other.execute("UPDATE users SET name = name || ' ' WHERE id = (SELECT min(id) FROM users)")
            other.close()

    sa.event.listen(db.engine, "after_cursor_execute", commit_elsewhere)
    try:
        response = api.get("/me", token=plain)
    finally:
        sa.event.remove(db.engine, "after_cursor_execute", commit_elsewhere)
    assert done and response.status_code == 200, response.get_data(as_text=True)
    assert _last_used(token_service.hash_token(plain)) is not None


def _hold_write_lock(backend: str, token_hash: str):
    """Another connection holding what the usage write needs: SQLite's write lock, or the
    token's row on PostgreSQL. Returns a function that releases it."""
    conn = db.engine.connect()
    if backend == "sqlite":
        conn.connection.driver_connection.execute("BEGIN IMMEDIATE")
        return lambda: (conn.connection.driver_connection.execute("ROLLBACK"), conn.close())
    conn.execute(sa.select(ApiToken.id).where(ApiToken.token_hash == token_hash).with_for_update())
    return lambda: (conn.rollback(), conn.close())


def test_a_busy_database_skips_noting_the_use_but_never_fails_the_request(
    app, backend, api, make_user, make_token, monkeypatch
):
    monkeypatch.setattr(token_service, "NOTE_USE_TIMEOUT_MS", 20)
    plain = make_token(make_user("auditor", name="Jürgen Weiß"))
    digest = token_service.hash_token(plain)
    fresh()
    release = _hold_write_lock(backend, digest)
    try:
        for _ in range(3):
            response = api.get("/me", token=plain)
            assert response.status_code == 200 and response.get_json()["name"] == "Jürgen Weiß"
    finally:
        release()
    assert _last_used(digest) is None  # skipped while busy ...
    assert api.get("/me", token=plain).status_code == 200
    assert _last_used(digest) is not None  # ... and noted by the next request
