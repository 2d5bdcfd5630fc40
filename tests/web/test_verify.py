"""Public verification, the register, and a lead's suspend / withdraw / reinstate."""
from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from audit_app.extensions import db
from audit_app.models import Certificate, CertificateStatus, Event
from audit_app.workflow import AuditKind
from tests.conftest import csrf_token, fresh
from tests.pdf.test_certificates import decide, in_review, team  # noqa: F401

TODAY = date(2026, 11, 26)


@pytest.fixture
def fixed_today(app):
    app.config["VERIFY_TODAY"] = TODAY
    return TODAY


@pytest.fixture
def issued(app, make_audit, make_centre, catalog, team, fixed_today):  # noqa: F811
    """Certificates in every state the dates give: valid, expiring, expired, superseded."""
    goettingen = make_centre(name="Technologiezentrum Göttingen", city="Göttingen",
                             federal_state="NI")
    duesseldorf = make_centre(name="BioInnovationsZentrum Düsseldorf", city="Düsseldorf",
                              federal_state="NW")
    halle = make_centre(name="TGZ Halle an der Saale", city="Halle (Saale)", federal_state="ST")
    old = decide(in_review(make_audit, catalog, team, goettingen), team, day=date(2021, 3, 18))
    renewal = decide(in_review(make_audit, catalog, team, goettingen, kind=AuditKind.RENEWAL),
                     team, day=date(2026, 3, 4))
    expiring = decide(in_review(make_audit, catalog, team, duesseldorf), team, day=date(2022, 2, 15))
    expired = decide(in_review(make_audit, catalog, team, halle), team, day=date(2019, 10, 24))
    return {"old": old.number, "renewal": renewal.number, "expiring": expiring.number,
            "expired": expired.number}


@pytest.mark.parametrize("key,status,word,code", [
    ("renewal", "valid", "gültig", 200),
    ("expiring", "expiring", "läuft bald ab", 200),
    ("expired", "expired", "abgelaufen", 200),
    ("old", "superseded", "ersetzt", 200),
])
def test_status_follows_the_dates(client, issued, key, status, word, code):
    number = issued[key]
    response = client.get(f"/verify/{number}")
    assert response.status_code == code
    html = response.get_data(as_text=True)
    assert f'class="status status-{status}" data-status="{status}"' in html
    assert f'<span class="word">{word}</span>' in html
    assert "Anerkanntes Innovationszentrum" in html
    data = client.get(f"/verify/{number}.json").get_json()
    assert data["status"] == status and data["number"] == number


def test_valid_page_shows_what_the_certificate_shows(client, issued):
    number = issued["renewal"]
    html = client.get(f"/verify/{number}").get_data(as_text=True)
    certificate = db.session.scalar(sa.select(Certificate).where(Certificate.number == number))
    for expected in ("Technologiezentrum Göttingen", "04.03.2026 – 04.03.2031", number,
                     certificate.pdf_sha256, "Version 2026"):
        assert expected in html, expected
    assert "/audits" not in html and "Abmelden" not in html  # no way into the internal app
    data = client.get(f"/verify/{number}.json").get_json()
    assert data == {
        "number": number, "status": "valid",
        "centre": {"name": "Technologiezentrum Göttingen", "city": "Göttingen"},
        "label": "Anerkanntes Innovationszentrum",
        "valid_from": "2026-03-04", "valid_until": "2031-03-04",
        "catalog": {"key": "aiz", "version": "2026"},
        "pdf_sha256": certificate.pdf_sha256, "pdf_sha256_en": certificate.pdf_en_sha256,
        "superseded_by": None,
    }


def test_superseded_links_to_its_successor(client, issued):
    html = client.get(f"/verify/{issued['old']}").get_data(as_text=True)
    assert f'href="/verify/{issued["renewal"]}?lang=de"' in html
    assert client.get(f"/verify/{issued['old']}.json").get_json()["superseded_by"] == issued["renewal"]


def test_expiry_needs_no_job_only_a_later_day(app, client, issued):
    app.config["VERIFY_TODAY"] = date(2031, 3, 5)
    assert client.get(f"/verify/{issued['renewal']}.json").get_json()["status"] == "expired"


def test_unknown_numbers_answer_404(client, fixed_today):
    response = client.get("/verify/AIZ-2026-9999")
    assert response.status_code == 404
    assert "ungültig" in response.get_data(as_text=True)
    response = client.get("/verify/AIZ-2026-9999.json")
    assert response.status_code == 404
    body = response.get_json()
    assert body["error"]["code"] == "not_found" and body["error"]["fields"] == {}
    assert body["error"]["message"]
    assert client.get("/verify/%3Cscript%3E").status_code == 404


def test_form_redirects_to_the_typed_number(client, issued):
    assert client.get("/verify/").status_code == 200
    response = client.get(f"/verify/?number=%20{issued['renewal'].lower()}%20")
    assert response.status_code == 302
    assert response.headers["Location"].startswith(f"/verify/{issued['renewal']}")


@pytest.mark.parametrize("typed", ["aiz 2026 0001", " AIZ–2026–0001 ", "AIZ20260001",
                                   "aiz_2026_0001"])
def test_numbers_typed_with_spaces_or_other_dashes_find_the_certificate(client, issued, typed):
    number = issued["renewal"]
    typed = typed.replace("2026", number[4:8]).replace("0001", number[-4:])
    response = client.get("/verify/", query_string={"number": typed})
    assert response.status_code == 302 and response.headers["Location"].startswith(
        f"/verify/{number}")
    page = client.get(f"/verify/{typed.strip()}")
    assert page.status_code == 200 and number in page.get_data(as_text=True)


def test_the_number_field_has_no_browser_pattern(client, fixed_today):
    html = client.get("/verify/").get_data(as_text=True)
    assert 'name="number"' in html and "pattern=" not in html
    assert "Leerzeichen statt Bindestrichen" in html


def test_register_lists_only_currently_valid_labels_by_state(client, issued):
    html = client.get("/register").get_data(as_text=True)
    assert "Technologiezentrum Göttingen" in html and "BioInnovationsZentrum Düsseldorf" in html
    assert "TGZ Halle" not in html and issued["old"] not in html
    assert html.index("Niedersachsen") < html.index("Nordrhein-Westfalen")
    assert "2 Zentren tragen derzeit das Qualitätssiegel." in html


def test_english_rendering(client, issued):
    html = client.get(f"/verify/{issued['expiring']}?lang=en").get_data(as_text=True)
    assert '<html lang="en"' in html
    assert '<span class="word">expiring soon</span>' in html
    assert "15 Feb 2022" in html
    html = client.get("/register", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "2 centres currently hold the quality label." in html


# --- suspend, withdraw, reinstate ----------------------------------------------------------


def post_status(client, number, action, audit_id, reason="Betreiberwechsel – Prüfung läuft"):
    token = csrf_token(client, f"/audits/{audit_id}")
    return client.post(f"/certificates/{number}/{action}",
                       data={"csrf_token": token, "reason": reason})


def _certificate(number) -> Certificate:
    fresh()
    return db.session.scalar(sa.select(Certificate).where(Certificate.number == number))


def test_lead_suspends_withdraws_and_reinstates_with_reasons(client, auth, issued):
    number = issued["renewal"]
    audit_id = _certificate(number).audit_id
    auth.login("juergen@zentren-test.de")

    response = post_status(client, number, "suspend", audit_id, reason="   ")
    assert response.status_code == 302
    assert _certificate(number).status is CertificateStatus.VALID  # a reason is required

    assert post_status(client, number, "suspend", audit_id).status_code == 302
    certificate = _certificate(number)
    assert certificate.status is CertificateStatus.SUSPENDED
    assert certificate.status_reason == "Betreiberwechsel – Prüfung läuft"
    html = client.get(f"/verify/{number}").get_data(as_text=True)
    assert '<span class="word">ausgesetzt</span>' in html
    assert number not in client.get("/register").get_data(as_text=True)

    assert post_status(client, number, "reinstate", audit_id, reason="Nachweise geprüft").status_code == 302
    assert _certificate(number).status is CertificateStatus.VALID
    assert client.get(f"/verify/{number}.json").get_json()["status"] == "valid"

    assert post_status(client, number, "withdraw", audit_id, reason="Zentrum geschlossen").status_code == 302
    assert _certificate(number).status is CertificateStatus.WITHDRAWN
    response = client.get(f"/verify/{number}.json")
    assert response.status_code == 410
    assert response.get_json()["status"] == "withdrawn"
    assert '<span class="word">widerrufen</span>' in client.get(f"/verify/{number}").get_data(as_text=True)

    # Withdrawn is final: reinstating is refused and changes nothing.
    post_status(client, number, "reinstate", audit_id, reason="Versehen")
    assert _certificate(number).status is CertificateStatus.WITHDRAWN
    actions = db.session.scalars(
        sa.select(Event.action).where(Event.subject_type == "certificate",
                                      Event.subject_id == _certificate(number).id)
        .order_by(Event.id)).all()
    assert actions[-3:] == ["certificate_suspend", "certificate_reinstate", "certificate_withdraw"]


def test_only_leads_change_a_certificates_status(client, auth, issued):
    number = issued["renewal"]
    audit_id = _certificate(number).audit_id
    auth.login("katrin@zentren-test.de")  # the lead auditor: sees the audit, is no lead
    assert post_status(client, number, "suspend", audit_id).status_code == 403
    auth.logout()
    auth.login("bjoern@zentren-test.de")  # an outsider does not even see it
    assert post_status(client, number, "withdraw", audit_id).status_code == 404
    assert _certificate(number).status is CertificateStatus.VALID


def test_panel_partial_shows_number_status_download_and_actions(app, client, auth, issued):
    from flask import render_template_string

    from audit_app.models import Audit

    certificate = _certificate(issued["renewal"])
    auth.login("juergen@zentren-test.de")
    csrf_token(client, "/")
    with app.test_request_context("/?lang=de"):
        from flask_login import login_user

        from audit_app.models import User

        login_user(db.session.scalar(sa.select(User).where(User.email == "juergen@zentren-test.de")))
        html = render_template_string('{% include "certificates/_panel.html" %}',
                                      audit=db.session.get(Audit, certificate.audit_id))
    assert certificate.number in html and "gültig" in html
    assert f"/certificates/{certificate.number}.pdf" in html
    assert f"/certificates/{certificate.number}/suspend" in html
    assert f"/certificates/{certificate.number}/reinstate" not in html
