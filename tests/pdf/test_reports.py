"""The audit report PDF: content, drafts and stored reports, permissions, safety, size."""
from __future__ import annotations

import hashlib
import io
import logging
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from audit_app.extensions import db
from audit_app.models import Assessment, Audit, AuditReport, Certificate
from audit_app.services import audits as svc
from audit_app.services import reports as report_svc
from audit_app.workflow import Action, AuditStatus, Decision
from tests.conftest import count_queries, csrf_token, fresh, full_answers
from tests.pdf.test_certificates import (
    CountingServer,
    _assert_nothing_embedded,
    _attacks,
    _broken_render,
    pdf_text,
)


@pytest.fixture
def listening_server():
    server = CountingServer()
    yield server
    server.close()


@pytest.fixture
def team(make_user):
    return {
        "lead_auditor": make_user("auditor", name="Katrin Weiß", email="katrin@zentren-test.de"),
        "auditor": make_user("auditor", name="Thomas Groß", email="thomas@zentren-test.de"),
        "wg_lead": make_user("lead", name="Jürgen Müller-Strauß", email="juergen@zentren-test.de"),
        "admin": make_user("admin", name="Renate Kühn", email="admin@zentren-test.de"),
        "outsider": make_user("auditor", name="Björn Außenseiter", email="bjoern@zentren-test.de"),
    }


COMMENT = "Gesellschaftsvertrag geprüft: Zweck „Förderung von Gründungen“ ist verankert."
ADJUSTMENT = "Strategie liegt nur als Entwurf vor – Überarbeitung im Beirat steht aus."


def in_review(make_audit, catalog, team, centre=None, *, evidence=False, **overrides):
    """A complete audit with comments, submitted and under review by the working-group lead."""
    from audit_app.services import evidence as evidence_service

    answers = full_answers(catalog, **overrides)
    answers["A1"] = svc.AnswerInput(points=3, comment=COMMENT)
    audit = make_audit(centre, answers=answers, lead=team["lead_auditor"],
                       auditors=[team["auditor"]])
    if evidence:
        evidence_service.add_evidence(
            audit, svc.get_assessment(audit, "A1"), filename="Gesellschaftsvertrag-Änderung.pdf",
            data=b"%PDF-1.4\n%%EOF\n", actor=team["lead_auditor"],
            max_bytes=10_000)
    svc.transition(audit, Action.SUBMIT, team["lead_auditor"])
    svc.transition(audit, Action.BEGIN_REVIEW, team["wg_lead"])
    svc.adjust_assessment(audit, "A2", actor=team["wg_lead"], points=2, reason=ADJUSTMENT)
    db.session.commit()
    return audit


def decide(audit, team, *, decision=Decision.AWARD, override_reason=""):
    svc.agree_with_remaining(audit, actor=team["wg_lead"])  # decide needs every row reviewed
    svc.transition(audit, Action.DECIDE, team["wg_lead"], decision=decision,
                   note="Beschluss des Arbeitskreises vom 26.11.2026",
                   override_reason=override_reason,
                   now=datetime(2026, 11, 26, 9, 30, tzinfo=UTC))
    db.session.commit()


def flat(text: str) -> str:
    """Text with every run of white space as one space (table cells wrap long lines)."""
    return " ".join(text.replace("\u00a0", " ").split())


def reader(data: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(data))


def outline_titles(items) -> list[str]:
    titles = []
    for item in items:
        if isinstance(item, list):
            titles += outline_titles(item)
        else:
            titles.append(item.title)
    return titles


def category_titles(catalog, lang="de") -> list[str]:
    from audit_app.services.catalogs import domain_catalog

    return [f"{c.code} {c.title.get(lang)}" for c in domain_catalog(catalog.id).categories]


def draft_pdf(audit, lang="de") -> bytes:
    return report_svc.report_pdf(db.session.get(Audit, audit.id), lang)


def report_rows(audit_id=None):
    query = sa.select(AuditReport).order_by(AuditReport.id)
    if audit_id is not None:
        query = query.where(AuditReport.audit_id == audit_id)
    return db.session.scalars(query).all()


# --- content -------------------------------------------------------------------------------


def test_draft_report_carries_the_audit_and_is_marked_on_every_page(
        app, make_audit, make_centre, catalog, team):
    centre = make_centre(name="Technologiezentrum Göttingen Süd", city="Göttingen",
                         operating_company="Göttinger Innovations- und Technologiezentrum GmbH",
                         space_m2=8400, tenant_count=74, occupancy_percent=91.5)
    audit = in_review(make_audit, catalog, team, centre, evidence=True, C4=1)
    data = draft_pdf(audit)
    pdf = reader(data)
    pages = len(pdf.pages)
    assert pages >= 4
    for page in pdf.pages:
        box = page.mediabox
        assert abs(float(box.width) - 595.28) < 1 and abs(float(box.height) - 841.89) < 1
        assert "ENTWURF" in page.extract_text()
    text = flat(pdf_text(data))
    for expected in ("Auditbericht", "Anerkanntes Innovationszentrum",
                     "Technologiezentrum Göttingen Süd",
                     "Göttinger Innovations- und Technologiezentrum GmbH", audit.number,
                     "Katrin Weiß", "Thomas Groß", "Version 2026",
                     "Bundesverband Deutscher Innovations-, Technologie- und Gründerzentren e.V.",
                     "Zusammenfassung", "8.400 m²", "91,5 %", "Erstaudit",
                     *category_titles(catalog),
                     "Zentrumsziele im Gesellschaftsvertrag verankert",
                     COMMENT, "Gesellschaftsvertrag-Änderung.pdf", ADJUSTMENT,
                     "angepasst: 2 von 3 (umgesetzt)", "3 von 3 (vorbildlich)",
                     "1 von 3 (ansatzweise)", "Hinweise (1)",
                     'Kriterium C4 „Qualifizierungsangebote“ wurde nur mit 1 Punkt bewertet.',
                     "K.o.", "Wesentliche Abweichungen (0)",
                     "Stichproben", "Über das Audit ist noch nicht entschieden",
                     f"Seite 1 von {pages}", f"Seite {pages} von {pages}"):
        assert expected in text, expected
    assert "Entscheidungsprotokoll" in text
    titles = outline_titles(pdf.outline)
    for title in category_titles(catalog):
        assert title in titles, title


def test_decided_report_is_stored_once_without_draft_mark_and_with_the_decision(
        app, client, auth, make_audit, make_centre, catalog, team):
    centre = make_centre(name="Gründerzentrum Würzburg")
    audit = in_review(make_audit, catalog, team, centre, C4=0)  # weight 1, 0 points: a condition
    decide(audit, team, decision=Decision.AWARD_WITH_CONDITIONS)
    rows = report_rows(audit.id)
    assert sorted(r.lang for r in rows) == ["de", "en"] and all(r.current for r in rows)

    auth.login("juergen@zentren-test.de")
    url = f"/audits/{audit.id}/report.pdf"
    first = client.get(url)
    assert first.status_code == 200
    assert first.mimetype == "application/pdf"
    assert first.headers["Cache-Control"].startswith("private")
    disposition = first.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and f"Auditbericht-{audit.number}.pdf" in disposition
    second = client.get(url + "?lang=de")
    assert second.data == first.data
    fresh()
    de_row = next(r for r in report_rows(audit.id) if r.lang == "de")
    assert hashlib.sha256(first.data).hexdigest() == de_row.sha256
    assert (Path(app.config["FILES_FOLDER"]) / de_row.storage_key).read_bytes() == first.data
    assert len(report_rows(audit.id)) == 2  # nothing rendered again

    pdf = reader(first.data)
    assert not any("ENTWURF" in page.extract_text() for page in pdf.pages)
    text = flat(pdf_text(first.data))
    for expected in ("Entscheidungsprotokoll", "Jürgen Müller-Strauß", "26.11.2026",
                     "Beschluss des Arbeitskreises vom 26.11.2026", "C4", "26.02.2027",
                     ADJUSTMENT):
        assert expected in text, expected
    from audit_app.models import Certificate

    number = db.session.scalar(sa.select(Certificate.number).where(Certificate.audit_id == audit.id))
    assert f"Urkunde {number}" in text  # the report names the certificate it led to


def test_english_report(app, client, auth, make_audit, make_centre, catalog, team):
    centre = make_centre(name="Technologiezentrum Göttingen")
    audit = in_review(make_audit, catalog, team, centre)
    decide(audit, team)
    auth.login("juergen@zentren-test.de")
    response = client.get(f"/audits/{audit.id}/report.pdf?lang=en")
    assert response.status_code == 200
    assert f"Audit-report-{audit.number}.pdf" in response.headers["Content-Disposition"]
    text = flat(pdf_text(response.data))
    for expected in ("Audit report", "Summary", "Decision record", "Page 1 of",
                     "Technologiezentrum Göttingen", "Objectives anchored in statutes",
                     *category_titles(catalog, "en"), "sampling", ADJUSTMENT):
        assert expected in text, expected
    assert "Auditbericht" not in text
    fresh()
    en_row = next(r for r in report_rows(audit.id) if r.lang == "en")
    assert hashlib.sha256(response.data).hexdigest() == en_row.sha256


def test_reopening_marks_the_stored_reports_not_current(app, make_audit, catalog, team):
    audit = in_review(make_audit, catalog, team)
    decide(audit, team)
    svc.transition(audit, Action.REOPEN, team["admin"], note="Neue Unterlagen eingegangen")
    db.session.commit()
    fresh()
    rows = report_rows(audit.id)
    assert len(rows) == 2 and not any(r.current for r in rows)
    # Back in review: the report is a draft again, nothing new is stored.
    data = draft_pdf(audit)
    assert "ENTWURF" in reader(data).pages[0].extract_text()
    assert len(report_rows(audit.id)) == 2


# --- a failing render ------------------------------------------------------------------------


def test_a_failing_report_render_keeps_the_decision_and_is_retried(app, make_audit, catalog, team,
                                                                  monkeypatch, caplog):
    import audit_app.pdf.report as pdf_report

    audit = in_review(make_audit, catalog, team)
    monkeypatch.setattr(pdf_report, "render_pdf", _broken_render)
    with caplog.at_level(logging.ERROR):
        svc.agree_with_remaining(audit, actor=team["wg_lead"])  # decide needs every row reviewed
        svc.transition(audit, Action.DECIDE, team["wg_lead"], decision=Decision.AWARD)
        db.session.commit()
    fresh()
    assert db.session.get(Audit, audit.id).status is AuditStatus.DECIDED
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Certificate)) == 1
    assert report_rows() == []
    assert f"audit {audit.id}" in caplog.text
    with pytest.raises(report_svc.ReportRenderFailed):
        draft_pdf(audit)
    db.session.rollback()

    monkeypatch.undo()
    data = draft_pdf(audit)  # the next request renders and stores it
    db.session.commit()
    assert [r.lang for r in report_rows(audit.id)] == ["de"] and data.startswith(b"%PDF")


def test_failing_report_render_shows_an_error_not_a_trace(app, client, auth, make_audit, catalog,
                                                          team, monkeypatch, caplog):
    import audit_app.pdf.report as pdf_report

    audit = in_review(make_audit, catalog, team)
    monkeypatch.setattr(pdf_report, "render_pdf", _broken_render)
    auth.login("juergen@zentren-test.de")
    token = csrf_token(client, f"/audits/{audit.id}/review")
    client.post(f"/audits/{audit.id}/review/agree-remaining", data={"csrf_token": token})
    response = client.post(f"/audits/{audit.id}/transition/decide",
                           data={"csrf_token": token, "decision": "award", "note": "Sitzung AK"},
                           follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "Die Entscheidung ist gespeichert" in html
    assert "Auditbericht (Deutsch): konnte nicht erstellt werden" in html
    fresh()
    assert db.session.get(Audit, audit.id).status is AuditStatus.DECIDED
    assert report_rows() == []

    with caplog.at_level(logging.ERROR):
        response = client.get(f"/audits/{audit.id}/report.pdf", follow_redirects=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert "Der Auditbericht konnte nicht erstellt werden" in html
    assert "Traceback" not in html and "WeasyPrint ist ausgefallen" not in html
    assert f"audit {audit.id}" in caplog.text


# --- permissions -----------------------------------------------------------------------------


def test_report_is_served_to_those_who_may_view_the_audit(app, client, auth, make_audit,
                                                           make_centre, make_user, catalog, team):
    centre = make_centre(name="Technologiezentrum Göttingen")
    other = make_centre(name="Gründerzentrum Jena", city="Jena", federal_state="TH")
    make_user("contact", name="Henrike Pöhlmann", email="kontakt@zentren-test.de", centre=centre)
    make_user("contact", name="Uwe Fröhlich", email="fremd@zentren-test.de", centre=other)
    audit = in_review(make_audit, catalog, team, centre)
    decide(audit, team)
    url = f"/audits/{audit.id}/report.pdf"

    response = client.get(url)
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    for email, status in (("kontakt@zentren-test.de", 200), ("fremd@zentren-test.de", 404),
                          ("bjoern@zentren-test.de", 404), ("katrin@zentren-test.de", 200)):
        auth.login(email)
        assert client.get(url).status_code == status, email
        auth.logout()
    assert client.get("/audits/999999/report.pdf").status_code == 302


# --- forgery through user text ---------------------------------------------------------------


def test_user_text_in_the_report_is_escaped_and_fetches_nothing(
        app, make_audit, make_centre, catalog, team, listening_server):
    attacks = _attacks(listening_server.port)
    centre = make_centre(name="Gründerzentrum Süd " + attacks["img"],
                         operating_company="Träger GmbH " + attacks["css"])
    payload = " ".join(attacks.values())
    audit = in_review(make_audit, catalog, team, centre,
                      A2=svc.AnswerInput(points=2, comment="Prüfung " + payload))
    assessment = svc.get_assessment(audit, "B2")
    audit_id = audit.id
    db.session.execute(sa.update(Assessment).where(Assessment.id == assessment.id)
                       .values(comment=attacks["attachment"]))
    db.session.commit()
    data = draft_pdf(db.session.get(Audit, audit_id))
    assert listening_server.connections == 0
    _assert_nothing_embedded(data)
    text = pdf_text(data).replace("\n", " ")
    assert "Gründerzentrum Süd" in text and "<img" in text
    assert 'rel="stylesheet"' in text and 'rel="attachment"' in text


# --- size ------------------------------------------------------------------------------------


def _sized_audit(team, per_category: int):
    """An audit on a generated catalogue of 7 × ``per_category`` criteria, all answered."""
    from benchmarks.data import sized_catalog

    catalog = sized_catalog(per_category)
    audit = svc.plan_audit(
        centre=_centre(), catalog=catalog, kind=svc.AuditKind.INITIAL,
        planned_on=date(2026, 11, 2), lead_auditor=team["lead_auditor"],
        auditors=[team["auditor"]])
    db.session.flush()
    # Straight to the table: 400 saves through the service would only slow the test down.
    db.session.execute(sa.update(Assessment).where(Assessment.audit_id == audit.id)
                       .values(points=2, comment="Stichprobe geprüft – Unterlagen vollständig."))
    db.session.commit()
    return audit


def _centre():
    from audit_app.models import Centre

    centre = Centre(name="Großes Zentrum Lübeck", city="Lübeck", federal_state="SH")
    db.session.add(centre)
    return centre


def test_context_queries_do_not_grow_with_the_criteria(app, team):
    from audit_app.services.reports import report_context

    counts = {}
    for per_category in (6, 57):  # 42 and 399 criteria
        audit_id = _sized_audit(team, per_category).id
        fresh()
        report_context(db.session.get(Audit, audit_id), "de")  # warm the catalogue cache
        fresh()
        audit = db.session.get(Audit, audit_id)
        with count_queries(db.engine) as statements:
            context = report_context(audit, "de")
        counts[per_category] = len(statements)
        assert sum(len(c["rows"]) for c in context["categories"]) == 7 * per_category
    assert counts[6] == counts[57], counts
    assert counts[6] <= 12, counts


def test_a_report_with_400_criteria_renders(app, team):
    audit = _sized_audit(team, 57)
    data = draft_pdf(audit)
    pdf = reader(data)
    assert len(pdf.pages) > 10
    text = pdf_text(data)
    assert "Kriterium G57 Ö" in text and "Kategorie G Ä" in text
    assert f"Seite {len(pdf.pages)} von {len(pdf.pages)}" in text


# --- the audit page ----------------------------------------------------------------------------


def test_audit_page_shows_the_category_chart_and_the_report_links(app, client, auth, make_audit,
                                                                  catalog, team):
    audit = in_review(make_audit, catalog, team)
    auth.login("juergen@zentren-test.de")
    html = client.get(f"/audits/{audit.id}").get_data(as_text=True)
    assert '<svg class="category-chart"' in html
    assert "<script" not in html.split('<svg class="category-chart"')[1].split("</svg>")[0]
    assert "Bestehensgrenze 65" in html
    assert "A Auftrag &amp; Governance" in html
    assert f'href="/audits/{audit.id}/report.pdf?lang=de"' in html
    assert "Auditbericht (PDF, deutsch)" in html
    assert f'href="/audits/{audit.id}/report.pdf?lang=en"' in html
