"""Issuing certificates: number, validity, the stored PDF/A and its safety against user text."""
from __future__ import annotations

import hashlib
import io
import logging
import re
import socket
import threading
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from audit_app.extensions import db
from audit_app.models import Audit, Certificate, CertificateStatus, Event
from audit_app.services import audits as svc
from audit_app.workflow import Action, AuditKind, AuditStatus, Decision
from tests.conftest import csrf_token, fresh, full_answers


@pytest.fixture
def pdf_renders():
    """Certificates render for real here; the reports every decision also renders are the
    subject of tests/pdf/test_reports.py and are faked in this module."""
    from tests.fake_pdf import CertificatesOnly

    return CertificatesOnly()


@pytest.fixture
def team(make_user):
    return {
        "lead_auditor": make_user("auditor", name="Katrin Weiß", email="katrin@zentren-test.de"),
        "auditor": make_user("auditor", name="Thomas Groß", email="thomas@zentren-test.de"),
        "wg_lead": make_user("lead", name="Jürgen Müller-Strauß", email="juergen@zentren-test.de"),
        "outsider": make_user("auditor", name="Björn Außenseiter", email="bjoern@zentren-test.de"),
    }


def in_review(make_audit, catalog, team, centre=None, *, kind=AuditKind.INITIAL, **overrides):
    """An audit with every answer given, submitted and under review by the working-group lead."""
    audit = make_audit(centre, answers=full_answers(catalog, **overrides),
                       lead=team["lead_auditor"], auditors=[team["auditor"]], kind=kind)
    svc.transition(audit, Action.SUBMIT, team["lead_auditor"])
    svc.transition(audit, Action.BEGIN_REVIEW, team["wg_lead"])
    db.session.commit()
    return audit


def decide(audit, team, *, day: date = date(2026, 11, 26), decision=Decision.AWARD,
           override_reason: str = "") -> Certificate:
    moment = datetime(day.year, day.month, day.day, 9, 30, tzinfo=UTC)
    svc.agree_with_remaining(audit, actor=team["wg_lead"])  # decide needs every row reviewed
    svc.transition(audit, Action.DECIDE, team["wg_lead"], decision=decision,
                   note="Beschluss des Arbeitskreises", override_reason=override_reason, now=moment)
    db.session.commit()
    return db.session.scalar(sa.select(Certificate).where(Certificate.audit_id == audit.id))


def stored_bytes(app, certificate) -> bytes:
    return (Path(app.config["FILES_FOLDER"]) / certificate.pdf_storage_key).read_bytes()


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


# --- issuing -------------------------------------------------------------------------------


def test_award_issues_a_certificate_with_number_validity_and_events(app, make_audit, make_centre,
                                                                     catalog, team):
    centre = make_centre(name="Technologiezentrum Göttingen")
    audit = in_review(make_audit, catalog, team, centre)
    certificate = decide(audit, team, day=date(2026, 11, 26))
    assert certificate.number == "AIZ-2026-0001"
    assert (certificate.valid_from, certificate.valid_until) == (date(2026, 11, 26), date(2031, 11, 26))
    assert certificate.status is CertificateStatus.VALID
    assert certificate.conditions == []
    assert re.fullmatch(r"[0-9a-f]{64}", certificate.pdf_sha256)
    assert certificate.pdf_storage_key == f"certificates/{certificate.pdf_sha256}.pdf"
    actions = set(db.session.scalars(sa.select(Event.action).where(Event.audit_id == audit.id)))
    assert {"certificate_issued", "certificate_pdf_stored"} <= actions

    second = decide(in_review(make_audit, catalog, team), team, day=date(2026, 12, 31))
    third = decide(in_review(make_audit, catalog, team), team, day=date(2027, 1, 2))
    assert (second.number, third.number) == ("AIZ-2026-0002", "AIZ-2027-0001")


def test_decision_day_is_taken_in_berlin_and_29_february_ends_on_28_february(
        app, make_audit, catalog, team):
    audit = in_review(make_audit, catalog, team)
    # 23:30 UTC on 28 February 2028 is already 29 February in Berlin.
    svc.agree_with_remaining(audit, actor=team["wg_lead"])  # decide needs every row reviewed
    svc.transition(audit, Action.DECIDE, team["wg_lead"], decision=Decision.AWARD,
                   now=datetime(2028, 2, 28, 23, 30, tzinfo=UTC))
    db.session.commit()
    certificate = db.session.scalar(sa.select(Certificate).where(Certificate.audit_id == audit.id))
    assert certificate.valid_from == date(2028, 2, 29)
    assert certificate.valid_until == date(2033, 2, 28)


def test_award_with_conditions_carries_the_minor_findings_with_deadlines(
        app, make_audit, catalog, team):
    audit = in_review(make_audit, catalog, team, C4=0)  # weight 1 → minor finding
    certificate = decide(audit, team, day=date(2026, 11, 30),
                         decision=Decision.AWARD_WITH_CONDITIONS)
    assert [c["criterion"] for c in certificate.conditions] == ["C4"]
    assert certificate.conditions[0]["deadline"] == "2027-02-28"  # 3 months, clamped
    assert certificate.conditions[0]["text_de"]


def test_refusal_issues_no_certificate(app, make_audit, catalog, team):
    audit = in_review(make_audit, catalog, team)
    decide(audit, team, decision=Decision.REFUSE, override_reason="Zweifel an der Wirtschaftlichkeit")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Certificate)) == 0


def test_renewal_supersedes_the_previous_valid_certificate(app, make_audit, make_centre, catalog, team):
    centre = make_centre(name="Technologiezentrum Göttingen")
    first = decide(in_review(make_audit, catalog, team, centre), team, day=date(2021, 3, 18))
    renewal = decide(in_review(make_audit, catalog, team, centre, kind=AuditKind.RENEWAL), team,
                     day=date(2026, 3, 4))
    fresh()
    first = db.session.get(Certificate, first.id)
    assert first.status is CertificateStatus.SUPERSEDED
    assert first.superseded_by_id == renewal.id
    assert db.session.scalar(sa.select(Event).where(Event.action == "certificate_superseded"))


# --- the stored PDF ------------------------------------------------------------------------


def test_pdf_is_a4_landscape_pdfa_and_carries_the_certificate(app, make_audit, make_centre,
                                                              catalog, team):
    centre = make_centre(name="Technologiezentrum Göttingen",
                         operating_company="Göttinger Innovations- und Technologiezentrum GmbH",
                         city="Göttingen")
    certificate = decide(in_review(make_audit, catalog, team, centre), team, day=date(2026, 11, 26))
    data = stored_bytes(app, certificate)
    assert hashlib.sha256(data).hexdigest() == certificate.pdf_sha256
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert abs(float(box.width) - 841.89) < 1 and abs(float(box.height) - 595.28) < 1
    text = pdf_text(data)
    for expected in ("Urkunde", "Anerkanntes Innovationszentrum", certificate.number,
                     "Technologiezentrum Göttingen", "Göttinger Innovations- und Technologiezentrum GmbH",
                     "26.11.2026", "26.11.2031", "Version 2026", "Dr. Hannelore Weißgerber",
                     "Jürgen Müller-Strauß", "Berlin, den 26.11.2026",
                     "https://zertifikate.example.org/verify/" + certificate.number,
                     "Bundesverband Deutscher Innovations-, Technologie- und Gründerzentren e.V."):
        assert expected in text.replace("/\n", "/"), expected
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode()
    assert re.search(r"pdfaid:part(>|=\")3", xmp)
    assert re.search(r"pdfaid:conformance(>|=\")B", xmp)
    fonts = {str(f) for page in reader.pages
             for f in (page["/Resources"]["/Font"].values() if "/Font" in page["/Resources"] else [])}
    assert fonts  # text is real text with embedded fonts (not an image)


def test_download_serves_the_stored_bytes_to_those_who_may_see_the_audit(
        app, client, auth, make_audit, make_centre, make_user, catalog, team):
    centre = make_centre(name="Technologiezentrum Göttingen")
    certificate = decide(in_review(make_audit, catalog, team, centre), team)
    url = f"/certificates/{certificate.number}.pdf"
    response = client.get(url)
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]

    make_user("contact", name="Henrike Pöhlmann", email="kontakt@zentren-test.de", centre=centre)
    auth.login("kontakt@zentren-test.de")
    response = client.get(url)
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert certificate.number in response.headers["Content-Disposition"]
    assert hashlib.sha256(response.data).hexdigest() == certificate.pdf_sha256
    assert response.data == stored_bytes(app, certificate)
    auth.logout()

    auth.login("bjoern@zentren-test.de")
    assert client.get(url).status_code == 404


def test_a_withdrawn_certificate_downloads_as_a_marked_copy_and_the_original_stays(
        app, client, auth, make_audit, make_centre, catalog, team):
    from audit_app.services import certificates as service

    centre = make_centre(name="Technologiezentrum Göttingen")
    certificate = decide(in_review(make_audit, catalog, team, centre), team)
    original = stored_bytes(app, certificate)
    service.change_status(certificate, "withdraw", team["wg_lead"], "Zentrum geschlossen – Betreiber insolvent")
    db.session.commit()

    auth.login("katrin@zentren-test.de")
    response = client.get(f"/certificates/{certificate.number}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "WIDERRUFEN" in response.headers["Content-Disposition"]
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    assert "WIDERRUFEN" in text and "nicht mehr gültig" in text and certificate.number in text
    assert response.data != original
    english = client.get(f"/certificates/{certificate.number}.pdf?lang=en")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(english.data)).pages)
    assert "WITHDRAWN" in text
    # The stored original is untouched: verification still matches its hash.
    assert stored_bytes(app, certificate) == original
    assert hashlib.sha256(original).hexdigest() == certificate.pdf_sha256
    page = client.get(f"/verify/{certificate.number}").get_data(as_text=True)
    assert 'data-testid="status-since"' in page and "seit " in page


def test_the_english_certificate_is_rendered_at_issuing_and_served_as_stored(
        app, client, auth, make_audit, make_centre, make_user, catalog, team):
    centre = make_centre(name="Technologiezentrum Göttingen", city="Göttingen")
    certificate = decide(in_review(make_audit, catalog, team, centre), team, day=date(2026, 11, 26))
    assert re.fullmatch(r"[0-9a-f]{64}", certificate.pdf_en_sha256)
    assert certificate.pdf_en_sha256 != certificate.pdf_sha256
    stored = (Path(app.config["FILES_FOLDER"]) / certificate.pdf_en_storage_key).read_bytes()
    assert hashlib.sha256(stored).hexdigest() == certificate.pdf_en_sha256
    reader = PdfReader(io.BytesIO(stored))
    box = reader.pages[0].mediabox
    assert len(reader.pages) == 1 and float(box.width) > float(box.height)  # A4 landscape
    text = pdf_text(stored)
    for expected in ("Certificate", "Anerkanntes Innovationszentrum", certificate.number,
                     "Technologiezentrum Göttingen", "26 November 2026", "26 November 2031",
                     "Jürgen Müller-Strauß", "Working-group lead"):
        assert expected in text, expected
    assert "Urkunde" not in text
    stored_events = db.session.scalars(sa.select(Event).where(
        Event.action == "certificate_pdf_stored", Event.subject_id == certificate.id)).all()
    assert sorted(e.new["lang"] for e in stored_events) == ["de", "en"]

    auth.login("juergen@zentren-test.de")
    response = client.get(f"/certificates/{certificate.number}.pdf?lang=en")
    assert response.status_code == 200 and response.data == stored
    assert f'filename="Certificate-{certificate.number}.pdf"' in response.headers[
        "Content-Disposition"]
    assert client.get(f"/certificates/{certificate.number}.pdf?lang=fr").status_code == 404
    page = client.get(f"/audits/{certificate.audit_id}").get_data(as_text=True)
    assert f"/certificates/{certificate.number}.pdf?lang=en" in page


def test_an_older_certificate_without_english_pdf_gets_it_once_on_first_download(
        app, client, auth, make_audit, catalog, team):
    certificate = decide(in_review(make_audit, catalog, team), team)
    certificate.pdf_en_sha256 = certificate.pdf_en_storage_key = None  # issued before English
    german = certificate.pdf_sha256
    db.session.commit()
    auth.login("juergen@zentren-test.de")
    first = client.get(f"/certificates/{certificate.number}.pdf?lang=en")
    second = client.get(f"/certificates/{certificate.number}.pdf?lang=en")
    assert first.status_code == second.status_code == 200
    assert first.data == second.data and "Certificate" in pdf_text(first.data)
    fresh()
    certificate = db.session.get(Certificate, certificate.id)
    assert certificate.pdf_en_sha256 == hashlib.sha256(first.data).hexdigest()
    assert certificate.pdf_sha256 == german  # the German original is untouched


def test_verification_shows_the_hashes_of_both_languages(app, client, make_audit, catalog, team):
    certificate = decide(in_review(make_audit, catalog, team), team)
    body = client.get(f"/verify/{certificate.number}.json").get_json()
    assert (body["pdf_sha256"], body["pdf_sha256_en"]) == (
        certificate.pdf_sha256, certificate.pdf_en_sha256)
    page = client.get(f"/verify/{certificate.number}").get_data(as_text=True)
    assert certificate.pdf_en_sha256 in page


# --- concurrency ---------------------------------------------------------------------------


def test_two_decisions_at_the_same_moment_get_distinct_numbers(app, make_audit, catalog, team):
    audit_ids = [in_review(make_audit, catalog, team).id for _ in range(2)]
    lead_id = team["wg_lead"].id
    fresh()
    barrier = threading.Barrier(2)
    results: dict[int, str] = {}
    errors: list[BaseException] = []

    def decide_in_thread(audit_id: int) -> None:
        from audit_app.models import User

        try:
            # A POST request context: on SQLite the transaction begins IMMEDIATE as in a view.
            with app.app_context(), app.test_request_context(method="POST"):
                # Both start together; on SQLite the second then waits for the write lock
                # (busy timeout), on PostgreSQL for the sequence row.
                barrier.wait(timeout=10)
                audit = db.session.get(Audit, audit_id)
                lead = db.session.get(User, lead_id)
                svc.agree_with_remaining(audit, actor=lead)  # decide needs every row reviewed
                svc.transition(audit, Action.DECIDE, lead, decision=Decision.AWARD,
                               now=datetime(2026, 11, 26, 10, 0, tzinfo=UTC))
                db.session.commit()
                results[audit_id] = db.session.scalar(
                    sa.select(Certificate.number).where(Certificate.audit_id == audit_id))
                db.session.remove()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=decide_in_thread, args=(i,)) for i in audit_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert sorted(results.values()) == ["AIZ-2026-0001", "AIZ-2026-0002"]
    fresh()
    statuses = db.session.scalars(sa.select(Audit.status).where(Audit.id.in_(audit_ids))).all()
    assert statuses == [AuditStatus.DECIDED, AuditStatus.DECIDED]


# --- forgery through user text -------------------------------------------------------------


class CountingServer:
    """A TCP server on 127.0.0.1 that counts the connections it receives."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(5)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self):
        self._stop.set()
        self.thread.join(timeout=2)
        self.sock.close()


@pytest.fixture
def listening_server():
    server = CountingServer()
    yield server
    server.close()


def _attacks(port: int) -> dict[str, str]:
    return {
        "img": f'<img src="http://127.0.0.1:{port}/x">',
        "css": '<link rel="stylesheet" href="file:///etc/passwd">',
        "attachment": '<a rel="attachment" href="file:///etc/hostname">Anhang</a>',
    }


def _assert_nothing_embedded(data: bytes) -> None:
    assert b"/EmbeddedFile" not in data
    assert not PdfReader(io.BytesIO(data)).attachments
    assert b"root:x:0:0" not in data


def test_user_text_is_escaped_and_fetches_nothing(app, make_audit, make_centre, catalog, team,
                                                 listening_server):
    attacks = _attacks(listening_server.port)
    centre = make_centre(name="Gründerzentrum Süd " + attacks["img"],
                         operating_company="Träger GmbH " + attacks["css"],
                         city=attacks["attachment"][:120])
    certificate = decide(in_review(make_audit, catalog, team, centre), team)
    data = stored_bytes(app, certificate)
    text = pdf_text(data)
    assert listening_server.connections == 0
    _assert_nothing_embedded(data)
    assert "<img" in text and "Gründerzentrum Süd" in text
    assert 'rel="stylesheet"' in text or "rel=\"stylesheet\"" in text.replace("\n", "")


def test_the_renderer_itself_refuses_network_and_foreign_files(app, listening_server):
    from audit_app.pdf.render import url_fetcher
    from audit_app.pdf.render import weasyprint_pdf as render_pdf  # the renderer itself

    attacks = _attacks(listening_server.port)
    html = ("<html><head>" + attacks["css"] + "</head><body><p>Prüfung</p>"
            + attacks["img"] + attacks["attachment"]
            + '<img src="file:///etc/hostname"><img src="https://example.org/logo.png"></body></html>')
    data = render_pdf(html)
    assert listening_server.connections == 0
    _assert_nothing_embedded(data)
    assert "Prüfung" in pdf_text(data)

    fetcher = url_fetcher()
    static = Path(app.static_folder).resolve()
    with pytest.raises(ValueError):
        fetcher.fetch("file:///etc/passwd")
    with pytest.raises(ValueError):
        fetcher.fetch((static / "css").as_uri() + "/../../config.py")
    with pytest.raises(ValueError):
        fetcher.fetch(f"http://127.0.0.1:{listening_server.port}/x")
    response = fetcher.fetch((static / "favicon.svg").as_uri())
    assert response is not None
    assert fetcher.fetch("data:text/plain,ok") is not None


# --- a failing render never undoes the decision (issue 12, item 3) --------------------------


def _broken_render(*args, **kwargs):
    raise RuntimeError("WeasyPrint ist ausgefallen")


def _jobs(audit_id):
    from audit_app.models import DocumentJob

    return {(j.kind.value, j.lang): j for j in db.session.scalars(
        sa.select(DocumentJob).where(DocumentJob.audit_id == audit_id))}


def test_a_failing_render_keeps_the_decision_and_records_the_failure(
        app, make_audit, catalog, team, monkeypatch, caplog):
    import audit_app.pdf.certificate as pdf_certificate
    from audit_app.services import documents

    audit = in_review(make_audit, catalog, team)
    monkeypatch.setattr(pdf_certificate, "render_pdf", _broken_render)
    with caplog.at_level(logging.ERROR):
        svc.agree_with_remaining(audit, actor=team["wg_lead"])  # decide needs every row reviewed
        svc.transition(audit, Action.DECIDE, team["wg_lead"], decision=Decision.AWARD)
        db.session.commit()  # the decision commits; the PDFs are rendered after it
    fresh()
    assert db.session.get(Audit, audit.id).status is AuditStatus.DECIDED
    certificate = db.session.scalar(sa.select(Certificate).where(Certificate.audit_id == audit.id))
    assert certificate.number == "AIZ-2026-0001" and certificate.pdf_sha256 is None
    jobs = _jobs(audit.id)
    assert {k: j.state.value for k, j in jobs.items()} == {
        ("certificate", "de"): "failed", ("certificate", "en"): "failed",
        ("report", "de"): "done", ("report", "en"): "done"}
    assert "WeasyPrint ist ausgefallen" in jobs[("certificate", "de")].last_error
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Event).where(
        Event.action == "document_render_failed", Event.audit_id == audit.id)) == 2
    assert "failed to render" in caplog.text

    monkeypatch.undo()  # the renderer works again: the command renders what is due
    assert documents.render_pending() == documents.RenderSummary(done=2, failed=0)
    fresh()
    certificate = db.session.get(Certificate, certificate.id)
    assert re.fullmatch(r"[0-9a-f]{64}", certificate.pdf_sha256) and certificate.pdf_en_sha256
    assert {j.state.value for j in _jobs(audit.id).values()} == {"done"}
    assert documents.render_pending() == documents.RenderSummary(done=0, failed=0)


def test_a_failing_render_is_shown_on_the_web_and_retried_at_the_download(
        app, client, auth, make_audit, catalog, team, monkeypatch):
    import audit_app.pdf.certificate as pdf_certificate

    audit = in_review(make_audit, catalog, team)
    monkeypatch.setattr(pdf_certificate, "render_pdf", _broken_render)
    auth.login("juergen@zentren-test.de")
    token = csrf_token(client, f"/audits/{audit.id}/review")
    client.post(f"/audits/{audit.id}/review/agree-remaining", data={"csrf_token": token})
    response = client.post(f"/audits/{audit.id}/transition/decide",
                           data={"csrf_token": token, "decision": "award", "note": "Sitzung AK"},
                           follow_redirects=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Die Entscheidung ist gespeichert" in html
    assert "Urkunde (Deutsch): konnte nicht erstellt werden" in html
    assert "Traceback" not in html and "WeasyPrint ist ausgefallen" not in html
    fresh()
    assert db.session.get(Audit, audit.id).status is AuditStatus.DECIDED
    number = db.session.scalar(sa.select(Certificate.number).where(Certificate.audit_id == audit.id))

    failed_again = client.get(f"/certificates/{number}.pdf", follow_redirects=True)
    assert failed_again.mimetype == "text/html"
    assert "Die Urkunden-PDF konnte noch nicht erstellt werden" in failed_again.get_data(as_text=True)

    monkeypatch.undo()
    download = client.get(f"/certificates/{number}.pdf")
    assert download.status_code == 200 and download.mimetype == "application/pdf"
    fresh()
    certificate = db.session.scalar(sa.select(Certificate).where(Certificate.number == number))
    assert hashlib.sha256(download.data).hexdigest() == certificate.pdf_sha256
    assert _jobs(audit.id)[("certificate", "de")].attempts == 3


def test_the_command_renders_what_is_pending(app, runner, make_audit, catalog, team, monkeypatch):
    import audit_app.pdf.certificate as pdf_certificate

    audit = in_review(make_audit, catalog, team)
    monkeypatch.setattr(pdf_certificate, "render_pdf", _broken_render)
    decide(audit, team)
    result = runner.invoke(args=["documents", "render-pending"])
    assert result.exit_code == 1 and "0 document(s) rendered, 2 failed." in result.output
    monkeypatch.undo()
    result = runner.invoke(args=["documents", "render-pending"])
    assert result.exit_code == 0 and "2 document(s) rendered, 0 failed." in result.output
