"""Server-side sessions: a copied cookie stops working when the session ends on the server.

The class: every way a session ends (sign-out, password change, admin reset, deactivation)
× both cookies a browser holds (the session cookie, the remember-me cookie). A "thief" is a
fresh client that carries only a copy of one cookie, taken while the session was valid.
"""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from audit_app.blueprints.auth.identity import REMEMBER_COOKIE, SID_KEY
from audit_app.extensions import db
from audit_app.models import ApiToken, User, UserSession
from audit_app.services import sessions
from tests.conftest import PASSWORD, IsolatedClient, fresh

EMAIL = "jürgen.weiß@zentren-test.de"
ADMIN_EMAIL = "birgit.schaefer@zentren-test.de"
NEW_PASSWORD = "Neues-Passwort-für-Görlitz-2026"
START = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)


class FixedClock:
    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock(monkeypatch) -> FixedClock:
    fixed = FixedClock(START)
    monkeypatch.setattr(sessions, "clock", fixed)
    return fixed


@pytest.fixture
def browser(app):
    """Factory: a new browser (test client with its own cookie jar)."""
    app.test_client_class = IsolatedClient
    return app.test_client


@pytest.fixture
def user(make_user):
    return make_user("auditor", email=EMAIL, name="Jürgen Weiß")


@pytest.fixture
def admin(make_user):
    return make_user("admin", email=ADMIN_EMAIL, name="Birgit Schäfer")


def token_of(client, url: str = "/") -> str:
    html = client.get(url).get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def sign_in(client, email: str = EMAIL, password: str = PASSWORD, remember: bool = True):
    data = {"email": email, "password": password, "csrf_token": token_of(client, "/auth/login")}
    if remember:
        data["remember"] = "y"
    response = client.post("/auth/login", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


def cookie(client, name: str) -> str | None:
    found = client.get_cookie(name)
    return found.value if found is not None else None


def thief_with(browser, name: str, value: str):
    thief = browser()
    thief.set_cookie(name, value)
    return thief


def signed_in(client) -> bool:
    response = client.get("/")
    assert response.status_code in (200, 302)
    return response.status_code == 200


def session_data(app, client) -> dict:
    return app.session_interface.get_signing_serializer(app).loads(cookie(client, "session"))


# --- the class: each end of a session × each cookie ---------------------------------------------


def _sign_out(app, browser, victim, user):
    assert victim.post("/auth/logout", data={"csrf_token": token_of(victim)}).status_code == 302
    assert not signed_in(victim)


def _change_password(app, browser, victim, user):
    response = victim.post("/auth/password", data={
        "current_password": PASSWORD, "new_password": NEW_PASSWORD,
        "new_password_repeat": NEW_PASSWORD, "csrf_token": token_of(victim, "/auth/password")})
    assert response.status_code == 302
    assert signed_in(victim)  # this browser continues, in a new session


def _admin_reset(app, browser, victim, user):
    office = browser()
    sign_in(office, ADMIN_EMAIL, remember=False)
    response = office.post(f"/admin/users/{user.id}/password", data={
        "password": NEW_PASSWORD, "csrf_token": token_of(office, "/admin/users")})
    assert response.status_code == 302
    assert not signed_in(victim)


def _deactivate_and_reactivate(app, browser, victim, user):
    office = browser()
    sign_in(office, ADMIN_EMAIL, remember=False)
    for action in ("deactivate", "reactivate"):
        response = office.post(f"/admin/users/{user.id}/{action}",
                               data={"csrf_token": token_of(office, "/admin/users")})
        assert response.status_code == 302
    fresh()
    assert db.session.get(User, user.id).active


ENDINGS = {"sign-out": _sign_out, "password-change": _change_password,
           "admin-reset": _admin_reset, "deactivation": _deactivate_and_reactivate}


@pytest.mark.parametrize("which", ["session", REMEMBER_COOKIE], ids=["session-cookie",
                                                                     "remember-me-cookie"])
@pytest.mark.parametrize("ending", list(ENDINGS))
def test_a_copied_cookie_stops_working_when_the_session_ends(
    app, browser, user, admin, ending, which
):
    victim = browser()
    sign_in(victim)
    copied = cookie(victim, which)
    assert copied
    if which == "session":  # the copy works while the session lasts
        assert signed_in(thief_with(browser, which, copied))
    ENDINGS[ending](app, browser, victim, user)
    thief = thief_with(browser, which, copied)
    response = thief.get("/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/auth/login")


# --- remember-me tokens ---------------------------------------------------------------------------


def test_every_sign_in_gets_a_new_session_id_and_remember_me_token(app, browser, user):
    seen_sids, seen_tokens = set(), set()
    client = browser()
    for _ in range(3):
        sign_in(client)
        seen_sids.add(session_data(app, client)[SID_KEY])
        seen_tokens.add(cookie(client, REMEMBER_COOKIE))
        client.post("/auth/logout", data={"csrf_token": token_of(client)})
    assert len(seen_sids) == 3 and len(seen_tokens) == 3


def test_without_stay_signed_in_there_is_no_remember_me_cookie(browser, user):
    client = browser()
    response = sign_in(client, remember=False)
    assert cookie(client, REMEMBER_COOKIE) is None
    set_cookies = response.headers.getlist("Set-Cookie")
    # Flask-Login's own remember cookie is never set (at most an old one is deleted).
    assert not any(re.match(r"(remember_token|aiz_remember)=[^;]", c) for c in set_cookies)


def test_only_hashes_are_stored(app, browser, user):
    client = browser()
    sign_in(client)
    sid, remember = session_data(app, client)[SID_KEY], cookie(client, REMEMBER_COOKIE)
    fresh()
    row = db.session.scalars(sa.select(UserSession)).one()
    assert row.sid_hash == sessions.hash_secret(sid) and row.remember_hash == sessions.hash_secret(remember)
    assert sid not in repr(row.__dict__) and remember not in repr(row.__dict__)


def test_the_remember_me_token_renews_an_ended_browser_session_and_rotates(
    app, browser, user, clock
):
    laptop = browser()
    sign_in(laptop)
    first = cookie(laptop, REMEMBER_COOKIE)
    restarted = thief_with(browser, REMEMBER_COOKIE, first)  # the browser after a restart
    response = restarted.get("/")
    assert response.status_code == 200
    second = cookie(restarted, REMEMBER_COOKIE)
    assert second and second != first
    assert any(c.startswith(f"{REMEMBER_COOKIE}=") and "HttpOnly" in c and "SameSite=Lax" in c
               for c in response.headers.getlist("Set-Cookie"))
    assert signed_in(restarted)  # the renewed session holds without the token
    restarted.delete_cookie(REMEMBER_COOKIE)
    assert signed_in(restarted)


def test_a_replaced_token_works_briefly_then_its_reuse_ends_every_session_of_the_family(
    app, browser, user, clock
):
    laptop = browser()
    sign_in(laptop)
    original = cookie(laptop, REMEMBER_COOKIE)
    tab_one, tab_two = (thief_with(browser, REMEMBER_COOKIE, original) for _ in range(2))
    assert signed_in(tab_one)
    clock.advance(seconds=30)
    assert signed_in(tab_two)  # a restored browser's parallel request: still accepted
    clock.advance(minutes=5)
    late = thief_with(browser, REMEMBER_COOKIE, original)
    assert not signed_in(late)  # replaced long ago: someone else holds a copy
    # ... so every session that descends from that sign-in ends.
    for client in (laptop, tab_one, tab_two):
        assert not signed_in(client)
    fresh()
    reasons = set(db.session.scalars(sa.select(UserSession.revoked_reason)))
    assert reasons == {"reused"}


def test_the_remember_me_token_lasts_remember_days_from_the_sign_in(app, browser, user, clock):
    client = browser()
    sign_in(client)
    token = cookie(client, REMEMBER_COOKIE)
    clock.advance(hours=25)  # the session itself has expired (SESSION_LIFETIME_HOURS = 24)
    assert not signed_in(thief_with(browser, "session", cookie(client, "session")))
    assert signed_in(client)  # renewed from the remember-me cookie
    token = cookie(client, REMEMBER_COOKIE)
    clock.now = START + timedelta(days=30, seconds=1)
    renewed_late = thief_with(browser, REMEMBER_COOKIE, token)
    assert not signed_in(renewed_late)
    assert cookie(renewed_late, REMEMBER_COOKIE) is None  # a useless cookie is deleted


def test_a_flask_login_remember_cookie_of_the_old_kind_is_ignored(app, browser, user):
    from flask_login.utils import encode_cookie

    with app.test_request_context():
        legacy = encode_cookie(f"{user.id}:{user.session_version}")
    client = browser()
    client.set_cookie("remember_token", legacy)
    assert not signed_in(client)


def test_sessions_live_in_the_database_so_every_app_server_shares_them(app, browser, user):
    """Two app processes over one database: a session begun on one works on the other, and
    signing out on the other ends it everywhere (nothing is kept per process)."""
    from audit_app import create_app
    from tests.conftest import TEST_SETTINGS

    second = create_app({**TEST_SETTINGS,
                         "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})
    second.test_client_class = IsolatedClient
    first_server = browser()
    sign_in(first_server)
    jar = {name: cookie(first_server, name) for name in ("session", REMEMBER_COOKIE)}
    other_server = second.test_client()
    for name, value in jar.items():
        other_server.set_cookie(name, value)
    try:
        assert signed_in(other_server)
        assert other_server.post("/auth/logout",
                                 data={"csrf_token": token_of(other_server)}).status_code == 302
        for name, value in jar.items():
            assert not signed_in(thief_with(browser, name, value))
    finally:
        with second.app_context():
            db.session.remove()
            db.engine.dispose()


# --- API tokens at password change, reset and deactivation --------------------------------------


@pytest.fixture
def api_tokens(user, admin):
    from audit_app.services import tokens as token_service

    plain = [token_service.create_token(user, label=f"Skript Müller {i}", actor=admin)[1]
             for i in range(2)]
    db.session.commit()
    return plain


def active_tokens(user) -> int:
    fresh()
    return db.session.scalar(sa.select(sa.func.count()).select_from(ApiToken).where(
        ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None)))


@pytest.mark.parametrize("revoke", [False, True], ids=["keep-tokens", "revoke-tokens"])
def test_a_password_change_offers_to_revoke_ones_api_tokens(browser, user, api_tokens, revoke):
    client = browser()
    sign_in(client)
    page = client.get("/auth/password").get_data(as_text=True)
    assert "2 API-Tokens handeln in Ihrem Namen." in page and 'name="revoke_tokens"' in page
    data = {"current_password": PASSWORD, "new_password": NEW_PASSWORD,
            "new_password_repeat": NEW_PASSWORD, "csrf_token": token_of(client, "/auth/password")}
    if revoke:
        data["revoke_tokens"] = "y"
    assert client.post("/auth/password", data=data).status_code == 302
    assert active_tokens(user) == (0 if revoke else 2)
    api = browser(use_cookies=False)
    status = api.get("/api/v1/me", headers={"Authorization": f"Bearer {api_tokens[0]}"}).status_code
    assert status == (401 if revoke else 200)


def test_the_password_page_offers_nothing_without_tokens(browser, user):
    client = browser()
    sign_in(client)
    assert 'name="revoke_tokens"' not in client.get("/auth/password").get_data(as_text=True)


@pytest.mark.parametrize("revoke", [False, True], ids=["keep-tokens", "revoke-tokens"])
def test_an_admin_reset_offers_to_revoke_the_users_api_tokens(browser, user, admin, api_tokens,
                                                              revoke):
    office = browser()
    sign_in(office, ADMIN_EMAIL, remember=False)
    page = office.get(f"/admin/users/{user.id}/password").get_data(as_text=True)
    assert "2 API-Tokens handeln im Namen dieser Person." in page
    data = {"password": NEW_PASSWORD, "csrf_token": token_of(office, "/admin/users")}
    if revoke:
        data["revoke_tokens"] = "y"
    assert office.post(f"/admin/users/{user.id}/password", data=data).status_code == 302
    assert active_tokens(user) == (0 if revoke else 2)


def test_deactivation_always_revokes_the_api_tokens_for_good(browser, user, admin, api_tokens):
    office = browser()
    sign_in(office, ADMIN_EMAIL, remember=False)
    for action in ("deactivate", "reactivate"):
        office.post(f"/admin/users/{user.id}/{action}",
                    data={"csrf_token": token_of(office, "/admin/users")})
    assert active_tokens(user) == 0
    api = browser(use_cookies=False)
    for plain in api_tokens:
        assert api.get("/api/v1/me", headers={"Authorization": f"Bearer {plain}"}).status_code == 401
