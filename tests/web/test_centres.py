"""The centres register: list, search, filters, sorting, pages, label status, detail, create and
edit, CSV import with preview and CSV export — on SQLite and PostgreSQL.

Messages introduced with the register are asserted in English (users with ``language="en"``):
the German catalogue is merged separately, and the English msgids are the contract.
"""
from __future__ import annotations

import csv
import io
import itertools
import re
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import ClassVar

import pytest
import sqlalchemy as sa

from audit_app.extensions import db
from audit_app.models import Audit, Centre, Certificate, CertificateStatus, Event
from audit_app.services import audits as audit_service
from audit_app.services import centres as svc
from audit_app.services.catalogs import domain_catalog
from audit_app.services.centres import LabelStatus
from audit_app.workflow import Action, AuditKind, AuditStatus, Decision
from tests.conftest import count_queries, csrf_token, fresh

TODAY = date(2026, 11, 26)
_emails = itertools.count(1)


# --------------------------------------------------------------------------------------------
# Helpers and local fixtures


@pytest.fixture
def sign_in(auth, make_user):
    """Factory: create a user with ``role`` and sign them in; returns the user."""

    def sign(role="lead", **kw):
        email = kw.pop("email", None) or f"{role}-{next(_emails)}@zentren-test.de"
        user = make_user(role, email=email, **kw)
        auth.login(email)
        return user

    return sign


@pytest.fixture
def make_certificate(app, catalog):
    """Factory: ``make_certificate(centre, valid_from, valid_until, status=VALID)``.

    Each certificate comes from its own decided audit (a bare row: the list and the label
    status only need the certificate).
    """
    numbers = itertools.count(1)

    def make(centre, valid_from: date, valid_until: date, status=CertificateStatus.VALID):
        n = next(numbers)
        audit = Audit(
            centre_id=centre.id, catalog_id=catalog.id, kind=AuditKind.RENEWAL,
            planned_on=valid_from - timedelta(days=60), status=AuditStatus.DECIDED,
            decision=Decision.AWARD,
            decided_at=datetime.combine(valid_from, time(12), tzinfo=UTC),
        )
        db.session.add(audit)
        db.session.flush()
        certificate = Certificate(
            number=f"AIZ-T-{n:04d}-{centre.id}", audit_id=audit.id, centre_id=centre.id,
            catalog_id=catalog.id, valid_from=valid_from, valid_until=valid_until, status=status,
        )
        db.session.add(certificate)
        db.session.commit()
        return certificate

    return make


def _names(html: str) -> list[str]:
    """The centre names of the register table, in order."""
    return re.findall(r'<a href="/centres/\d+">([^<]+)</a>', html)


def _row(html: str, name: str) -> str:
    match = re.search(r"<tr[^>]*>(?:(?!</tr>).)*?" + re.escape(name) + r".*?</tr>", html, re.DOTALL)
    assert match, f"no row for {name}"
    return match.group(0)


_fresh = fresh


def _centre_count() -> int:
    _fresh()
    return db.session.scalar(sa.select(sa.func.count()).select_from(Centre))


def _centre_events() -> int:
    _fresh()
    return db.session.scalar(sa.select(sa.func.count()).select_from(Event)
                             .where(Event.subject_type == "centre"))


def _form(**overrides) -> dict:
    data = {
        "name": "Innovationszentrum Lüneburg",
        "operating_company": "Lüneburger Gründer- und Technologiezentrum GmbH",
        "street": "Wilschenbrucher Weg 84",
        "postcode": "21335",
        "city": "Lüneburg",
        "federal_state": "NI",
        "founded_year": "1997",
        "member_since": "1999-04-01",
        "space_m2": "6.300",
        "tenant_count": "58",
        "occupancy_percent": "87,5",
        "staff_count": "7",
        "website": "https://www.innovationszentrum-lueneburg.example",
        "contact_name": "Jürgen Müller-Strauß",
        "contact_email": "mueller-strauss@lueneburg.example",
        "contact_phone": "+49 4131 123-45",
        "active": "y",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def _post_form(client, url: str, **overrides):
    return client.post(url, data={**_form(**overrides), "csrf_token": csrf_token(client, url)})


def _upload(client, content: bytes, filename: str = "zentren.csv"):
    token = csrf_token(client, "/centres/import")
    response = client.post(
        "/centres/import",
        data={"csrf_token": token, "file": (io.BytesIO(content), filename)},
        content_type="multipart/form-data",
    )
    # Werkzeug's client closes a large (temporary-file) request body only when following
    # redirects; close it here, or the open file surfaces as a warning in a later test.
    response.request.input_stream.close()
    return response


def _sealed(html: str) -> str:
    match = re.search(r'name="sealed"[^>]*value="([^"]+)"', html)
    assert match, "no confirm form on the preview"
    return match.group(1)


def _confirm(client, sealed: str):
    token = csrf_token(client, "/centres/import")
    return client.post("/centres/import", data={"csrf_token": token, "sealed": sealed})


GERMAN_HEADER = ("Name;Betreibergesellschaft;Straße;PLZ;Ort;Bundesland;Gründungsjahr;Fläche_m2;"
                 "Mieter;Auslastung_Prozent;Mitarbeitende;Website;Kontakt;E-Mail;Telefon;"
                 "Mitglied_seit")


# --------------------------------------------------------------------------------------------
# Label status


class TestLabelStatus:
    @pytest.fixture
    def centres_by_status(self, make_centre, make_certificate):
        horizon = svc.label_horizon(TODAY)  # 26.11.2027
        made = {}

        def centre(name, *certificates):
            c = make_centre(name=name)
            for valid_from, valid_until, status in certificates:
                make_certificate(c, valid_from, valid_until, status)
            made[name] = c

        ok = CertificateStatus.VALID
        centre("Gültig Göttingen", (date(2024, 3, 1), date(2029, 2, 28), ok))
        centre("Gültig knapp über zwölf Monate", (date(2023, 1, 1), horizon + timedelta(days=1), ok))
        centre("Läuft ab genau in zwölf Monaten", (date(2022, 11, 27), horizon, ok))
        centre("Läuft ab Würzburg", (date(2022, 5, 1), date(2027, 4, 30), ok))
        centre("Läuft heute ab", (date(2021, 11, 26), TODAY, ok))
        centre("Abgelaufen gestern", (date(2021, 11, 25), TODAY - timedelta(days=1), ok))
        centre("Widerrufen Jena", (date(2024, 1, 1), date(2029, 1, 1), CertificateStatus.WITHDRAWN))
        centre("Ausgesetzt Lübeck", (date(2024, 1, 1), date(2029, 1, 1), CertificateStatus.SUSPENDED))
        centre("Erneuert Münster",
               (date(2016, 6, 1), date(2021, 6, 1), CertificateStatus.SUPERSEDED),
               (date(2021, 6, 1), date(2026, 6, 1), ok),
               (date(2026, 6, 1), date(2031, 6, 1), ok))
        centre("Nie ausgezeichnet Überlingen")
        return made

    EXPECTED: ClassVar[dict[str, LabelStatus]] = {
        "Gültig Göttingen": LabelStatus.VALID,
        "Gültig knapp über zwölf Monate": LabelStatus.VALID,
        "Läuft ab genau in zwölf Monaten": LabelStatus.EXPIRING,
        "Läuft ab Würzburg": LabelStatus.EXPIRING,
        "Läuft heute ab": LabelStatus.EXPIRING,
        "Abgelaufen gestern": LabelStatus.EXPIRED,
        "Widerrufen Jena": LabelStatus.EXPIRED,
        "Ausgesetzt Lübeck": LabelStatus.EXPIRED,
        "Erneuert Münster": LabelStatus.VALID,
        "Nie ausgezeichnet Überlingen": LabelStatus.NEVER,
    }

    def test_each_kind_in_sql_and_in_python(self, app, make_user, centres_by_status):
        lead = make_user("lead")
        page = svc.search_centres(lead, per_page=50, today=TODAY)
        in_sql = {row.centre.name: row.label_status for row in page.rows}
        assert in_sql == self.EXPECTED
        for name, centre in centres_by_status.items():
            assert svc.label_status_of(centre.certificates, TODAY) is self.EXPECTED[name], name
        rows = {r.centre.name: r for r in page.rows}
        assert rows["Erneuert Münster"].label_until == date(2031, 6, 1)
        assert rows["Läuft ab Würzburg"].label_until == date(2027, 4, 30)
        assert rows["Widerrufen Jena"].label_until is None

    def test_filter_and_sort_by_status_in_sql(self, app, make_user, centres_by_status):
        lead = make_user("lead")
        for status in LabelStatus:
            page = svc.search_centres(lead, label_status=status.value, today=TODAY)
            expected = sorted(n for n, s in self.EXPECTED.items() if s is status)
            assert sorted(r.centre.name for r in page.rows) == expected, status
            assert page.total == len(expected)
        order = [r.label_status for r in svc.search_centres(lead, sort="label", today=TODAY).rows]
        assert order == sorted(self.EXPECTED.values(), key=list(LabelStatus).index)
        reverse = [r.label_status for r in svc.search_centres(lead, sort="-label", today=TODAY).rows]
        assert reverse == order[::-1]
        # Another day, another status: the same certificates seen a year later.
        later = svc.search_centres(lead, label_status="expired", today=date(2027, 11, 26))
        assert "Läuft ab Würzburg" in {r.centre.name for r in later.rows}

    def test_horizon_of_a_leap_day(self):
        assert svc.label_horizon(date(2028, 2, 29)) == date(2029, 2, 28)

    def test_list_and_detail_show_colour_and_words(
        self, client, sign_in, make_centre, make_certificate
    ):
        sign_in("lead", language="en")
        today = date.today()
        centre = make_centre(name="Technologiezentrum Göttingen")
        make_certificate(centre, today - timedelta(days=100), today + timedelta(days=100))
        html = client.get("/centres/").get_data(as_text=True)
        row = _row(html, "Technologiezentrum Göttingen")
        assert 'class="label-status label-status-expiring"' in row and ">expiring<" in row
        detail = client.get(f"/centres/{centre.id}").get_data(as_text=True)
        assert 'label-status label-status-expiring' in detail and ">expiring<" in detail
        assert ">until " in detail or "until " in detail

    def test_filter_in_the_page(self, client, sign_in, make_centre, make_certificate):
        sign_in("lead")
        today = date.today()
        holder = make_centre(name="Gründerzentrum Würzburg", city="Würzburg")
        make_certificate(holder, today - timedelta(days=10), today + timedelta(days=900))
        make_centre(name="Zentrum ohne Siegel Görlitz", city="Görlitz")
        assert _names(client.get("/centres/?label=valid").get_data(as_text=True)) == [
            "Gründerzentrum Würzburg"]
        assert _names(client.get("/centres/?label=never").get_data(as_text=True)) == [
            "Zentrum ohne Siegel Görlitz"]
        # An unknown value is ignored rather than failing.
        assert len(_names(client.get("/centres/?label=gibts-nicht").get_data(as_text=True))) == 2


# --------------------------------------------------------------------------------------------
# List: search, filters, sorting, pages, queries


class TestRegisterList:
    def test_columns_name_company_city_state_and_latest_audit(
        self, client, sign_in, make_centre, make_audit
    ):
        sign_in("lead")
        centre = make_centre(name="Technologiezentrum Göttingen", member_since=date(1992, 3, 1))
        audit = make_audit(centre, answers={"A1": 3})
        html = client.get("/centres/").get_data(as_text=True)
        row = _row(html, "Technologiezentrum Göttingen")
        assert "Göttinger Innovations- und Technologiezentrum GmbH" in row
        assert "Göttingen" in row and "Niedersachsen" in row and "01.03.1992" in row
        assert audit.number in row and "unvollständig" in row
        assert 'data-testid="overall"' in row
        assert "<title>Zentren · " in html

    @pytest.mark.parametrize("query", ["göttingen", "GÖTTINGEN", "Göttingen", "gÖtTiNgEn", "ÖTTI"])
    def test_search_folds_case_including_umlauts(self, client, sign_in, make_centre, query):
        sign_in("lead")
        make_centre(name="Technologiezentrum Göttingen", city="Göttingen")
        make_centre(name="GRÜNDERHAUS AM CAMPUS", city="GÖTTINGEN")
        make_centre(name="Zentrum Alt-Göttingen", city="Hannover")
        make_centre(name="Zentrum für Innovation Lübeck", city="Lübeck", federal_state="SH")
        names = _names(client.get("/centres/", query_string={"q": query}).get_data(as_text=True))
        assert sorted(names) == ["GRÜNDERHAUS AM CAMPUS", "Technologiezentrum Göttingen",
                                 "Zentrum Alt-Göttingen"]

    @pytest.mark.parametrize("query, expected", [
        ("Gottingen", ["Technologiezentrum Göttingen"]),
        ("Goettingen", ["Technologiezentrum Göttingen"]),
        ("göttingen", ["Technologiezentrum Göttingen"]),
        ("GOETTINGEN", ["Technologiezentrum Göttingen"]),
        ("Munster", ["TechnologieFabrik Münster"]),
        ("muenster", ["TechnologieFabrik Münster"]),
        ("halle saale", ["TGZ Halle"]),
        ("Halle (Saale)", ["TGZ Halle"]),
        ("wurzburg sud", ["Gründerzentrum Würzburg – Süd"]),
        ("grossen Strasse", ["Zentrum an der Großen Straße"]),
        ("Tgz Halle", ["TGZ Halle"]),
    ])
    def test_search_forgives_missing_umlauts_and_punctuation(self, app, make_user, make_centre,
                                                             query, expected):
        """German users type without umlauts ("Gottingen", "Goettingen"), without ß and
        without brackets; the same rows match on SQLite and PostgreSQL."""
        lead = make_user("lead")
        make_centre(name="Technologiezentrum Göttingen", city="Göttingen")
        make_centre(name="TechnologieFabrik Münster", city="Münster", federal_state="NW")
        make_centre(name="TGZ Halle", city="Halle (Saale)", federal_state="ST")
        make_centre(name="Gründerzentrum Würzburg – Süd", city="Würzburg", federal_state="BY")
        make_centre(name="Zentrum an der Großen Straße", city="Bremen", federal_state="HB")
        names = [r.centre.name for r in svc.search_centres(lead, q=query, today=TODAY).rows]
        assert names == expected

    @pytest.mark.parametrize("text", ["Göttingen", "ÖKO-Zentrum Übersee", "Straße ẞ",
                                      "Halle (Saale) – „Nord“", "Muenster  am   See",
                                      "Café Zürich", "  ä-ö_ü  ", "100% Gründung"])
    def test_the_search_key_is_the_same_in_python_and_sql(self, app, text):
        import sqlalchemy as sa

        from audit_app.extensions import db
        from audit_app.services.folding import search_key, search_key_sql

        assert db.session.scalar(sa.select(search_key_sql(sa.literal(text)))) == search_key(text)

    def test_search_in_the_service_with_paging(self, app, make_user, make_centre):
        lead = make_user("lead")
        for i in range(5):
            make_centre(name=f"Zentrum Göttingen {i}", city="GÖTTINGEN")
        make_centre(name="Zentrum Lübeck", city="Lübeck")
        page = svc.search_centres(lead, q="göttingen", page=2, per_page=2, today=TODAY)
        assert page.total == 5 and page.pages == 3 and len(page.rows) == 2

    @pytest.mark.parametrize("query, expected", [
        ("weiß", ["Gründerhaus Weißenfels"]),
        ("WEIß", ["Gründerhaus Weißenfels"]),
        ("ẞ", ["Gründerhaus Weißenfels"]),
        ("grün", ["Gründerhaus Weißenfels", "Zentrum 100% Gründung"]),
        ("%", ["Zentrum 100% Gründung"]),
        ("_", []),
        ("*", []),
        ("?", []),
        ("[", ["Zentrum [Nord]"]),
        ("(", ["Innovationszentrum (Süd)"]),
        (".", []),
    ])
    def test_search_treats_wildcards_as_text(self, app, make_user, make_centre, query, expected):
        lead = make_user("lead")
        for name in ("Gründerhaus Weißenfels", "Zentrum 100% Gründung", "Zentrum [Nord]",
                     "Innovationszentrum (Süd)"):
            make_centre(name=name, city="Ort")
        names = [r.centre.name for r in svc.search_centres(lead, q=query, today=TODAY).rows]
        assert names == expected

    def test_filter_by_federal_state(self, client, sign_in, make_centre):
        sign_in("lead")
        make_centre(name="Gründerzentrum Würzburg", city="Würzburg", federal_state="BY")
        make_centre(name="Technologiezentrum Göttingen", federal_state="NI")
        names = _names(client.get("/centres/?state=BY").get_data(as_text=True))
        assert names == ["Gründerzentrum Würzburg"]

    def test_sort_by_each_column_german_alphabet(self, client, sign_in, make_centre):
        sign_in("lead")
        make_centre(name="Überlingen Zentrum", city="Überlingen", federal_state="BW",
                    member_since=date(2001, 1, 1))
        make_centre(name="Aachener Gründerhaus", city="Aachen", federal_state="NW",
                    member_since=None)
        make_centre(name="Zwickauer Technologiezentrum", city="Zwickau", federal_state="SN",
                    member_since=date(1995, 1, 1))
        make_centre(name="Ölmühle Innovationspark", city="Oldenburg", federal_state="NI",
                    member_since=date(2010, 1, 1))

        def order(sort):
            return _names(client.get(f"/centres/?sort={sort}").get_data(as_text=True))

        assert order("name") == ["Aachener Gründerhaus", "Ölmühle Innovationspark",
                                 "Überlingen Zentrum", "Zwickauer Technologiezentrum"]
        assert order("-name") == order("name")[::-1]
        assert order("city") == ["Aachener Gründerhaus", "Ölmühle Innovationspark",
                                 "Überlingen Zentrum", "Zwickauer Technologiezentrum"]
        # States by name: Baden-Württemberg, Niedersachsen, Nordrhein-Westfalen, Sachsen.
        assert order("state") == ["Überlingen Zentrum", "Ölmühle Innovationspark",
                                  "Aachener Gründerhaus", "Zwickauer Technologiezentrum"]
        # Without a date last, in both directions.
        assert order("member_since") == ["Zwickauer Technologiezentrum", "Überlingen Zentrum",
                                         "Ölmühle Innovationspark", "Aachener Gründerhaus"]
        assert order("-member_since") == ["Ölmühle Innovationspark", "Überlingen Zentrum",
                                          "Zwickauer Technologiezentrum", "Aachener Gründerhaus"]
        assert order("gibts-nicht") == order("name")

    def test_sort_header_links_toggle_and_keep_filters(self, client, sign_in, make_centre):
        sign_in("lead")
        make_centre(name="Technologiezentrum Göttingen")
        html = client.get("/centres/?q=g%C3%B6tt&sort=city").get_data(as_text=True)
        assert 'aria-sort="ascending"' in html
        assert re.search(r'href="/centres/\?q=g%C3%B6tt&amp;sort=-city"', html)
        assert re.search(r'href="/centres/\?q=g%C3%B6tt&amp;sort=name"|href="/centres/\?q=g%C3%B6tt"',
                         html)

    def test_pages_of_page_size_keep_filters(self, app, client, sign_in, make_centre):
        app.config["PAGE_SIZE"] = 2
        sign_in("lead")
        for i in range(5):
            make_centre(name=f"Gründerzentrum Nord {i}", city="Görlitz", federal_state="SN")
        make_centre(name="Anderes Zentrum", federal_state="NI")
        first = client.get("/centres/?state=SN").get_data(as_text=True)
        assert _names(first) == ["Gründerzentrum Nord 0", "Gründerzentrum Nord 1"]
        assert "Seite 1 von 3" in first
        assert 'href="/centres/?page=2&amp;state=SN"' in first
        third = client.get("/centres/?state=SN&page=3").get_data(as_text=True)
        assert _names(third) == ["Gründerzentrum Nord 4"]
        # Past the end: the last page; nonsense: the first.
        assert _names(client.get("/centres/?state=SN&page=99").get_data(as_text=True)) == [
            "Gründerzentrum Nord 4"]
        assert client.get("/centres/?page=abc").status_code == 200

    def test_inactive_centres_only_on_request(self, client, sign_in, make_centre):
        sign_in("lead", language="en")
        make_centre(name="Aktives Zentrum Jena", city="Jena", federal_state="TH")
        make_centre(name="Ehemaliges Zentrum Gießen", city="Gießen", federal_state="HE", active=False)
        assert _names(client.get("/centres/").get_data(as_text=True)) == ["Aktives Zentrum Jena"]
        html = client.get("/centres/?inactive=1").get_data(as_text=True)
        assert _names(html) == ["Aktives Zentrum Jena", "Ehemaliges Zentrum Gießen"]
        assert "inactive" in _row(html, "Ehemaliges Zentrum Gießen")

    def test_query_count_does_not_grow_with_the_number_of_centres(
        self, client, sign_in, make_centre, make_audit, make_certificate
    ):
        sign_in("lead")
        today = date.today()

        def add_centre():
            centre = make_centre()
            make_audit(centre, answers={"A1": 3})
            make_certificate(centre, today - timedelta(days=30), today + timedelta(days=2000))

        def queries() -> int:
            with count_queries(db.engine) as statements:
                assert client.get("/centres/?sort=label").status_code == 200
            return len(statements)

        add_centre()
        few = queries()
        for _ in range(4):
            add_centre()
        assert queries() == few


# --------------------------------------------------------------------------------------------
# Permissions


@pytest.mark.parametrize("path", ["/centres/", "/centres/1", "/centres/new", "/centres/1/edit",
                                  "/centres/import", "/centres/export.csv"])
def test_every_page_needs_sign_in(client, make_centre, path):
    make_centre()
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login")


class TestPermissions:
    def test_lead_and_admin_see_all_and_may_manage(self, client, auth, make_user, make_centre):
        centre = make_centre(name="Technologiezentrum Göttingen")
        for role in ("lead", "admin"):
            make_user(role, email=f"{role}@zentren-test.de")
            auth.login(f"{role}@zentren-test.de")
            html = client.get(f"/centres/{centre.id}").get_data(as_text=True)
            assert f'href="/centres/{centre.id}/edit"' in html
            for path in ("/centres/new", f"/centres/{centre.id}/edit", "/centres/import"):
                assert client.get(path).status_code == 200, (role, path)
            assert 'href="/centres/new"' in client.get("/centres/").get_data(as_text=True)
            auth.logout()

    def test_auditor_sees_centres_of_own_audits_read_only(
        self, client, sign_in, make_centre, make_audit
    ):
        auditor = sign_in("auditor")
        own = make_centre(name="Eigenes Zentrum Fürth", city="Fürth", federal_state="BY")
        foreign = make_centre(name="Fremdes Zentrum Lüneburg", city="Lüneburg")
        make_audit(own, auditors=[auditor])
        make_audit(foreign)
        assert _names(client.get("/centres/").get_data(as_text=True)) == ["Eigenes Zentrum Fürth"]
        html = client.get(f"/centres/{own.id}").get_data(as_text=True)
        assert "Eigenes Zentrum Fürth" in html and "/edit" not in html
        assert 'href="/centres/new"' not in client.get("/centres/").get_data(as_text=True)
        assert client.get(f"/centres/{foreign.id}").status_code == 404
        assert client.get("/centres/999999").status_code == 404

    @pytest.mark.parametrize("role", ["auditor", "contact"])
    def test_others_get_404_for_create_edit_and_import(self, client, sign_in, make_centre, make_audit, role):
        centre = make_centre(name="Technologiezentrum Göttingen")
        user = sign_in(role, centre=centre if role == "contact" else None)
        if role == "auditor":
            make_audit(centre, auditors=[user])
        count = _centre_count()
        token = csrf_token(client, "/centres/")
        for path in ("/centres/new", f"/centres/{centre.id}/edit", "/centres/import"):
            assert client.get(path).status_code == 404, path
            response = client.post(path, data={**_form(name="Eingeschleust"), "csrf_token": token})
            assert response.status_code == 404, path
        assert _centre_count() == count
        assert db.session.get(Centre, centre.id).name == "Technologiezentrum Göttingen"

    def test_contact_sees_own_centre_only_with_decided_audits(
        self, client, sign_in, make_user, make_centre, make_audit
    ):
        own = make_centre(name="Gründerzentrum Jena", city="Jena", federal_state="TH")
        other = make_centre(name="Technologiezentrum Göttingen")
        reviewer = make_user("lead")
        decided = make_audit(own)
        planned = make_audit(own)
        for criterion in domain_catalog(decided.catalog_id).criteria:
            answer = (audit_service.AnswerInput(value=Decimal(criterion.bands[-1].start))
                      if criterion.type.value == "number" else audit_service.AnswerInput(points=3))
            assessment = audit_service.get_assessment(decided, criterion.code)
            audit_service.save_assessment(decided, criterion.code, answer,
                                          expected_version=assessment.version,
                                          actor=decided.lead_auditor)
        audit_service.transition(decided, Action.SUBMIT, decided.lead_auditor)
        audit_service.transition(decided, Action.BEGIN_REVIEW, reviewer)
        audit_service.agree_with_remaining(decided, actor=reviewer)  # decide needs every row reviewed
        audit_service.transition(decided, Action.DECIDE, reviewer, decision=Decision.AWARD,
                                 note="Beschluss vom 26.11.2026")
        db.session.commit()
        sign_in("contact", centre=own)
        assert _names(client.get("/centres/").get_data(as_text=True)) == ["Gründerzentrum Jena"]
        html = client.get(f"/centres/{own.id}").get_data(as_text=True)
        assert decided.number in html and planned.number not in html
        assert client.get(f"/centres/{other.id}").status_code == 404

    def test_export_contains_only_visible_centres(self, client, sign_in, make_centre):
        own = make_centre(name="Gründerzentrum Jena", city="Jena", federal_state="TH")
        make_centre(name="Technologiezentrum Göttingen")
        sign_in("contact", centre=own)
        text = client.get("/centres/export.csv").get_data().decode("utf-8-sig")
        assert "Gründerzentrum Jena" in text and "Göttingen" not in text


# --------------------------------------------------------------------------------------------
# Detail


class TestDetail:
    def test_key_figures_contact_audits_and_certificates(
        self, client, sign_in, make_centre, make_audit, make_certificate
    ):
        sign_in("lead")
        centre = make_centre(
            name="Technologiezentrum Göttingen", space_m2=8400, tenant_count=74,
            occupancy_percent=Decimal("91.5"), staff_count=9, founded_year=1986,
            member_since=date(1992, 3, 1), website="https://www.tz-goettingen.example",
            contact_name="Henrike Pöhlmann", contact_email="poehlmann@tz-goettingen.example",
            contact_phone="+49 551 123456",
        )
        audit = make_audit(centre, answers={"A1": 3, "A2": 2})
        today = date.today()
        make_certificate(centre, today - timedelta(days=400), today + timedelta(days=1400))
        make_certificate(centre, date(2015, 1, 1), date(2020, 1, 1), CertificateStatus.SUPERSEDED)
        html = client.get(f"/centres/{centre.id}").get_data(as_text=True)
        figures = re.search(r'data-testid="key-figures".*?</dl>', html, re.DOTALL).group(0)
        for text in ("8.400 m²", "74", "91,5\u00a0%", "9", "1986", "01.03.1992"):
            assert text in figures, text
        assert ('<a href="https://www.tz-goettingen.example" rel="noopener noreferrer"'
                in html)
        assert "Henrike Pöhlmann" in html and "mailto:poehlmann@tz-goettingen.example" in html
        history = re.search(r'data-testid="audit-history".*?</table>', html, re.DOTALL).group(0)
        assert audit.number in history and "Erstaudit" in history and "unvollständig" in history
        certificates = re.search(r'data-testid="certificates".*?</table>', html, re.DOTALL).group(0)
        assert certificates.count("AIZ-T-") == 2
        assert "gültig" in certificates and "ersetzt" in certificates
        assert "<title>Technologiezentrum Göttingen · " in html

    @pytest.mark.parametrize("website", ["javascript:alert(1)", "www.ohne-schema.example",
                                         "ftp://ftp.example.org"])
    def test_website_is_linked_only_when_http(self, client, sign_in, make_centre, website):
        sign_in("lead")
        centre = make_centre(website=website)
        html = client.get(f"/centres/{centre.id}").get_data(as_text=True)
        assert website in html
        assert f'href="{website}"' not in html

    def test_query_count_does_not_grow_with_the_number_of_audits(
        self, client, sign_in, make_centre, make_audit, make_certificate
    ):
        sign_in("lead")
        centre = make_centre()
        today = date.today()

        def queries() -> int:
            with count_queries(db.engine) as statements:
                assert client.get(f"/centres/{centre.id}").status_code == 200
            return len(statements)

        make_audit(centre, answers={"A1": 3})
        make_certificate(centre, today - timedelta(days=3), today + timedelta(days=30))
        few = queries()
        for _ in range(3):
            make_audit(centre, answers={"A2": 1})
            make_certificate(centre, date(2010, 1, 1), date(2015, 1, 1), CertificateStatus.SUPERSEDED)
        assert queries() == few


# --------------------------------------------------------------------------------------------
# Create and edit


class TestCreateAndEdit:
    def test_create_stores_every_field_and_records_an_event(self, client, sign_in):
        lead = sign_in("lead")
        response = _post_form(client, "/centres/new")
        assert response.status_code == 302
        _fresh()
        centre = db.session.scalar(sa.select(Centre))
        assert response.headers["Location"] == f"/centres/{centre.id}"
        assert (centre.name, centre.city, centre.federal_state) == (
            "Innovationszentrum Lüneburg", "Lüneburg", "NI")
        assert centre.space_m2 == 6300 and centre.tenant_count == 58 and centre.staff_count == 7
        assert centre.occupancy_percent == Decimal("87.5")
        assert centre.member_since == date(1999, 4, 1) and centre.founded_year == 1997
        assert centre.contact_phone == "+49 4131 123-45" and centre.active is True
        event = db.session.scalar(sa.select(Event).where(Event.action == "centre_created"))
        assert (event.actor_id, event.subject_type, event.subject_id) == (lead.id, "centre", centre.id)
        assert event.new["occupancy_percent"] == "87.5" and event.new["name"] == centre.name

    def test_decimal_point_and_empty_optional_fields_are_accepted(self, client, sign_in):
        sign_in("lead")
        response = _post_form(client, "/centres/new", occupancy_percent="87.5", space_m2="",
                              website="", contact_email="", postcode="", member_since="",
                              active=None)
        assert response.status_code == 302
        _fresh()
        centre = db.session.scalar(sa.select(Centre))
        assert centre.occupancy_percent == Decimal("87.5") and centre.space_m2 is None
        assert centre.member_since is None and centre.active is False

    BAD_FIELDS: ClassVar[list[tuple[str, str, str]]] = [
        ("name", "", "This field is required."),
        ("name", "N" * 201, "Please enter at most 200 characters."),
        ("postcode", "3707", "A German postcode has five digits."),
        ("postcode", "D-37077", "A German postcode has five digits."),
        ("city", "   ", "This field is required."),
        ("federal_state", "", "Please choose a federal state."),
        ("federal_state", "XX", "Unknown federal state"),
        ("founded_year", "1949", "Please enter a year between 1950 and"),
        ("founded_year", str(date.today().year + 1), "Please enter a year between 1950 and"),
        ("founded_year", "neunzehnhundert", "Please enter a whole number."),
        ("space_m2", "-1", "Please enter a number between 0 and 1,000,000."),
        ("space_m2", "1000001", "Please enter a number between 0 and 1,000,000."),
        ("tenant_count", "viele", "Please enter a whole number."),
        ("tenant_count", "10001", "Please enter a number between 0 and 10,000."),
        ("occupancy_percent", "100,5", "Please enter a percentage between 0 and 100."),
        ("occupancy_percent", "87,55", "Please enter at most one decimal place."),
        ("occupancy_percent", "hoch", "Please enter a percentage such as 87.5."),
        ("staff_count", "1001", "Please enter a number between 0 and 1,000."),
        ("website", "ftp://ftp.example.org", "Please enter a web address starting with http"),
        ("website", "javascript:alert(1)", "Please enter a web address starting with http"),
        ("website", "www.ohne-schema.example", "Please enter a web address starting with http"),
        ("contact_email", "kein-mail", "Please enter a valid e-mail address."),
        ("contact_phone", "ruf mich an", "Please enter a phone number"),
        ("member_since", "31.02.2020", "This date does not exist."),
        ("member_since", "März 2020", "Please enter a date as DD.MM.YYYY."),
        ("member_since", (date.today() + timedelta(days=1)).isoformat(),
         "The date cannot lie in the future."),
    ]

    @pytest.mark.parametrize("field, value, message", BAD_FIELDS,
                             ids=[f"{f}={v[:12]}" for f, v, _ in BAD_FIELDS])
    def test_each_bad_field_is_refused_next_to_it_and_nothing_stored(
        self, client, sign_in, make_centre, field, value, message
    ):
        sign_in("lead", language="en")
        existing = make_centre(name="Bestehendes Zentrum Göttingen")
        before = _centre_count()
        response = _post_form(client, "/centres/new", **{field: value})
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        error = re.search(rf'<small class="field-error" id="{field}-error">([^<]*)</small>', html)
        assert error, f"no error next to {field}"
        assert message in error.group(1).replace("&#39;", "'")
        assert re.search(rf'id="{field}"[^>]*aria-invalid="true"|aria-invalid="true"[^>]*id="{field}"',
                         html)
        if field != "federal_state" and value.strip():
            assert f'value="{value}"' in html  # what the user typed is kept
        assert 'value="Innovationszentrum Lüneburg"' in html or field == "name"
        assert _centre_count() == before
        assert _centre_events() == 0
        assert existing.name == "Bestehendes Zentrum Göttingen"

    @pytest.mark.parametrize("name", ["Technologiezentrum Göttingen", "TECHNOLOGIEZENTRUM GÖTTINGEN",
                                      "technologiezentrum göttingen", "  Technologiezentrum   Göttingen "])
    def test_duplicate_name_is_refused_ignoring_case(self, client, sign_in, make_centre, name):
        sign_in("lead", language="en")
        make_centre(name="Technologiezentrum Göttingen")
        response = _post_form(client, "/centres/new", name=name)
        html = response.get_data(as_text=True)
        assert "A centre named „Technologiezentrum Göttingen“ already exists." in html
        assert _centre_count() == 1

    def test_edit_saves_changed_fields_and_records_them(self, client, sign_in, make_centre):
        lead = sign_in("lead")
        centre = make_centre(name="Technologiezentrum Göttingen", occupancy_percent=Decimal("91.5"),
                             tenant_count=74)
        page = client.get(f"/centres/{centre.id}/edit").get_data(as_text=True)
        assert 'value="91,5"' in page and 'value="Technologiezentrum Göttingen"' in page
        data = {**_form(), **{k: v for k, v in _form_values(page).items()}}
        data.update(tenant_count="80", occupancy_percent="93,0", contact_name="Märthe Böhm")
        data["csrf_token"] = csrf_token(client, f"/centres/{centre.id}/edit")
        response = client.post(f"/centres/{centre.id}/edit", data=data)
        assert response.status_code == 302 and response.headers["Location"] == f"/centres/{centre.id}"
        _fresh()
        assert centre.tenant_count == 80 and centre.occupancy_percent == Decimal("93.0")
        event = db.session.scalar(sa.select(Event).where(Event.action == "centre_updated"))
        assert event.actor_id == lead.id and event.subject_id == centre.id
        assert event.old == {"tenant_count": 74, "occupancy_percent": "91.5", "contact_name": ""}
        assert event.new == {"tenant_count": 80, "occupancy_percent": "93.0",
                             "contact_name": "Märthe Böhm"}

    def test_edit_without_changes_records_nothing(self, client, sign_in, make_centre):
        sign_in("lead", language="en")
        centre = make_centre(name="Technologiezentrum Göttingen", occupancy_percent=Decimal("91.5"))
        page = client.get(f"/centres/{centre.id}/edit").get_data(as_text=True)
        data = _form_values(page)
        data["csrf_token"] = csrf_token(client, f"/centres/{centre.id}/edit")
        response = client.post(f"/centres/{centre.id}/edit", data=data, follow_redirects=True)
        assert "Nothing was changed." in response.get_data(as_text=True)
        assert _centre_events() == 0

    def test_edit_keeps_own_name_but_refuses_another_centres(self, client, sign_in, make_centre):
        sign_in("lead", language="en")
        make_centre(name="Gründerzentrum Würzburg")
        centre = make_centre(name="Technologiezentrum Göttingen", tenant_count=74)
        url = f"/centres/{centre.id}/edit"
        response = _post_form(client, url, name="gründerzentrum WÜRZBURG", tenant_count="99")
        assert "A centre named „Gründerzentrum Würzburg“ already exists." in response.get_data(
            as_text=True)
        _fresh()
        assert db.session.get(Centre, centre.id).tenant_count == 74
        assert db.session.get(Centre, centre.id).name == "Technologiezentrum Göttingen"
        assert _post_form(client, url, name="TECHNOLOGIEZENTRUM GÖTTINGEN").status_code == 302

    def test_invalid_edit_changes_nothing(self, client, sign_in, make_centre):
        sign_in("lead", language="en")
        centre = make_centre(name="Technologiezentrum Göttingen", tenant_count=74)
        response = _post_form(client, f"/centres/{centre.id}/edit", tenant_count="80",
                              postcode="123")
        assert response.status_code == 200
        _fresh()
        fresh = db.session.get(Centre, centre.id)
        assert fresh.tenant_count == 74 and fresh.postcode == "37077"
        assert _centre_events() == 0

    def test_post_without_csrf_token_is_refused(self, client, sign_in):
        sign_in("lead")
        assert client.post("/centres/new", data=_form()).status_code == 400
        assert _centre_count() == 0

    def test_german_form_labels_and_comma(self, client, sign_in, make_centre):
        sign_in("lead")
        centre = make_centre(occupancy_percent=Decimal("87.5"))
        html = client.get(f"/centres/{centre.id}/edit").get_data(as_text=True)
        assert 'name="csrf_token"' in html and 'value="87,5"' in html
        assert 'lang="de"' in html


def _form_values(html: str) -> dict:
    """The input values and selected options of a rendered centre form."""
    values = {}
    for name, value in re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', html):
        values[name] = value.replace("&amp;", "&")
    for name in re.findall(r'<input[^>]*checked[^>]*name="([^"]+)"|<input[^>]*name="([^"]+)"[^>]*checked', html):
        values[name[0] or name[1]] = "y"
    selected = re.search(r'<option selected value="([^"]*)"|<option value="([^"]*)" selected', html)
    if selected:
        values["federal_state"] = selected.group(1) or selected.group(2)
    values.pop("csrf_token", None)
    values.pop("submit", None)
    return values


# --------------------------------------------------------------------------------------------
# CSV export


class TestExport:
    def test_bom_semicolons_headers_and_german_formats(self, client, sign_in, make_centre):
        sign_in("lead")
        make_centre(name="Technologiezentrum Göttingen", occupancy_percent=Decimal("91.5"),
                    member_since=date(1992, 3, 1), space_m2=8400)
        response = client.get("/centres/export.csv")
        assert response.status_code == 200
        assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
        assert response.headers["Content-Disposition"] == (
            f'attachment; filename="zentren-{date.today().isoformat()}.csv"')
        body = response.get_data()
        assert body.startswith(b"\xef\xbb\xbf")
        lines = body.decode("utf-8-sig").split("\r\n")
        assert lines[0] == GERMAN_HEADER + ";Aktiv"
        cells = lines[1].split(";")
        assert cells[0] == "Technologiezentrum Göttingen" and cells[5] == "Niedersachsen"
        assert cells[7] == "8400" and cells[9] == "91,5" and cells[15] == "01.03.1992"
        assert cells[16] == "ja"

    def test_english_headers_for_english_users(self, client, sign_in, make_centre):
        sign_in("lead", language="en")
        make_centre(name="Technologiezentrum Göttingen")
        text = client.get("/centres/export.csv").get_data().decode("utf-8-sig")
        assert text.startswith("name;operating_company;street;postcode;city;federal_state;")

    def test_honours_the_list_filters(self, client, sign_in, make_centre):
        sign_in("lead")
        make_centre(name="Gründerzentrum Würzburg", city="Würzburg", federal_state="BY")
        make_centre(name="Technologiezentrum Göttingen", city="GÖTTINGEN")
        make_centre(name="Technologiepark Görlitz", city="Görlitz", federal_state="SN")
        text = client.get("/centres/export.csv?q=göttingen").get_data().decode("utf-8-sig")
        assert "Technologiezentrum Göttingen" in text and "Würzburg" not in text
        text = client.get("/centres/export.csv?state=BY").get_data().decode("utf-8-sig")
        assert text.count("\r\n") == 2 and "Gründerzentrum Würzburg" in text
        assert 'href="/centres/export.csv?state=BY"' in client.get("/centres/?state=BY").get_data(
            as_text=True)

    def test_formula_injection_is_neutralised(self, client, sign_in, make_centre):
        sign_in("lead")
        make_centre(name='=HYPERLINK("https://böse.example","Klick")', operating_company="@SUMME(A1)",
                    street="-2+3", contact_phone="+49 551 123456", contact_name="\tTab-Zentrum")
        text = client.get("/centres/export.csv").get_data().decode("utf-8-sig")
        row = next(csv.reader(io.StringIO(text.split("\r\n", 1)[1]), delimiter=";"))
        assert row[0] == "'=HYPERLINK(\"https://böse.example\",\"Klick\")"
        assert row[1] == "'@SUMME(A1)" and row[2] == "'-2+3"
        assert row[12] == "'\tTab-Zentrum" and row[14] == "'+49 551 123456"
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))


# --------------------------------------------------------------------------------------------
# CSV import


class TestImport:
    @pytest.mark.parametrize("language", ["de", "en"])
    def test_round_trip_export_then_import_into_an_empty_register(
        self, client, sign_in, make_centre, language
    ):
        sign_in("lead", language=language)
        make_centre(name="Technologiezentrum Göttingen", occupancy_percent=Decimal("91.5"),
                    member_since=date(1992, 3, 1), website="https://www.tz-goettingen.example",
                    contact_name="Jürgen Müller-Strauß", contact_email="jms@tz-goettingen.example",
                    contact_phone="+49 551 123-456", founded_year=1986)
        make_centre(name="Gründerzentrum „Würzburg“; Süd", operating_company="", street="",
                    postcode="", city="Würzburg", federal_state="BY", founded_year=None,
                    space_m2=None, tenant_count=None, staff_count=None, active=False)
        make_centre(name="=Formel-Zentrum Öhringen", city="Öhringen", federal_state="BW",
                    occupancy_percent=Decimal("100.0"), space_m2=0, tenant_count=0)
        fields = [f for f in svc.FIELDS]

        def snapshot():
            _fresh()
            return sorted(tuple(getattr(c, f) for f in fields)
                          for c in db.session.scalars(sa.select(Centre)))

        before = snapshot()
        exported = client.get("/centres/export.csv?inactive=1").get_data()
        db.session.execute(sa.delete(Centre))
        db.session.commit()
        preview = _upload(client, exported, "zentren-export.csv").get_data(as_text=True)
        assert 'class="import-verdict import-verdict-ok"' in preview
        response = _confirm(client, _sealed(preview))
        assert response.status_code == 302 and response.headers["Location"] == "/centres/"
        _fresh()
        assert snapshot() == before

    def test_preview_first_then_import_with_bom_semicolons_codes_and_names(self, client, sign_in):
        lead = sign_in("lead", language="en")
        content = ("\ufeff" + GERMAN_HEADER + "\r\n"
                   "Technologiezentrum Göttingen;Göttinger Innovations- und Technologiezentrum GmbH;"
                   "Hans-Adolf-Krebs-Weg 1;37077;Göttingen;NI;1986;8400;74;91,5;9;"
                   "https://www.tz-goettingen.example;Henrike Pöhlmann;hp@tz.example;"
                   "+49 551 123;01.03.1992\r\n"
                   ";;;;;;;;;;;;;;;\r\n"
                   "Gründerzentrum Würzburg;;;97076;Würzburg;Bayern;1993;;;88;;;;;;1995-06-15\r\n"
                   ).encode("utf-8")
        response = _upload(client, content)
        html = response.get_data(as_text=True)
        assert response.status_code == 200 and "All 2 rows are correct." in html
        assert _centre_count() == 0  # nothing before the confirmation
        response = _confirm(client, _sealed(html))
        assert response.status_code == 302
        follow = client.get("/centres/").get_data(as_text=True)
        assert "2 centres have been imported." in follow
        _fresh()
        by_name = {c.name: c for c in db.session.scalars(sa.select(Centre))}
        assert by_name["Technologiezentrum Göttingen"].occupancy_percent == Decimal("91.5")
        assert by_name["Technologiezentrum Göttingen"].contact_phone == "+49 551 123"
        assert by_name["Gründerzentrum Würzburg"].federal_state == "BY"
        assert by_name["Gründerzentrum Würzburg"].member_since == date(1995, 6, 15)
        events = list(db.session.scalars(sa.select(Event).where(Event.action == "centre_created")))
        assert len(events) == 2 and {e.actor_id for e in events} == {lead.id}
        assert {e.subject_id for e in events} == {c.id for c in by_name.values()}
        assert all(e.note == "CSV import: zentren.csv" for e in events)

    def test_commas_without_bom_and_english_headers(self, client, sign_in):
        sign_in("lead")
        content = ("city,name,federal_state,occupancy_percent\n"
                   'Jena,"Gründer- und Technologiezentrum Jena, Campus",TH,93.8\n').encode()
        html = _upload(client, content).get_data(as_text=True)
        assert _confirm(client, _sealed(html)).status_code == 302
        _fresh()
        centre = db.session.scalar(sa.select(Centre))
        assert centre.name == "Gründer- und Technologiezentrum Jena, Campus"
        assert centre.occupancy_percent == Decimal("93.8") and centre.federal_state == "TH"

    def test_a_bad_row_imports_nothing_and_says_so(self, app, client, sign_in, make_centre):
        user = sign_in("lead", language="en")
        make_centre(name="Technologiezentrum Göttingen")
        content = (GERMAN_HEADER + "\n"
                   "Gründerzentrum Würzburg;;;97076;Würzburg;BY;;;;;;;;;;\n"
                   "Zentrum Lübeck;;;2356;Lübeck;Holstein;;;;120;;;;;;\n"
                   "TECHNOLOGIEZENTRUM GÖTTINGEN;;;;Göttingen;NI;;;;;;;;;;\n"
                   "Gründerzentrum WÜRZBURG;;;;Würzburg;BY;;;;;;;;;;\n"
                   ).encode("utf-8")
        html = _upload(client, content).get_data(as_text=True)
        assert "3 rows have errors." in html
        assert "Nothing will be imported until every row is correct." in html
        assert 'name="sealed"' not in html  # no confirm button
        rows = re.findall(r'<tr id="line-(\d+)" class="(row-ok|row-error)"', html)
        assert rows == [("2", "row-ok"), ("3", "row-error"), ("4", "row-error"), ("5", "row-error")]
        line3 = _row(html, "Zentrum Lübeck")
        assert "PLZ" in line3 and "A German postcode has five digits." in line3
        assert "Bundesland" in line3 and "Unknown federal state" in line3
        assert "Auslastung_Prozent" in line3 and "between 0 and 100" in line3
        assert "already exists" in _row(html, "TECHNOLOGIEZENTRUM GÖTTINGEN")
        assert "The same name as in line 2." in _row(html, "Gründerzentrum WÜRZBURG")
        assert _centre_count() == 1
        # Even a validly sealed copy of the bad file imports nothing.
        with app.test_request_context():
            sealed = svc.seal_import(svc.parse_centre_csv(content), "zentren.csv", user)
        response = _confirm(client, sealed)
        assert response.status_code == 200
        assert "Nothing was imported" in response.get_data(as_text=True)
        assert _centre_count() == 1

    def test_the_register_is_checked_again_on_confirmation(self, client, sign_in, make_centre):
        sign_in("lead", language="en")
        content = (GERMAN_HEADER + "\nGründerzentrum Würzburg;;;;Würzburg;BY;;;;;;;;;;\n"
                   "Zentrum Lübeck;;;;Lübeck;SH;;;;;;;;;;\n").encode("utf-8")
        sealed = _sealed(_upload(client, content).get_data(as_text=True))
        make_centre(name="Gründerzentrum Würzburg", city="Würzburg", federal_state="BY")
        response = _confirm(client, sealed)
        html = response.get_data(as_text=True)
        assert response.status_code == 200 and "Nothing was imported" in html
        assert "already exists" in html
        assert _centre_count() == 1

    def test_tampered_or_foreign_preview_is_refused(self, app, client, sign_in, make_user):
        sign_in("lead", language="en")
        content = (GERMAN_HEADER + "\nGründerzentrum Würzburg;;;;Würzburg;BY;;;;;;;;;;\n").encode()
        sealed = _sealed(_upload(client, content).get_data(as_text=True))
        response = _confirm(client, sealed[:-3] + ("AAA" if not sealed.endswith("AAA") else "BBB"))
        assert response.status_code == 302
        assert "could not be verified" in client.get("/centres/import").get_data(as_text=True)
        other = make_user("lead")
        with app.test_request_context():
            foreign = svc.seal_import(svc.parse_centre_csv(content), "zentren.csv", other)
        _confirm(client, foreign)
        assert "could not be verified" in client.get("/centres/import").get_data(as_text=True)
        assert _centre_count() == 0

    @pytest.mark.parametrize("content, filename, message", [
        (b"", "leer.csv", "The file is empty."),
        ("Name;Ort;Bundesland\nZentrum Gießen;Gießen;HE\n".encode("cp1252"), "zentren.csv",
         "The file is not UTF-8 encoded."),
        (b"Name;Ort\nZentrum;Ort\n", "zentren.csv", "Required columns are missing: „Bundesland“."),
        (b"Name;Ort;Bundesland;Farbe\nZentrum;Ort;NI;blau\n", "zentren.csv",
         "Unknown columns: „Farbe“."),
        (b"Name;Ort;Bundesland;Ort\nZentrum;Ort;NI;Ort\n", "zentren.csv", "appears twice"),
        (b"Name;Ort;Bundesland\n", "zentren.csv", "The file contains no centres"),
        (b"Name;Ort;Bundesland\nZentrum;Ort;NI\n", "zentren.xlsx", "Please choose a CSV file (.csv)."),
        (b"x" * (1024 * 1024 + 1), "gross.csv", "The file is larger than 1 MB."),
        (("Name;Ort;Bundesland\n" + "".join(f"Zentrum {i};Ort;NI\n" for i in range(2001)))
         .encode(), "viele.csv", "The file has 2,001 rows; at most 2,000"),
    ], ids=["empty", "cp1252", "missing-column", "unknown-column", "twice", "no-rows", "xlsx",
            "too-large", "too-many-rows"])
    def test_file_level_problems(self, client, sign_in, content, filename, message):
        sign_in("lead", language="en")
        response = _upload(client, content, filename)
        html = response.get_data(as_text=True)
        assert response.status_code == 200
        assert message in html.replace("&#34;", '"')
        assert 'name="sealed"' not in html
        assert _centre_count() == 0

    def test_row_with_more_cells_than_the_header(self, client, sign_in):
        sign_in("lead", language="en")
        html = _upload(client, b"Name;Ort;Bundesland\nZentrum;Ort;NI;zu viel\n").get_data(as_text=True)
        assert "This line has more cells than the header row." in html
        assert 'name="sealed"' not in html

    def test_two_thousand_rows_fit_into_one_preview(self, app, client, sign_in):
        sign_in("lead", language="en")
        lines = [GERMAN_HEADER + ";Aktiv"]
        for i in range(2000):
            lines.append(f"Technologie- und Gründerzentrum Nummer {i:04d};Betreibergesellschaft "
                         f"Süd {i} GmbH;Hauptstraße {i};{10000 + i};Göttingen;Niedersachsen;1990;"
                         f"{1000 + i};{i % 100};87,5;5;https://zentrum-{i}.example;Jürgen Müller;"
                         f"kontakt{i}@zentrum.example;+49 551 {i};01.03.1999;ja")
        html = _upload(client, "\r\n".join(lines).encode("utf-8")).get_data(as_text=True)
        assert "All 2000 rows are correct." in html or "All 2,000 rows are correct." in html
        assert _confirm(client, _sealed(html)).status_code == 302
        assert _centre_count() == 2000

    def test_import_page_documents_the_columns(self, client, sign_in):
        sign_in("lead")
        html = client.get("/centres/import").get_data(as_text=True)
        for header in GERMAN_HEADER.split(";") + ["Aktiv", "operating_company", "member_since"]:
            assert f"<code>{header}</code>" in html, header
        assert 'enctype="multipart/form-data"' in html and 'name="csrf_token"' in html


def test_parse_understands_header_variants_and_restores_neutralised_cells(app):
    content = ("\ufeffNAME;strasse;Postleitzahl;ORT;bundesland;E-Mail;Telefon;Fläche m²\n"
               "Zentrum Görlitz;'-Brückenstraße 24;02826;Görlitz;sachsen;a@b.example;'+49 3581 1;2.100\n"
               ).encode("utf-8")
    with app.test_request_context():
        preview = svc.parse_centre_csv(content, today=TODAY)
    assert not preview.file_errors and preview.importable
    values = preview.rows[0].values
    assert values["street"] == "-Brückenstraße 24" and values["contact_phone"] == "+49 3581 1"
    assert values["federal_state"] == "SN" and values["postcode"] == "02826"
    assert values["space_m2"] == 2100
