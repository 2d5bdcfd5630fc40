"""Administration: users (create, edit, deactivate, reset passwords) and catalogue files."""
from __future__ import annotations

import hashlib
import json
import re

import pytest
import sqlalchemy as sa

from audit_app.extensions import db
from audit_app.models import CatalogStatus, CatalogVersion, Event, User
from audit_app.workflow import Role
from tests.conftest import CRITERIA, PASSWORD, count_queries, csrf_token, fresh

ADMIN_EMAIL = "geschaeftsstelle@zentren-test.de"
NEW_PASSWORD = "Übergangs-Passwort-Jena-7"


@pytest.fixture
def admin(make_user, auth):
    user = make_user("admin", email=ADMIN_EMAIL, name="Birgit Schäfer")
    assert auth.login(ADMIN_EMAIL).status_code == 302
    return user


def post(client, url: str, data: dict | None = None, **kwargs):
    """POST with the session's CSRF token (read from the admin's user list)."""
    token = csrf_token(client, "/admin/users")
    return client.post(url, data={**(data or {}), "csrf_token": token}, **kwargs)


def count(model) -> int:
    fresh()
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def reload(user: User) -> User:
    fresh()
    return db.session.get(User, user.id)


def field_error(html: str, field: str) -> str:
    match = re.search(rf'<small class="field-error" id="{field}-error">(.*?)</small>', html, re.DOTALL)
    return match.group(1) if match else ""


def table_body(html: str) -> str:
    return re.search(r"<tbody>.*?</tbody>", html, re.DOTALL).group(0)


def event_log_text() -> str:
    fresh()
    rows = db.session.scalars(sa.select(Event)).all()
    return json.dumps([[e.action, e.old, e.new, e.note] for e in rows], ensure_ascii=False)


# --- Access ----------------------------------------------------------------------------------

ADMIN_URLS = [
    ("get", "/admin/"),
    ("get", "/admin/users"),
    ("get", "/admin/users/new"),
    ("post", "/admin/users/new"),
    ("get", "/admin/users/{user}"),
    ("post", "/admin/users/{user}"),
    ("post", "/admin/users/{user}/deactivate"),
    ("post", "/admin/users/{user}/reactivate"),
    ("get", "/admin/users/{user}/password"),
    ("post", "/admin/users/{user}/password"),
    ("get", "/admin/catalogs"),
    ("post", "/admin/catalogs"),
    ("post", "/admin/catalogs/{catalog}/activate"),
    ("post", "/admin/catalogs/{catalog}/retire"),
]


@pytest.mark.parametrize("role", ["lead", "auditor", "contact"])
def test_non_admins_get_404_on_every_admin_url(client, auth, make_user, make_centre, catalog, role):
    centre = make_centre() if role == "contact" else None
    other = make_user("auditor", email="andere.person@zentren-test.de")
    make_user(role, email="nicht.admin@zentren-test.de", centre=centre)
    auth.login("nicht.admin@zentren-test.de")
    token = csrf_token(client, "/")
    for method, url in ADMIN_URLS:
        url = url.format(user=other.id, catalog=catalog.id)
        if method == "get":
            response = client.get(url)
        else:
            response = client.post(url, data={"csrf_token": token, "name": "X", "password": ""})
        assert response.status_code == 404, (method, url)
    assert reload(other).active and catalog.status is CatalogStatus.ACTIVE
    # ... and the navigation does not offer the administration.
    assert "/admin/users" not in client.get("/").get_data(as_text=True)


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get("/admin/users")
    assert response.status_code == 302 and response.headers["Location"].startswith("/auth/login")


def test_admin_sees_the_administration_with_its_sub_navigation(client, admin):
    html = client.get("/admin/users").get_data(as_text=True)
    assert '<a href="/admin/users" aria-current="page"><strong>Benutzer</strong></a>' in html
    assert '<a href="/admin/catalogs">Kataloge</a>' in html
    assert client.get("/admin/").headers["Location"] == "/admin/users"


# --- User list -------------------------------------------------------------------------------

class TestUserList:
    def test_lists_name_email_translated_roles_centre_status_and_last_sign_in(
        self, client, admin, make_user, make_centre
    ):
        jena = make_centre(name="Gründerzentrum Jena", city="Jena", federal_state="TH")
        make_user("contact", email="kontakt.jena@zentren-test.de", name="Jörg Weiß", centre=jena)
        make_user(roles=["lead", "auditor"], email="özlem@zentren-test.de", name="Dr. Özlem Yıldız")
        html = client.get("/admin/users").get_data(as_text=True)
        assert "3 Benutzer" in html
        html = table_body(html)
        row = re.search(r"Jörg Weiß.*?</tr>", html, re.DOTALL).group(0)
        assert "kontakt.jena@zentren-test.de" in row
        assert "Ansprechperson des Zentrums" in row and "Gründerzentrum Jena" in row
        assert "aktiv" in row and "nie" in row
        row = re.search(r"Dr. Özlem Yıldız.*?</tr>", html, re.DOTALL).group(0)
        assert "Arbeitskreisleitung" in row and "Auditor/in" in row
        row = re.search(r"Birgit Schäfer.*?</tr>", html, re.DOTALL).group(0)
        assert re.search(r"\d\d\.\d\d\.\d{4}, \d\d:\d\d", row)  # signed in just now
        assert "(Sie)" in row

    def test_filters_by_role_and_status(self, client, admin, make_user):
        make_user("lead", name="Jürgen Müller-Strauß")
        former = make_user("auditor", name="Ehemalige Prüferin Größ")
        make_user("auditor", name="Aktive Prüferin Weiß")
        former.active = False
        db.session.commit()
        html = table_body(client.get("/admin/users?role=auditor").get_data(as_text=True))
        assert "Aktive Prüferin Weiß" in html and "Ehemalige Prüferin Größ" in html
        assert "Jürgen Müller-Strauß" not in html and "Birgit Schäfer" not in html
        html = table_body(client.get("/admin/users?role=auditor&active=no").get_data(as_text=True))
        assert "Ehemalige Prüferin Größ" in html and "Aktive Prüferin Weiß" not in html
        assert "deaktiviert" in html
        html = table_body(client.get("/admin/users?active=yes").get_data(as_text=True))
        assert "Ehemalige Prüferin Größ" not in html and "Jürgen Müller-Strauß" in html
        # Unknown filter values are ignored rather than failing.
        assert client.get("/admin/users?role=kaiser&active=vielleicht").status_code == 200

    def test_query_count_does_not_grow_with_the_number_of_users(
        self, client, admin, make_user, make_centre
    ):
        def queries() -> int:
            with count_queries(db.engine) as statements:
                assert client.get("/admin/users").status_code == 200
            return len(statements)

        make_user("contact", centre=make_centre())
        few = queries()
        for _ in range(4):
            make_user("contact", centre=make_centre())
            make_user(roles=["lead", "auditor"])
        assert queries() == few


# --- Creating users --------------------------------------------------------------------------

class TestCreateUser:
    def _form(self, **changes):
        data = {"name": "Märthe Lindqvist-Böhm", "email": "Märthe.Böhm@Zentren-Test.de",
                "roles": ["auditor"], "centre_id": "", "language": "de", "password": ""}
        data.update(changes)
        return data

    def test_with_typed_password(self, client, admin):
        response = post(client, "/admin/users/new", self._form(password=NEW_PASSWORD,
                                                               roles=["auditor", "lead"]))
        assert response.status_code == 302 and response.headers["Location"] == "/admin/users"
        fresh()
        user = db.session.scalar(sa.select(User).where(User.email == "märthe.böhm@zentren-test.de"))
        assert user.name == "Märthe Lindqvist-Böhm"
        assert user.roles == {Role.AUDITOR, Role.LEAD}
        assert user.check_password(NEW_PASSWORD)
        event = db.session.scalar(sa.select(Event).where(Event.action == "user_created",
                                                         Event.subject_id == user.id))
        assert event.actor_id == admin.id and event.subject_id == user.id
        assert NEW_PASSWORD not in event_log_text()
        assert "Benutzer Märthe Lindqvist-Böhm angelegt." in client.get("/admin/users").get_data(as_text=True)

    def test_with_generated_password_shown_once(self, client, admin):
        response = post(client, "/admin/users/new", self._form())
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "no-store"
        html = response.get_data(as_text=True)
        password = re.search(r'value="([^"]+)" readonly[^>]*data-testid="new-password"', html).group(1)
        assert len(password) >= 12
        assert "Es wird nur dieses eine Mal angezeigt." in html
        fresh()
        user = db.session.scalar(sa.select(User).where(User.email == "märthe.böhm@zentren-test.de"))
        assert user.check_password(password)
        assert password not in event_log_text()
        # Nowhere else to be seen again: not in the list, the user's page or the session cookie.
        assert password not in client.get("/admin/users").get_data(as_text=True)
        assert password not in client.get(f"/admin/users/{user.id}").get_data(as_text=True)
        cookie = client.get_cookie("session")
        assert cookie is None or password not in cookie.value

    def test_centre_contact_needs_a_centre(self, client, admin, make_centre):
        göttingen = make_centre(name="Technologiezentrum Göttingen")
        html = post(client, "/admin/users/new", self._form(roles=["contact"])).get_data(as_text=True)
        assert field_error(html, "centre_id") == "Eine Ansprechperson eines Zentrums braucht ein Zentrum."
        assert count(User) == 1
        response = post(client, "/admin/users/new",
                        self._form(roles=["contact"], centre_id=str(göttingen.id)))
        assert response.status_code == 200  # generated password page
        fresh()
        user = db.session.scalar(sa.select(User).where(User.email == "märthe.böhm@zentren-test.de"))
        assert user.centre_id == göttingen.id

    @pytest.mark.parametrize(
        "changes, field, message",
        [
            ({"email": ADMIN_EMAIL.upper()}, "email", "Diese E-Mail-Adresse ist bereits registriert."),
            ({"email": "keine-adresse"}, "email", "Das ist keine gültige E-Mail-Adresse."),
            ({"name": "   "}, "name", "Bitte geben Sie den Namen ein."),
            ({"roles": []}, "roles", "Bitte wählen Sie mindestens eine Rolle."),
            ({"password": "kurz-öäü"}, "password", "Das Passwort muss mindestens 12 Zeichen haben."),
            ({"centre_id": "CENTRE"}, "centre_id", "Nur Ansprechpersonen von Zentren werden mit einem Zentrum verknüpft."),
        ],
    )
    def test_invalid_input_is_shown_next_to_the_field_keeps_the_input_and_stores_nothing(
        self, client, admin, make_centre, changes, field, message
    ):
        centre = make_centre()
        if changes.get("centre_id") == "CENTRE":
            changes = {"centre_id": str(centre.id)}
        events_before = count(Event)
        response = post(client, "/admin/users/new", self._form(**changes))
        html = response.get_data(as_text=True)
        assert response.status_code == 200
        assert field_error(html, field) == message
        if field != "name":
            assert 'value="Märthe Lindqvist-Böhm"' in html
        if field != "roles":
            assert re.search(r'<input[^>]*checked[^>]*value="auditor"|<input[^>]*value="auditor"[^>]*checked', html)
        assert count(User) == 1 and count(Event) == events_before
        assert "kurz-öäü" not in html


# --- Editing users ---------------------------------------------------------------------------

class TestEditUser:
    def test_changes_name_email_roles_centre_and_language(self, client, admin, make_user, make_centre):
        jena = make_centre(name="Gründerzentrum Jena")
        user = make_user("auditor", email="thomas.gross@zentren-test.de", name="Thomas Gross")
        form = client.get(f"/admin/users/{user.id}").get_data(as_text=True)
        assert 'value="Thomas Gross"' in form and 'value="thomas.gross@zentren-test.de"' in form
        response = post(client, f"/admin/users/{user.id}", {
            "name": "Thomas Groß", "email": "Thomas.Groß@Zentren-Test.de", "roles": ["contact"],
            "centre_id": str(jena.id), "language": "en",
        })
        assert response.status_code == 302
        user = reload(user)
        assert (user.name, user.email, user.roles, user.centre_id, user.language) == (
            "Thomas Groß", "thomas.groß@zentren-test.de", {Role.CONTACT}, jena.id, "en")
        fresh()
        event = db.session.scalar(sa.select(Event).where(Event.action == "user_updated"))
        assert event.old["name"] == "Thomas Gross" and event.new["name"] == "Thomas Groß"
        assert event.old["roles"] == ["auditor"] and event.new["roles"] == ["contact"]
        assert user.check_password(PASSWORD)  # editing never touches the password

    def test_invalid_edit_changes_nothing(self, client, admin, make_user):
        user = make_user("auditor", email="katrin.weiss@zentren-test.de", name="Katrin Weiß")
        events_before = count(Event)
        response = post(client, f"/admin/users/{user.id}", {
            "name": "Katrin Weiß-Neu", "email": ADMIN_EMAIL, "roles": ["lead"], "centre_id": "",
            "language": "de",
        })
        html = response.get_data(as_text=True)
        assert field_error(html, "email") == "Diese E-Mail-Adresse ist bereits registriert."
        assert 'value="Katrin Weiß-Neu"' in html  # what was typed stays
        user = reload(user)
        assert (user.name, user.email, user.roles) == (
            "Katrin Weiß", "katrin.weiss@zentren-test.de", {Role.AUDITOR})
        assert count(Event) == events_before

    def test_admin_cannot_take_away_their_own_admin_role(self, client, admin):
        html = post(client, f"/admin/users/{admin.id}", {
            "name": "Birgit Schäfer", "email": ADMIN_EMAIL, "roles": ["lead"], "centre_id": "",
            "language": "de",
        }).get_data(as_text=True)
        assert field_error(html, "roles") == "Sie können sich die eigene Administrationsrolle nicht entziehen."
        assert reload(admin).roles == {Role.ADMIN}

    def test_unknown_user_is_404(self, client, admin):
        assert client.get("/admin/users/99999").status_code == 404
        assert post(client, "/admin/users/99999/deactivate").status_code == 404


# --- Deactivating and reactivating -----------------------------------------------------------

class TestDeactivate:
    def test_deactivated_user_loses_the_session_and_cannot_sign_in_until_reactivated(
        self, app, client, admin, make_user
    ):
        user = make_user("auditor", email="frauke.nuesslein@zentren-test.de", name="Dr. Frauke Nüßlein")
        other = app.test_client()
        token = csrf_token(other)
        other.post("/auth/login", data={"email": user.email, "password": PASSWORD,
                                        "csrf_token": token})
        assert other.get("/").status_code == 200

        response = post(client, f"/admin/users/{user.id}/deactivate")
        assert response.status_code == 302
        assert response.headers["Location"] == f"/admin/users/{user.id}"
        assert not reload(user).active
        assert other.get("/").status_code == 302  # the open session has ended
        token = csrf_token(other)
        html = other.post("/auth/login", data={"email": user.email, "password": PASSWORD,
                                               "csrf_token": token}).get_data(as_text=True)
        assert "E-Mail oder Passwort ist falsch." in html
        page = client.get(f"/admin/users/{user.id}").get_data(as_text=True)
        assert "wurde deaktiviert" in page and "Konto reaktivieren" in page

        assert post(client, f"/admin/users/{user.id}/reactivate").status_code == 302
        assert reload(user).active
        assert other.get("/").status_code == 302  # the old session does not come back
        token = csrf_token(other)
        assert other.post("/auth/login", data={"email": user.email, "password": PASSWORD,
                                               "csrf_token": token}).status_code == 302
        fresh()
        actions = db.session.scalars(
            sa.select(Event.action).where(Event.subject_type == "user", Event.subject_id == user.id)
            .order_by(Event.id)
        ).all()
        assert actions == ["user_created", "user_deactivated", "user_reactivated"]

    def test_admin_cannot_deactivate_themself(self, client, admin):
        page = client.get(f"/admin/users/{admin.id}").get_data(as_text=True)
        assert f"/admin/users/{admin.id}/deactivate" not in page
        response = post(client, f"/admin/users/{admin.id}/deactivate", follow_redirects=True)
        assert "Sie können Ihr eigenes Konto nicht deaktivieren." in response.get_data(as_text=True)
        assert reload(admin).active
        fresh()
        assert not db.session.scalar(sa.select(Event).where(Event.action == "user_deactivated"))

    def test_deactivation_needs_the_csrf_token(self, client, admin, make_user):
        user = make_user("auditor")
        assert client.post(f"/admin/users/{user.id}/deactivate").status_code == 400
        assert reload(user).active


# --- Resetting passwords ---------------------------------------------------------------------

class TestResetPassword:
    def test_generated_password_is_shown_once_and_replaces_the_old_one(self, client, admin, make_user):
        user = make_user("auditor", email="andreas.koehler@zentren-test.de", name="Andreas Köhler")
        assert "Passwort zurücksetzen" in client.get(f"/admin/users/{user.id}/password").get_data(as_text=True)
        response = post(client, f"/admin/users/{user.id}/password", {"password": ""})
        assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
        password = re.search(r'value="([^"]+)" readonly[^>]*data-testid="new-password"',
                             response.get_data(as_text=True)).group(1)
        user = reload(user)
        assert user.check_password(password) and not user.check_password(PASSWORD)
        fresh()
        event = db.session.scalar(sa.select(Event).where(Event.action == "password_reset"))
        assert event.actor_id == admin.id and event.subject_id == user.id
        assert event.new == {"generated": True}
        assert password not in event_log_text() and PASSWORD not in event_log_text()
        assert password not in client.get(f"/admin/users/{user.id}").get_data(as_text=True)

    def test_typed_password(self, client, admin, make_user):
        user = make_user("auditor")
        response = post(client, f"/admin/users/{user.id}/password", {"password": NEW_PASSWORD})
        assert response.status_code == 302
        assert reload(user).check_password(NEW_PASSWORD)
        assert NEW_PASSWORD not in event_log_text()

    def test_too_short_typed_password_changes_nothing(self, client, admin, make_user):
        user = make_user("auditor")
        before = user.password_hash
        html = post(client, f"/admin/users/{user.id}/password",
                    {"password": "zu-kurz-ä"}).get_data(as_text=True)
        assert field_error(html, "password") == "Das Passwort muss mindestens 12 Zeichen haben."
        assert reload(user).password_hash == before
        fresh()
        assert not db.session.scalar(sa.select(Event).where(Event.action == "password_reset"))


# --- Catalogues ------------------------------------------------------------------------------

def _yaml(version: str = "2027", title_de: str | None = None) -> bytes:
    text = (CRITERIA / "aiz-2026.yaml").read_text(encoding="utf-8")
    text = text.replace('version: "2026"', f'version: "{version}"', 1)
    text = text.replace('de: "AIZ-Kriterienkatalog 2026"',
                        f'de: "{title_de or "AIZ-Kriterienkatalog " + version}"', 1)
    return text.encode("utf-8")


def upload(client, data: bytes, filename: str = "aiz-2027.yaml"):
    """POST a catalogue file. The multipart body is built here: for bodies over 500 KB the test
    client's own encoder leaves a temporary file open (a ResourceWarning, i.e. an error)."""
    token = csrf_token(client, "/admin/catalogs")
    boundary = "----katalog-grenze-0123456789"
    body = b"".join([
        f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n'
        f"{token}\r\n".encode(),
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
        f"Content-Type: application/yaml\r\n\r\n".encode(),
        data,
        f"\r\n--{boundary}--\r\n".encode(),
    ])
    return client.post("/admin/catalogs", data=body,
                        content_type=f"multipart/form-data; boundary={boundary}")


class TestCatalogues:
    def test_list_shows_versions_with_status_criteria_and_checksum(self, client, admin, catalog):
        html = client.get("/admin/catalogs").get_data(as_text=True)
        row = re.search(r"<th scope=\"row\" class=\"nowrap\">aiz 2026</th>.*?</tr>", html, re.DOTALL).group(0)
        assert "AIZ-Kriterienkatalog 2026" in row and "aktiv" in row
        assert '<td class="num">40</td>' in row
        assert catalog.checksum[:12] in row
        assert "Außer Kraft setzen" in row and "Aktivieren" not in row

    def test_uploading_a_new_version_imports_it_as_a_draft(self, client, admin, catalog):
        data = _yaml("2027")
        response = upload(client, data)
        assert response.status_code == 302 and response.headers["Location"] == "/admin/catalogs"
        fresh()
        row = db.session.scalar(sa.select(CatalogVersion).where(CatalogVersion.version == "2027"))
        assert row.status is CatalogStatus.DRAFT
        assert row.checksum == hashlib.sha256(data).hexdigest()
        assert row.source_name == "aiz-2027.yaml" and row.title_de == "AIZ-Kriterienkatalog 2027"
        assert len(row.criteria) == 40
        event = db.session.scalar(sa.select(Event).where(Event.action == "catalog_imported",
                                                         Event.subject_id == row.id))
        assert event.actor_id == admin.id and event.subject_id == row.id
        html = client.get("/admin/catalogs").get_data(as_text=True)
        assert "Katalog aiz Version 2027 wurde als Entwurf importiert." in html

    def test_same_file_again_changes_nothing(self, client, admin, catalog):
        data = (CRITERIA / "aiz-2026.yaml").read_bytes()
        response = upload(client, data, "aiz-2026.yaml")
        assert response.status_code == 302
        assert count(CatalogVersion) == 1
        assert "wurde bereits mit genau diesem Inhalt importiert" in client.get("/admin/catalogs").get_data(as_text=True)

    def test_broken_file_lists_every_problem_with_file_and_line_and_stores_nothing(
        self, client, admin, catalog
    ):
        data = _yaml("2027").replace(b"weight: 10", b"weight: zehn", 1).replace(
            b"overall_minimum: 65", b"overall_minimum: 65\n  unbekannt: 1", 1)
        events_before = count(Event)
        response = upload(client, data, "aiz-2027-kaputt.yaml")
        html = response.get_data(as_text=True)
        assert response.status_code == 200
        problems = re.findall(r"<li><code>(aiz-2027-kaputt\.yaml:\d+: [^<]+)</code></li>", html)
        assert len(problems) >= 2, html
        assert any("unbekannt" in p for p in problems) and any("weight" in p for p in problems)
        assert "Nichts wurde gespeichert." in html
        assert count(CatalogVersion) == 1 and count(Event) == events_before

    def test_changed_content_under_an_existing_version_is_refused(self, client, admin, catalog):
        data = _yaml("2026", title_de="AIZ-Kriterienkatalog 2026 (geändert)")
        html = upload(client, data, "aiz-2026.yaml").get_data(as_text=True)
        assert field_error(html, "file").startswith(
            "Katalog aiz Version 2026 gibt es bereits mit anderem Inhalt.")
        fresh()
        assert count(CatalogVersion) == 1
        assert db.session.get(CatalogVersion, catalog.id).title_de == "AIZ-Kriterienkatalog 2026"

    def test_file_that_is_not_utf8_is_reported_with_its_line(self, client, admin):
        html = upload(client, b"key: aiz\nversion: \"2027\"\ntitle: \xff\n").get_data(as_text=True)
        assert "aiz-2027.yaml:3: not UTF-8 text" in html
        assert count(CatalogVersion) == 0

    @pytest.mark.parametrize(
        "data, filename, message",
        [
            (b"key: aiz\n", "katalog.txt", "Bitte wählen Sie eine YAML-Datei (.yaml oder .yml)."),
            (b"#" * (1024 * 1024 + 1), "riesig.yaml", "Die Datei ist größer als 1 MB; eine Katalogdatei ist viel kleiner."),
        ],
    )
    def test_wrong_type_or_size_is_refused(self, client, admin, data, filename, message):
        html = upload(client, data, filename).get_data(as_text=True)
        assert field_error(html, "file") == message
        assert count(CatalogVersion) == 0

    def test_activate_and_retire(self, client, admin, catalog):
        assert upload(client, _yaml("2027")).status_code == 302
        fresh()
        new = db.session.scalar(sa.select(CatalogVersion).where(CatalogVersion.version == "2027"))
        assert post(client, f"/admin/catalogs/{new.id}/activate").status_code == 302
        assert post(client, f"/admin/catalogs/{catalog.id}/retire").status_code == 302
        fresh()
        assert db.session.get(CatalogVersion, new.id).status is CatalogStatus.ACTIVE
        assert db.session.get(CatalogVersion, catalog.id).status is CatalogStatus.RETIRED
        changes = db.session.execute(
            sa.select(Event.subject_id, Event.old, Event.new, Event.actor_id)
            .where(Event.action == "catalog_status", Event.actor_id == admin.id).order_by(Event.id)
        ).all()
        assert [tuple(c) for c in changes] == [
            (new.id, "draft", "active", admin.id), (catalog.id, "active", "retired", admin.id)]
        html = client.get("/admin/catalogs").get_data(as_text=True)
        assert "Katalog aiz Version 2026 ist außer Kraft gesetzt." in html
        assert "außer Kraft" in re.search(r"<th scope=\"row\" class=\"nowrap\">aiz 2026</th>.*?</tr>",
                                          html, re.DOTALL).group(0)
