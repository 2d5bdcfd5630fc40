"""The application shell: configuration, sign-in, the start page and error pages."""
from __future__ import annotations

import re
from decimal import Decimal

import pytest

from audit_app import ConfigurationError, create_app
from audit_app.extensions import db
from audit_app.services import audits as svc
from audit_app.services.scoring import score_audit
from audit_app.workflow import Action, Decision
from tests.conftest import count_queries, csrf_token, full_answers


class TestConfiguration:
    def test_layers_defaults_instance_file_environment_test_dict(self, tmp_path, monkeypatch):
        instance = tmp_path / "inst"
        instance.mkdir()
        (instance / "config.py").write_text(
            'BASE_URL = "https://aus-datei.example"\nPAGE_SIZE = 10\nASSOCIATION_SHORT_NAME = "Datei"\n'
        )
        monkeypatch.setenv("AUDIT_APP_INSTANCE_PATH", str(instance))
        monkeypatch.setenv("AUDIT_APP_PAGE_SIZE", "20")
        monkeypatch.setenv("AUDIT_APP_ASSOCIATION_SHORT_NAME", "Umgebung")
        app = create_app({"ASSOCIATION_SHORT_NAME": "Test"})
        assert app.config["BASE_URL"] == "https://aus-datei.example"  # file over default
        assert app.config["PAGE_SIZE"] == 20  # environment over file, parsed as JSON
        assert app.config["ASSOCIATION_SHORT_NAME"] == "Test"  # test dict over environment
        assert app.config["SQLALCHEMY_DATABASE_URI"] == "sqlite:///audit.db"

    def test_development_generates_a_secret_key_once(self, tmp_path, monkeypatch):
        monkeypatch.setenv("AUDIT_APP_INSTANCE_PATH", str(tmp_path))
        first = create_app().config["SECRET_KEY"]
        second = create_app().config["SECRET_KEY"]
        assert first == second and len(first) == 64
        assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0

    def test_production_without_secret_key_refuses_to_start(self, tmp_path, monkeypatch):
        monkeypatch.setenv("AUDIT_APP_INSTANCE_PATH", str(tmp_path))
        monkeypatch.setenv("AUDIT_APP_ENV", "production")
        monkeypatch.setenv("AUDIT_APP_BASE_URL", '"https://zertifikate.example.org"')
        with pytest.raises(ConfigurationError, match="AUDIT_APP_SECRET_KEY"):
            create_app()
        assert not (tmp_path / "secret_key").exists()  # production never generates one
        key = "5f2b8c1e9d7a4036b1e8f2c9d0a7b6e3c4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9"
        monkeypatch.setenv("AUDIT_APP_SECRET_KEY", key)
        assert create_app().config["SECRET_KEY"] == key

    @pytest.mark.parametrize("variable, value, message", [
        ("AUDIT_APP_PAGE_SIZE", "abc", "PAGE_SIZE = 'abc': expected a whole number from 1 to 1000"),
        ("AUDIT_APP_LOGIN_LOCK_MINUTES", "x", "LOGIN_LOCK_MINUTES = 'x'"),
        ("AUDIT_APP_MAX_CONTENT_LENGTH", "20MB", "MAX_CONTENT_LENGTH = '20MB'"),
        ("AUDIT_APP_LOGIN_MAX_FAILURES_ACCOUNT", "0", "LOGIN_MAX_FAILURES_ACCOUNT = 0"),
    ])
    def test_a_bad_setting_refuses_to_start_with_a_clear_message(
        self, tmp_path, monkeypatch, variable, value, message
    ):
        monkeypatch.setenv("AUDIT_APP_INSTANCE_PATH", str(tmp_path))
        monkeypatch.setenv(variable, value)
        with pytest.raises(ConfigurationError) as refused:
            create_app()
        assert message in str(refused.value)
        assert str(refused.value).startswith("The configuration is not valid")

    @pytest.mark.parametrize("settings, message", [
        ({"SECRET_KEY": "x"}, "SECRET_KEY is too weak for production"),
        ({"SECRET_KEY": "x" * 40}, "SECRET_KEY is too weak for production"),
        ({"BASE_URL": "http://127.0.0.1:5000"}, "BASE_URL 'http://127.0.0.1:5000' cannot be used"),
        ({"BASE_URL": "https://localhost"}, "cannot be used in production"),
    ])
    def test_production_needs_a_strong_key_and_a_public_https_address(
        self, tmp_path, monkeypatch, settings, message
    ):
        monkeypatch.setenv("AUDIT_APP_INSTANCE_PATH", str(tmp_path))
        good = {"ENV": "production", "BASE_URL": "https://zertifikate.example.org",
                "SECRET_KEY": "5f2b8c1e9d7a4036b1e8f2c9d0a7b6e3c4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9"}
        assert create_app(good).config["ENV"] == "production"
        with pytest.raises(ConfigurationError, match=message):
            create_app({**good, **settings})

    def test_sqlite_runs_with_wal_foreign_keys_and_busy_timeout(self, tmp_path, monkeypatch):
        monkeypatch.setenv("AUDIT_APP_INSTANCE_PATH", str(tmp_path))
        app = create_app()
        with app.app_context():
            with db.engine.connect() as conn:
                assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
                assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
                assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 15000
            assert db.engine.url.database == str(tmp_path / "audit.db")
            db.engine.dispose()


class TestSignIn:
    def test_pages_need_sign_in(self, client):
        response = client.get("/")
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/auth/login")

    def test_sign_in_and_out(self, client, auth, make_user):
        user = make_user("lead", email="leitung@zentren-test.de")
        response = auth.login("leitung@zentren-test.de")
        assert response.status_code == 302 and response.headers["Location"] == "/"
        page = client.get("/").get_data(as_text=True)
        assert user.name in page
        assert auth.logout().status_code == 302
        assert client.get("/").status_code == 302

    def test_wrong_password_and_unknown_email_get_the_same_message(self, client, auth, make_user):
        make_user("lead", email="leitung@zentren-test.de")
        wrong = auth.login("leitung@zentren-test.de", "falsches-passwort-123").get_data(as_text=True)
        unknown = auth.login("niemand@zentren-test.de", "falsches-passwort-123").get_data(as_text=True)
        assert "E-Mail oder Passwort ist falsch." in wrong
        assert "E-Mail oder Passwort ist falsch." in unknown

    def test_inactive_user_cannot_sign_in(self, client, auth, make_user):
        user = make_user("lead", email="alt@zentren-test.de")
        user.active = False
        db.session.commit()
        assert auth.login("alt@zentren-test.de").status_code == 200
        assert client.get("/").status_code == 302

    def test_login_without_csrf_token_is_refused(self, client, make_user):
        make_user("lead", email="leitung@zentren-test.de")
        response = client.post("/auth/login", data={"email": "leitung@zentren-test.de",
                                                    "password": "Prüfer-Passwort-2026"})
        assert response.status_code == 400

    @pytest.mark.parametrize("target", ["https://böse.example/", "//böse.example/x", "/\\böse.example"])
    def test_next_never_leads_off_site(self, client, make_user, target):
        make_user("lead", email="leitung@zentren-test.de")
        token = csrf_token(client)
        response = client.post(
            "/auth/login", query_string={"next": target},
            data={"email": "leitung@zentren-test.de", "password": "Prüfer-Passwort-2026",
                  "csrf_token": token},
        )
        assert response.headers["Location"] == "/"


class TestStartPage:
    def test_shows_latest_percent_and_outcome_computed_by_hand(
        self, client, auth, make_user, make_centre, make_audit, catalog
    ):
        lead = make_user("lead", email="leitung@zentren-test.de")
        göttingen = make_centre(name="Technologiezentrum Göttingen")
        jena = make_centre(name="Gründerzentrum Jena", city="Jena", federal_state="TH")
        make_centre(name="Zentrum Überlingen ohne Audit", city="Überlingen", federal_state="BW")
        # An older audit of Göttingen must not be shown, only the latest.
        make_audit(göttingen, answers={"A1": 0})
        # Göttingen: everything full marks except A2 (scale, w2) = 1 point.
        # Category A: Σw·p = 3·3 + 2·1 + 1·3 + 2·3 + 1·3 = 23 of Σw·3 = 27 → 85.185…%
        # Overall = (10·23/27·100 + 90·100) / 100 = 98.5185…% → shown 98,5 % ("award").
        make_audit(göttingen, answers=full_answers(catalog, A2=1))
        # Jena: D1 (knock-out, number) = 40 % → band 0 points → refuse.
        # Category D: Σw·p = 3·0 + 1·3 + 2·3 + 1·3 + 1·3 = 15 of 24 → 62.5 %
        # Overall = (15·62.5 + 85·100) / 100 = 94.375 % → shown 94,3 %.
        make_audit(jena, answers=full_answers(catalog, D1=Decimal(40)))
        auth.login("leitung@zentren-test.de")
        html = client.get("/").get_data(as_text=True)
        rows = {
            name: re.search(re.escape(name) + r".*?</tr>", html, re.DOTALL).group(0)
            for name in ("Technologiezentrum Göttingen", "Gründerzentrum Jena", "Zentrum Überlingen ohne Audit")
        }
        assert "98,5\u00a0%" in rows["Technologiezentrum Göttingen"]
        assert "Anerkennung" in rows["Technologiezentrum Göttingen"]
        assert "94,3\u00a0%" in rows["Gründerzentrum Jena"]
        assert "Ablehnung" in rows["Gründerzentrum Jena"]
        assert "noch kein Audit" in rows["Zentrum Überlingen ohne Audit"]
        assert lead  # the lead sees every centre
        assert "3 Mitgliedszentren" in html

    def test_decided_audit_shows_the_decision(self, client, auth, make_user, make_audit, catalog):
        reviewer = make_user("lead", email="leitung@zentren-test.de")
        audit = make_audit(answers=full_answers(catalog, C4=0))
        svc.transition(audit, Action.SUBMIT, audit.lead_auditor)
        svc.transition(audit, Action.BEGIN_REVIEW, reviewer)
        assert score_audit(audit).outcome.value == "award_with_conditions"
        svc.agree_with_remaining(audit, actor=reviewer)  # decide needs every row reviewed
        svc.transition(audit, Action.DECIDE, reviewer, decision=Decision.AWARD_WITH_CONDITIONS,
                       note="Beschluss vom 26.11.2026")
        db.session.commit()
        auth.login("leitung@zentren-test.de")
        html = client.get("/").get_data(as_text=True)
        assert "Anerkennung mit Auflagen" in html and "entschieden am" in html

    def test_auditor_sees_only_centres_of_own_audits(self, client, auth, make_user, make_centre, make_audit):
        auditor = make_user("auditor", email="auditorin@zentren-test.de")
        own = make_centre(name="Eigenes Zentrum Fürth", city="Fürth")
        make_centre(name="Fremdes Zentrum Lüneburg", city="Lüneburg")
        make_audit(own, auditors=[auditor])
        auth.login("auditorin@zentren-test.de")
        html = client.get("/").get_data(as_text=True)
        assert "Eigenes Zentrum Fürth" in html and "Fremdes Zentrum Lüneburg" not in html

    def test_english_interface(self, client, auth, make_user, make_audit):
        make_user("lead", email="lead@zentren-test.de", language="en")
        make_audit(answers={"A1": 3})
        auth.login("lead@zentren-test.de")
        html = client.get("/").get_data(as_text=True)
        assert "<html lang=\"en\"" in html and "Latest audit" in html and "incomplete" in html

    def test_query_count_does_not_grow_with_the_number_of_centres(
        self, app, client, auth, make_user, make_centre, make_audit
    ):
        make_user("lead", email="leitung@zentren-test.de")
        auth.login("leitung@zentren-test.de")

        def queries() -> int:
            with count_queries(db.engine) as statements:
                assert client.get("/").status_code == 200
            return len(statements)

        make_audit(make_centre(), answers={"A1": 3})
        few = queries()
        for _ in range(4):
            make_audit(make_centre(), answers={"A2": 2})
        assert queries() == few


def test_unknown_page_gives_a_german_404_without_trace(client):
    response = client.get("/gibt-es-nicht")
    assert response.status_code == 404
    body = response.get_data(as_text=True)
    assert "Fehler 404" in body and "Traceback" not in body


@pytest.mark.fresh_app
def test_unexpected_error_gives_a_clean_500(app, client):
    @app.route("/kaputt")
    def broken():
        raise RuntimeError("geheimes Detail")

    response = client.get("/kaputt")
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert "geheimes Detail" not in body and "Traceback" not in body


def test_static_assets_are_vendored(client):
    for path in ("/static/vendor/pico-2.1.1/pico.min.css", "/static/vendor/htmx-2.0.11/htmx.min.js",
                 "/static/css/app.css"):
        response = client.get(path)
        assert response.status_code == 200
        response.close()
    html = client.get("/auth/login").get_data(as_text=True)
    assert not re.search(r"(src|href)=\"https?://", html)
