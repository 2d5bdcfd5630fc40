"""Attack suite: script payloads in every text field a user can write come back inert.

Each text field (centre, user name, comment, N/A reason, adjustment reason, notes, decision
justification, certificate status reason, evidence file name) is written through the same
services the forms use, then every page, export and document that shows it is read back:

- HTML pages: the payload never appears raw, only escaped;
- the CSV export: formula payloads are neutralised, markup is plain text;
- the certificate and report PDFs: the payload is text on the page (never markup that
  fetched or embedded anything — see tests/pdf for the listening-server checks);
- JSON (API, verification): the exact string as data, served as application/json with
  ``nosniff``, so no browser runs it.

The rest of the attack suite lives next to the feature it attacks:
CSRF on every POST route and the cross-team matrix (tests/web/test_matrix.py,
tests/api/test_matrix.py), upload checks (tests/web/test_audits.py::TestEvidence),
login throttle and passwords in logs (tests/web/test_auth.py), open redirects through
``next=`` (tests/web/test_app.py), WeasyPrint forgery (tests/pdf/).
"""
from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from audit_app.extensions import db
from audit_app.models import Certificate
from audit_app.services import audits as svc
from audit_app.services import certificates as cert_svc
from audit_app.services import evidence as evidence_svc
from audit_app.workflow import Action, Decision
from tests.conftest import full_answers

SCRIPT = '<script>alert("Größe")</script>'
ATTR = '"><img src=x onerror=alert(1)>'
FORMULA = "=HYPERLINK(\"http://127.0.0.1:9/ä\",\"Klick\")"

#: Raw fragments that must never reach an HTML page unescaped.
RAW = ("<script>alert(", "<img src=x onerror", '"><img')


def tagged(field: str) -> str:
    """A payload naming its field, so a failure says where the escaping broke."""
    return f"{field} {SCRIPT} {ATTR}"


@pytest.fixture
def world(app, make_user, make_centre, make_audit, catalog):
    lead_auditor = make_user("auditor", name=tagged("Name Prüferin"),
                             email="katrin@zentren-test.de")
    auditor = make_user("auditor", email="thomas@zentren-test.de")
    wg_lead = make_user("lead", name="Jürgen Müller-Strauß", email="juergen@zentren-test.de")
    centre = make_centre(
        name=tagged("Zentrum Göttingen"), operating_company=tagged("Betreiber GmbH"),
        street=tagged("Straße"), city=tagged("Göttingen"), contact_name=tagged("Kontakt"),
        website="javascript:alert(1)", contact_email='x"onmouseover="alert(1)@example.org',
    )
    answers = full_answers(catalog, C7="na")
    audit = make_audit(centre, answers=answers, lead=lead_auditor, auditors=[auditor])
    a1 = svc.get_assessment(audit, "A1")
    svc.save_assessment(audit, "A1", svc.AnswerInput(points=3, comment=tagged("Kommentar")),
                        expected_version=a1.version, actor=lead_auditor)
    c7 = svc.get_assessment(audit, "C7")
    svc.save_assessment(audit, "C7", svc.AnswerInput(not_applicable=True,
                                                     na_reason=tagged("Begründung N/A")),
                        expected_version=c7.version, actor=lead_auditor)
    b2 = svc.get_assessment(audit, "B2")
    svc.save_assessment(audit, "B2", svc.AnswerInput(points=3, finding=tagged("Feststellung"),
                                                     finding_severity="observation"),
                        expected_version=b2.version, actor=lead_auditor)
    evidence_svc.add_evidence(
        audit, svc.get_assessment(audit, "A1"), filename='<img src=x onerror=alert(1)>Prüfung.pdf',
        data=b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n%%EOF\n", actor=lead_auditor,
        max_bytes=app.config["EVIDENCE_MAX_BYTES"],
    )
    svc.transition(audit, Action.SUBMIT, lead_auditor, note=tagged("Notiz Einreichung"))
    svc.transition(audit, Action.BEGIN_REVIEW, wg_lead)
    svc.adjust_assessment(audit, "A2", actor=wg_lead, points=2, reason=tagged("Anpassung"))
    svc.agree_with_remaining(audit, actor=wg_lead)  # decide needs every row reviewed
    svc.transition(audit, Action.DECIDE, wg_lead, decision=Decision.AWARD,
                   note=tagged("Beschluss"), override_reason=tagged("Abweichung"), now=datetime(2026, 11, 26, 9, 0, tzinfo=UTC))
    db.session.commit()
    certificate = db.session.scalar(sa.select(Certificate).where(Certificate.audit_id == audit.id))
    cert_svc.change_status(certificate, "suspend", wg_lead, tagged("Grund Aussetzung"))
    db.session.commit()
    return {"audit": audit, "centre": centre, "certificate": certificate, "lead": wg_lead}


def _login(client, email: str) -> None:
    from tests.conftest import PASSWORD, csrf_token

    token = csrf_token(client)
    response = client.post("/auth/login", data={"email": email, "password": PASSWORD,
                                                "csrf_token": token})
    assert response.status_code == 302


def _assert_inert(html: str, where: str) -> None:
    for fragment in RAW:
        assert fragment not in html, f"{where}: raw {fragment!r}"
    # javascript: never becomes a link target; attributes never break out of their quotes.
    assert not re.search(r'href="\s*javascript:', html, re.IGNORECASE), where
    assert 'onmouseover="alert' not in html, where


def test_every_page_shows_the_payloads_escaped(app, client, world):
    _login(client, "juergen@zentren-test.de")
    audit, centre, certificate = world["audit"], world["centre"], world["certificate"]
    pages = {
        "start page": "/",
        "audit list": "/audits/",
        "audit page": f"/audits/{audit.id}",
        "checklist": f"/audits/{audit.id}/checklist",
        "review": f"/audits/{audit.id}/review",
        "centre list": "/centres/?q=Zentrum",
        "centre page": f"/centres/{centre.id}",
        "verification": f"/verify/{certificate.number}",
    }
    seen = {}
    for where, url in pages.items():
        response = client.get(url)
        assert response.status_code == 200, (where, response.status_code)
        html = response.get_data(as_text=True)
        _assert_inert(html, where)
        seen[where] = html
    escaped = "&lt;script&gt;alert(&#34;Größe&#34;)&lt;/script&gt;"
    for where, field in (("audit page", "Zentrum Göttingen"), ("audit page", "Beschluss"),
                         ("audit page", "Grund Aussetzung"), ("checklist", "Kommentar"),
                         ("checklist", "Begründung N/A"), ("review", "Anpassung"),
                         ("checklist", "Feststellung"),
                         ("centre page", "Betreiber GmbH"), ("centre page", "Kontakt"),
                         ("centre list", "Zentrum Göttingen"),
                         ("verification", "Zentrum Göttingen")):
        assert f"{field} {escaped}" in seen[where], f"{field} not shown escaped on the {where}"
    assert "Prüfung.pdf" in seen["checklist"]  # the evidence name, cleaned and escaped


def test_public_register_and_english_pages_escape_too(app, client, world):
    # The register lists only valid labels: reinstate the suspended certificate first.
    cert_svc.change_status(world["certificate"], "reinstate", world["lead"], "Auflagen erfüllt")
    db.session.commit()
    for url in ("/register", "/register?lang=en", f"/verify/{world['certificate'].number}?lang=en"):
        html = client.get(url).get_data(as_text=True)
        _assert_inert(html, url)
        assert "Zentrum Göttingen &lt;script&gt;" in html, url


def test_csv_export_neutralises_formulas_and_keeps_markup_as_text(app, client, world, make_centre):
    make_centre(name=FORMULA, city="@SUMME(1+1)")
    _login(client, "juergen@zentren-test.de")
    response = client.get("/centres/export.csv")
    assert response.status_code == 200
    text = response.data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    cells = [cell for row in rows[1:] for cell in row]
    assert not [c for c in cells if c[:1] in ("=", "+", "@", "-") and c not in ("-",)], cells
    assert "'" + FORMULA in cells and "'@SUMME(1+1)" in cells
    assert tagged("Zentrum Göttingen") in cells  # markup stays plain text in a CSV


def _pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_certificate_and_report_pdfs_print_the_payload_as_text(app, client, world):
    certificate = world["certificate"]
    data = cert_svc.stored_pdf(certificate)
    text = _pdf_text(data).replace("\n", " ")
    assert '<script>alert("Größe")</script>' in text  # printed, not interpreted
    assert b"/URI" not in data or b"javascript" not in data.lower()
    _login(client, "juergen@zentren-test.de")
    response = client.get(f"/audits/{world['audit'].id}/report.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    report = _pdf_text(response.data).replace("\n", " ")
    for field in ("Kommentar", "Anpassung", "Begründung N/A", "Feststellung", "Beschluss"):
        assert field in report
    assert "<script>alert(" in report
    assert b"javascript" not in response.data.lower()


def test_json_returns_the_exact_string_as_data_never_as_a_page(app, client, world):
    response = client.get(f"/verify/{world['certificate'].number}.json")
    assert response.mimetype == "application/json"
    assert response.headers.get("X-Content-Type-Options") == "nosniff"
    assert response.get_json()["centre"]["name"] == tagged("Zentrum Göttingen")


def test_the_api_returns_the_exact_strings_as_json_data(app, world):
    from audit_app.services import tokens

    _row, token = tokens.create_token(world["lead"], label="Prüfskript")
    db.session.commit()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    audit, centre = world["audit"], world["centre"]
    for url in (f"/api/v1/centres/{centre.id}", f"/api/v1/audits/{audit.id}",
                f"/api/v1/audits/{audit.id}/events"):
        response = client.get(url, headers=headers)
        assert response.status_code == 200, url
        assert response.mimetype == "application/json", url
        assert response.headers.get("X-Content-Type-Options") == "nosniff", url
        assert "<html" not in response.get_data(as_text=True).lower(), url
    body = client.get(f"/api/v1/centres/{centre.id}", headers=headers).get_json()
    assert body["name"] == tagged("Zentrum Göttingen")
    assessments = client.get(f"/api/v1/audits/{audit.id}", headers=headers).get_json()["assessments"]
    by_code = {a["code"]: a for a in assessments}
    assert by_code["A1"]["comment"] == tagged("Kommentar")
    assert by_code["C7"]["reason"] == tagged("Begründung N/A") or \
        by_code["C7"].get("na_reason") == tagged("Begründung N/A")
