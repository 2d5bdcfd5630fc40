"""Sign-in hardening: the login throttle and changing one's own password."""
from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from audit_app.extensions import db
from audit_app.models import Event, LoginAttempt, User
from audit_app.services import throttle
from tests.conftest import PASSWORD, IsolatedClient, csrf_token

LOCKED = "Zu viele fehlgeschlagene Anmeldeversuche. Bitte versuchen Sie es in 15 Minuten erneut."
WRONG = "E-Mail oder Passwort ist falsch."
EMAIL = "jürgen.müller@zentren-test.de"
WRONG_PASSWORD = "Falsches-Passwort-äöü-1"
START = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


class FixedClock:
    """The throttle's clock, standing still until a test moves it."""

    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock(monkeypatch) -> FixedClock:
    fixed = FixedClock(START)
    monkeypatch.setattr(throttle, "clock", fixed)
    return fixed


@pytest.fixture
def user(make_user):
    return make_user("auditor", email=EMAIL, name="Jürgen Müller-Strauß")


ADDRESS = "198.51.100.23"


def sign_in(client, email: str, password: str, address: str = ADDRESS):
    """POST the sign-in form from ``address`` (the token is read first, from the same address)."""
    environ = {"REMOTE_ADDR": address}
    page = client.get("/auth/login", environ_base=environ).get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    return client.post(
        "/auth/login",
        data={"email": email, "password": password, "csrf_token": token},
        environ_base=environ,
    )


def flash_text(response) -> str:
    match = re.search(r'<p class="flash flash-error">(.*?)</p>', response.get_data(as_text=True))
    return match.group(1) if match else ""


def signed_in(client, address: str = ADDRESS) -> bool:
    # Same address as the sign-in: the "strong" session protection ends a session that
    # moves to another address.
    return client.get("/", environ_base={"REMOTE_ADDR": address}).status_code == 200


def sign_out(client, address: str = ADDRESS) -> None:
    environ = {"REMOTE_ADDR": address}
    page = client.get("/", environ_base=environ).get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    assert client.post("/auth/logout", data={"csrf_token": token},
                       environ_base=environ).status_code == 302


class TestThrottlePerAccount:
    def test_five_failures_lock_the_account_even_for_the_right_password(self, client, user, clock):
        for _ in range(5):
            response = sign_in(client, EMAIL, WRONG_PASSWORD)
            assert response.status_code == 200 and flash_text(response) == WRONG
            clock.advance(seconds=30)
        response = sign_in(client, EMAIL, PASSWORD)
        assert response.status_code == 429
        assert flash_text(response) == LOCKED
        # Locked until 15 minutes after the 5th failure (09:02:00), asked at 09:02:30.
        assert int(response.headers["Retry-After"]) == 15 * 60 - 30
        assert not signed_in(client)
        # The refused attempt was not checked, so it is not recorded either.
        db.session.rollback()
        db.session.expire_all()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(LoginAttempt)) == 5
        assert db.session.get(User, user.id).last_login_at is None

    def test_the_lock_holds_for_that_address_only_so_nobody_can_lock_out_the_owner(
        self, client, user, clock
    ):
        # The probe: 5 bad attempts from any address locked the account everywhere.
        for _ in range(5):
            sign_in(client, EMAIL, WRONG_PASSWORD, address="198.51.100.23")
        assert sign_in(client, EMAIL, PASSWORD, address="198.51.100.23").status_code == 429
        response = sign_in(client, EMAIL, PASSWORD, address="203.0.113.99")
        assert response.status_code == 302 and response.headers["Location"] == "/"

    def test_the_lock_ends_fifteen_minutes_after_the_fifth_failure(self, client, user, clock):
        for _ in range(5):
            sign_in(client, EMAIL, WRONG_PASSWORD)
            clock.advance(minutes=1)
        # 5th failure at 09:04; locked until 09:19.
        clock.now = START + timedelta(minutes=18, seconds=59)
        assert sign_in(client, EMAIL, PASSWORD).status_code == 429
        clock.now = START + timedelta(minutes=19)
        response = sign_in(client, EMAIL, PASSWORD)
        assert response.status_code == 302 and response.headers["Location"] == "/"
        assert signed_in(client)

    def test_message_is_identical_for_existing_and_unknown_emails(self, client, user, clock):
        unknown = "niemand.größer@zentren-test.de"
        for email in (EMAIL, unknown):
            for _ in range(5):
                assert flash_text(sign_in(client, email, WRONG_PASSWORD)) == WRONG
        existing_response = sign_in(client, EMAIL, PASSWORD)
        unknown_response = sign_in(client, unknown, PASSWORD)
        assert existing_response.status_code == unknown_response.status_code == 429
        assert flash_text(existing_response) == flash_text(unknown_response) == LOCKED
        assert (existing_response.headers["Retry-After"]
                == unknown_response.headers["Retry-After"])

    def test_email_is_normalised_before_counting(self, client, user, clock):
        for variant in ("Jürgen.Müller@Zentren-Test.de", " jürgen.müller@zentren-test.de ",
                        "JÜRGEN.MÜLLER@ZENTREN-TEST.DE", EMAIL, EMAIL):
            sign_in(client, variant, WRONG_PASSWORD)
        assert sign_in(client, EMAIL, PASSWORD).status_code == 429

    def test_success_clears_the_accounts_failures(self, client, user, clock):
        for _ in range(4):
            sign_in(client, EMAIL, WRONG_PASSWORD)
        assert sign_in(client, EMAIL, PASSWORD).status_code == 302
        sign_out(client)
        for _ in range(4):
            assert sign_in(client, EMAIL, WRONG_PASSWORD).status_code == 200
        # Without the clearing, these would be failures 5 to 8 within 15 minutes.
        assert sign_in(client, EMAIL, PASSWORD).status_code == 302

    def test_failures_older_than_the_window_do_not_count(self, client, user, clock):
        for _ in range(4):
            sign_in(client, EMAIL, WRONG_PASSWORD)
        clock.advance(minutes=15)
        for _ in range(4):
            sign_in(client, EMAIL, WRONG_PASSWORD)
        assert sign_in(client, EMAIL, PASSWORD).status_code == 302

    def test_deactivated_account_fails_like_a_wrong_password_and_counts(
        self, client, user, clock
    ):
        user.active = False
        db.session.commit()
        for _ in range(5):
            response = sign_in(client, EMAIL, PASSWORD)
            assert response.status_code == 200 and flash_text(response) == WRONG
        assert sign_in(client, EMAIL, PASSWORD).status_code == 429


class TestThrottlePerAddress:
    def test_twenty_failures_from_one_address_lock_that_address(self, client, user, clock):
        for n in range(20):
            sign_in(client, f"unbekannt{n}@zentren-test.de", WRONG_PASSWORD, address="192.0.2.50")
            clock.advance(seconds=20)
        response = sign_in(client, EMAIL, PASSWORD, address="192.0.2.50")
        assert response.status_code == 429 and flash_text(response) == LOCKED
        # The account itself is not locked: from another address the right password works.
        response = sign_in(client, EMAIL, PASSWORD, address="192.0.2.51")
        assert response.status_code == 302

    def test_nineteen_failures_do_not_lock_the_address(self, client, user, clock):
        for n in range(19):
            sign_in(client, f"unbekannt{n}@zentren-test.de", WRONG_PASSWORD, address="192.0.2.50")
        assert sign_in(client, EMAIL, PASSWORD, address="192.0.2.50").status_code == 302

    def test_a_success_does_not_clear_the_address(self, client, user, make_user, clock):
        make_user("auditor", email="eigenes.konto@zentren-test.de")
        for n in range(19):
            sign_in(client, f"unbekannt{n}@zentren-test.de", WRONG_PASSWORD, address="192.0.2.50")
        assert sign_in(client, "eigenes.konto@zentren-test.de", PASSWORD,
                       address="192.0.2.50").status_code == 302
        sign_out(client, "192.0.2.50")
        sign_in(client, "noch.einer@zentren-test.de", WRONG_PASSWORD, address="192.0.2.50")
        assert sign_in(client, EMAIL, PASSWORD, address="192.0.2.50").status_code == 429


LIMITS = throttle.Limits(pair=5, address=20, lock=timedelta(minutes=15), ceiling=25,
                         slow=timedelta(seconds=10))


class TestThrottleService:
    """The service with explicit times (no requests)."""

    def _fail(self, email, address, at):
        throttle.record_attempt(email, address, succeeded=False, now=at)

    def test_lock_lasts_from_the_failure_that_reached_the_threshold(self, app):
        times = [START + timedelta(minutes=m) for m in (0, 2, 4, 6, 8)]
        for at in times[:4]:
            self._fail("a@zentren-test.de", "192.0.2.1", at)
        assert throttle.check("a@zentren-test.de", "192.0.2.1", now=times[3],
                              limits=LIMITS) is None
        self._fail("a@zentren-test.de", "192.0.2.1", times[4])
        refusal = throttle.check("a@zentren-test.de", "192.0.2.1", now=times[4], limits=LIMITS)
        assert refusal == throttle.Refusal(until=times[4] + timedelta(minutes=15), locked=True)
        # Locked is the pair: the same account from elsewhere, and another account, are not.
        assert throttle.check("a@zentren-test.de", "192.0.2.9", now=times[4], limits=LIMITS) is None
        assert throttle.check("b@zentren-test.de", "192.0.2.1", now=times[4], limits=LIMITS) is None

    def test_failures_spread_wider_than_the_window_never_lock(self, app):
        for m in range(0, 80, 4):  # one failure every 4 minutes: at most 4 per 15 minutes
            at = START + timedelta(minutes=m)
            self._fail("a@zentren-test.de", "192.0.2.1", at)
            assert throttle.check("a@zentren-test.de", "192.0.2.1", now=at, limits=LIMITS) is None

    def test_thresholds_come_from_the_configuration(self, app):
        app.config.update(LOGIN_MAX_FAILURES_ACCOUNT=2, LOGIN_LOCK_MINUTES=5,
                          LOGIN_SLOW_FAILURES_ACCOUNT=3, LOGIN_SLOW_SECONDS=30)
        self._fail("a@zentren-test.de", "192.0.2.1", START)
        self._fail("a@zentren-test.de", "192.0.2.1", START + timedelta(minutes=1))
        assert throttle.check("a@zentren-test.de", "192.0.2.1", now=START + timedelta(minutes=2)
                              ) == throttle.Refusal(START + timedelta(minutes=6), locked=True)
        self._fail("a@zentren-test.de", "192.0.2.2", START + timedelta(minutes=2))
        assert throttle.check("a@zentren-test.de", "192.0.2.2", now=START + timedelta(minutes=2)
                              ) == throttle.Refusal(START + timedelta(minutes=2, seconds=30),
                                                    locked=False)

    def test_the_account_wide_ceiling_slows_failing_addresses_and_spares_fresh_ones(self, app):
        limits = throttle.Limits(pair=5, address=20, lock=timedelta(minutes=15), ceiling=3,
                                 slow=timedelta(seconds=10))
        for n in range(3):
            self._fail("a@zentren-test.de", f"192.0.2.{n}", START + timedelta(seconds=n))
        latest = START + timedelta(seconds=2)
        for address in ("192.0.2.0", "192.0.2.2"):  # failed before: wait 10 s after the latest
            assert throttle.check("a@zentren-test.de", address, now=latest + timedelta(seconds=5),
                                  limits=limits) == throttle.Refusal(latest + timedelta(seconds=10),
                                                                     locked=False)
            assert throttle.check("a@zentren-test.de", address, now=latest + timedelta(seconds=10),
                                  limits=limits) is None
        assert throttle.check("a@zentren-test.de", "198.51.100.7", now=latest,
                              limits=limits) is None  # a fresh address is not slowed
        # Below the ceiling nothing is slowed.
        assert throttle.check("a@zentren-test.de", "192.0.2.0", now=latest + timedelta(seconds=5),
                              limits=throttle.Limits(5, 20, timedelta(minutes=15), 4,
                                                     timedelta(seconds=10))) is None

    def test_success_prunes_attempts_older_than_a_day(self, app):
        self._fail("alt@zentren-test.de", "192.0.2.1", START - timedelta(days=1, seconds=1))
        self._fail("neu@zentren-test.de", "192.0.2.1", START - timedelta(hours=23))
        throttle.record_attempt("neu@zentren-test.de", "192.0.2.1", succeeded=True, now=START)
        db.session.commit()
        emails = db.session.scalars(sa.select(LoginAttempt.email).order_by(LoginAttempt.id)).all()
        assert emails == ["neu@zentren-test.de", "neu@zentren-test.de"]


class TestAccountWideCeiling:
    """Guessing one account's password from many addresses slows it down; its owner, from an
    address that has not failed, still signs in at once. Nobody is locked out."""

    SLOWED = ("Zu viele fehlgeschlagene Versuche für dieses Konto. Bitte warten Sie {} Sekunden "
              "und versuchen Sie es dann erneut.")

    def test_after_the_ceiling_failing_addresses_wait_and_the_owner_does_not(
        self, client, user, clock
    ):
        for n in range(25):  # 25 addresses, one failure each, 10 s apart (LOGIN_SLOW_*)
            assert sign_in(client, EMAIL, WRONG_PASSWORD,
                           address=f"203.0.113.{n}").status_code == 200
            clock.advance(seconds=10)
        clock.now -= timedelta(seconds=7)  # 3 s after the latest failure
        response = sign_in(client, EMAIL, PASSWORD, address="203.0.113.24")
        assert response.status_code == 429 and flash_text(response) == self.SLOWED.format(7)
        assert response.headers["Retry-After"] == "7"
        assert sign_in(client, EMAIL, WRONG_PASSWORD, address="203.0.113.3").status_code == 429
        clock.advance(seconds=7)
        assert flash_text(sign_in(client, EMAIL, WRONG_PASSWORD, address="203.0.113.3")) == WRONG
        assert sign_in(client, EMAIL, WRONG_PASSWORD, address="203.0.113.3").status_code == 429
        # The owner, from their own address, is let in at once.
        response = sign_in(client, EMAIL, PASSWORD, address=ADDRESS)
        assert response.status_code == 302 and response.headers["Location"] == "/"

    def test_the_ceiling_never_turns_into_a_lock(self, client, user, clock):
        for n in range(60):  # far beyond the ceiling, each address failing once
            sign_in(client, EMAIL, WRONG_PASSWORD, address=f"192.0.2.{n}")
            clock.advance(seconds=11)
        assert sign_in(client, EMAIL, PASSWORD, address="192.0.2.5").status_code == 302


class TestCurrentPasswordThrottle:
    """/auth/password checks the current password like a sign-in: wrong guesses count."""

    NEW = "Neues-Passwort-für-Göttingen"
    LOCKED = "Zu viele falsche Passwörter. Bitte versuchen Sie es in 15 Minuten erneut."

    def _post(self, client, current):
        token = csrf_token(client, "/auth/password")
        return client.post("/auth/password", data={
            "current_password": current, "new_password": self.NEW,
            "new_password_repeat": self.NEW, "csrf_token": token})

    def test_five_wrong_current_passwords_lock_the_check_and_the_sign_in_from_there(
        self, client, auth, user, clock
    ):
        auth.login(EMAIL)
        before = db.session.get(User, user.id).password_hash
        for _ in range(5):  # the probe's 30 wrong guesses were all checked
            response = self._post(client, WRONG_PASSWORD)
            assert response.status_code == 200
            assert "Das aktuelle Passwort ist falsch." in response.get_data(as_text=True)
        response = self._post(client, PASSWORD)  # even the right one is not checked now
        assert response.status_code == 429 and self.LOCKED in response.get_data(as_text=True)
        assert int(response.headers["Retry-After"]) == 15 * 60
        db.session.rollback()
        db.session.expire_all()
        assert db.session.get(User, user.id).password_hash == before
        attempts = db.session.scalars(sa.select(LoginAttempt)).all()
        assert [(a.email, a.succeeded) for a in attempts] == [(EMAIL, True)] + [(EMAIL, False)] * 5
        sign_out(client, "127.0.0.1")
        assert sign_in(client, EMAIL, PASSWORD, address="127.0.0.1").status_code == 429
        assert sign_in(client, EMAIL, PASSWORD, address="203.0.113.99").status_code == 302

    def test_the_lock_ends_and_the_right_password_changes_it(self, client, auth, user, clock):
        auth.login(EMAIL)
        for _ in range(5):
            self._post(client, WRONG_PASSWORD)
        clock.advance(minutes=15)
        assert self._post(client, PASSWORD).status_code == 302
        db.session.rollback()
        db.session.expire_all()
        assert db.session.get(User, user.id).check_password(self.NEW)


def test_passwords_never_reach_attempts_events_or_logs(client, user, clock, caplog):
    caplog.set_level(logging.DEBUG)
    for _ in range(5):
        sign_in(client, EMAIL, WRONG_PASSWORD)
    sign_in(client, EMAIL, PASSWORD)
    clock.advance(minutes=20)
    sign_in(client, EMAIL, PASSWORD)
    db.session.rollback()
    stored = json.dumps(
        [[str(v) for v in row] for row in db.session.execute(sa.select(LoginAttempt)).all()]
        + [[e.action, e.old, e.new, e.note] for e in db.session.scalars(sa.select(Event))],
        ensure_ascii=False,
    )
    for secret in (PASSWORD, WRONG_PASSWORD):
        assert secret not in stored
        assert secret not in caplog.text
    assert "sign-in locked" in caplog.text


class TestChangePassword:
    NEW = "Neues-Passwort-für-Göttingen"

    def _post(self, client, current, new, repeat):
        token = csrf_token(client, "/auth/password")
        return client.post("/auth/password", data={
            "current_password": current, "new_password": new, "new_password_repeat": repeat,
            "csrf_token": token,
        })

    def _hash(self, user) -> str:
        db.session.rollback()  # a fresh transaction sees what the requests committed
        db.session.expire_all()
        return db.session.get(User, user.id).password_hash

    def test_needs_sign_in(self, client):
        response = client.get("/auth/password")
        assert response.status_code == 302 and response.headers["Location"].startswith("/auth/login")

    def test_page_asks_for_current_and_new_password_twice(self, client, auth, user):
        auth.login(EMAIL)
        html = client.get("/auth/password").get_data(as_text=True)
        assert "<title>Passwort ändern" in html
        for name in ("current_password", "new_password", "new_password_repeat"):
            assert f'name="{name}"' in html
        assert 'autocomplete="new-password"' in html

    @pytest.mark.parametrize(
        "current, new, repeat, field, message",
        [
            (WRONG_PASSWORD, NEW, NEW, "current_password", "Das aktuelle Passwort ist falsch."),
            (PASSWORD, "kurz-äöü", "kurz-äöü", "new_password",
             "Das Passwort muss mindestens 12 Zeichen haben."),
            (PASSWORD, NEW, NEW + "x", "new_password_repeat",
             "Die beiden neuen Passwörter stimmen nicht überein."),
            (PASSWORD, PASSWORD, PASSWORD, "new_password",
             "Das neue Passwort muss sich vom bisherigen unterscheiden."),
            ("", NEW, NEW, "current_password", "Bitte geben Sie Ihr aktuelles Passwort ein."),
        ],
    )
    def test_refusals_say_what_is_wrong_next_to_the_field_and_change_nothing(
        self, client, auth, user, current, new, repeat, field, message
    ):
        auth.login(EMAIL)
        before = self._hash(user)
        db.session.rollback()
        events_before = db.session.scalar(sa.select(sa.func.count()).select_from(Event))
        response = self._post(client, current, new, repeat)
        html = response.get_data(as_text=True)
        assert response.status_code == 200
        assert re.search(rf'id="{field}"[^>]*aria-invalid="true"|aria-invalid="true"[^>]*id="{field}"', html)
        assert f'id="{field}-error">{message}</small>' in html
        assert self._hash(user) == before
        db.session.rollback()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Event)) == events_before
        for typed in (current, new, repeat):  # passwords are never sent back
            assert not typed or typed not in html

    def test_success_rehashes_logs_an_event_and_the_old_password_stops_working(
        self, client, auth, user, clock
    ):
        auth.login(EMAIL)
        before = self._hash(user)
        response = self._post(client, PASSWORD, self.NEW, self.NEW)
        assert response.status_code == 302 and response.headers["Location"] == "/"
        assert "Ihr Passwort wurde geändert." in client.get("/").get_data(as_text=True)
        after = self._hash(user)
        method = client.application.config["PASSWORD_HASH_METHOD"]
        assert after != before and after.startswith(method.split(":")[0] + ":")
        db.session.rollback()
        event = db.session.scalar(sa.select(Event).where(Event.action == "password_changed"))
        assert event.actor_id == user.id and event.subject_id == user.id
        assert self.NEW not in json.dumps([event.old, event.new, event.note], ensure_ascii=False)
        sign_out(client, "127.0.0.1")
        assert flash_text(sign_in(client, EMAIL, PASSWORD)) == WRONG
        assert sign_in(client, EMAIL, self.NEW).status_code == 302

    def test_english_interface(self, client, auth, make_user):
        make_user("lead", email="lead@zentren-test.de", language="en")
        auth.login("lead@zentren-test.de")
        html = self._post(client, WRONG_PASSWORD, "kurz", "kurz").get_data(as_text=True)
        assert "The current password is wrong." in html
        assert "The password must have at least 12 characters." in html


class TestPasswordChangeEndsOtherSessions:
    NEW = "Neues-Passwort-für-Jürgen-2026"

    def test_changing_the_password_ends_the_other_sessions_but_not_this_one(self, app, user):
        app.test_client_class = IsolatedClient
        laptop, tablet = app.test_client(), app.test_client()
        for client in (laptop, tablet):
            assert sign_in(client, EMAIL, PASSWORD).status_code == 302
            assert signed_in(client)
        page = laptop.get("/auth/password", environ_base={"REMOTE_ADDR": ADDRESS})
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.get_data(as_text=True))[1]
        response = laptop.post("/auth/password", data={
            "current_password": PASSWORD, "new_password": self.NEW,
            "new_password_repeat": self.NEW, "csrf_token": token,
        }, environ_base={"REMOTE_ADDR": ADDRESS})
        assert response.status_code == 302
        assert signed_in(laptop)
        assert not signed_in(tablet)
        assert tablet.get("/", environ_base={"REMOTE_ADDR": ADDRESS}).headers[
            "Location"].startswith("/auth/login")

    def test_an_admin_reset_ends_every_session_of_that_user(self, app, user, make_user):
        app.test_client_class = IsolatedClient
        tablet = app.test_client()
        assert sign_in(tablet, EMAIL, PASSWORD).status_code == 302
        with app.app_context():
            account = db.session.get(User, user.id)
            account.set_password("Zurückgesetzt-durch-Admin-2026")
            db.session.commit()
        assert not signed_in(tablet)

    def test_a_session_cookie_in_the_old_format_is_not_accepted(self, app, user):
        app.test_client_class = IsolatedClient
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = str(user.id)
            session["_fresh"] = True
        assert client.get("/").status_code == 302
