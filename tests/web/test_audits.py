"""The audit journey through the web pages: plan, fill, submit, review, decide, reopen."""
from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from audit_app.extensions import db
from audit_app.models import Audit, Event, Evidence
from audit_app.services import audits as svc
from audit_app.services.catalogs import domain_catalog
from audit_app.workflow import Action, AuditStatus, Decision
from benchmarks.data import big_catalog_yaml
from tests import bombs
from tests.conftest import count_queries, csrf_token, fresh, full_answers

HX = {"HX-Request": "true"}


def version_of(audit, code) -> int:
    fresh()
    return svc.get_assessment(db.session.get(Audit, audit.id), code).version


@pytest.fixture
def team(make_user):
    """A lead auditor, an auditor, a working-group lead and an admin, all with umlauts."""
    return {
        "lead_auditor": make_user("auditor", name="Katrin Weiß", email="katrin@zentren-test.de"),
        "auditor": make_user("auditor", name="Thomas Groß", email="thomas@zentren-test.de"),
        "wg_lead": make_user("lead", name="Jürgen Müller-Strauß", email="juergen@zentren-test.de"),
        "admin": make_user("admin", name="Birgit Schäfer", email="birgit@zentren-test.de"),
    }


@pytest.fixture
def audit(make_audit, team):
    return make_audit(lead=team["lead_auditor"], auditors=[team["auditor"]])


def save(client, audit, code, *, htmx=True, **data):
    data.setdefault("version", version_of(audit, code))
    data["csrf_token"] = csrf_token(client, f"/audits/{audit.id}/checklist")
    return client.post(f"/audits/{audit.id}/checklist/{code}", data=data,
                       headers=HX if htmx else {})


class TestPlanning:
    def test_lead_plans_an_audit_through_the_form(self, client, auth, team, make_centre, catalog):
        centre = make_centre(name="Gründerzentrum Lüneburg")
        auth.login("juergen@zentren-test.de")
        token = csrf_token(client, "/audits/new")
        response = client.post("/audits/new", data={
            "csrf_token": token, "centre_id": centre.id, "catalog_id": catalog.id,
            "kind": "initial", "planned_on": "2026-12-01", "due_on": "2026-12-20",
            "lead_auditor_id": team["lead_auditor"].id, "auditor_ids": [team["auditor"].id],
            "guest_id": 0,
        })
        assert response.status_code == 302
        fresh()
        audit = db.session.scalar(sa.select(Audit).where(Audit.centre_id == centre.id))
        assert audit.status is AuditStatus.PLANNED
        assert len(audit.assessments) == 40
        assert audit.lead_auditor.id == team["lead_auditor"].id

    def test_team_needs_an_auditor_besides_the_lead(self, client, auth, team, make_centre, catalog):
        centre = make_centre(name="Gründerzentrum Lüneburg")
        auth.login("juergen@zentren-test.de")
        token = csrf_token(client, "/audits/new")
        base = {"csrf_token": token, "centre_id": centre.id, "catalog_id": catalog.id,
                "kind": "initial", "planned_on": "2026-12-01",
                "lead_auditor_id": team["lead_auditor"].id, "guest_id": 0}
        response = client.post("/audits/new", data=base)
        assert response.status_code == 200
        assert "Wählen Sie mindestens eine/n Auditor/in" in response.get_data(as_text=True)
        fresh()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Audit)) == 0

    def test_centre_contact_cannot_be_on_the_team(self, make_centre, make_user, team, catalog):
        centre = make_centre(name="Technologiezentrum Fürth")
        insider = make_user("auditor", email="insider@zentren-test.de")
        insider.centre_id = centre.id
        db.session.commit()
        from audit_app.services.errors import ValidationFailed

        with pytest.raises(ValidationFailed) as exc:
            svc.plan_audit(centre=centre, catalog=catalog, kind=svc.AuditKind.INITIAL,
                           planned_on=date(2026, 12, 1), lead_auditor=team["lead_auditor"],
                           auditors=[insider])
        assert "team" in exc.value.fields

    def test_auditors_cannot_plan(self, client, auth, team):
        auth.login("katrin@zentren-test.de")
        assert client.get("/audits/new").status_code == 404


class TestChecklist:
    def test_page_shows_cards_with_scale_labels_bands_and_na(self, client, auth, audit):
        auth.login("katrin@zentren-test.de")
        html = client.get(f"/audits/{audit.id}/checklist").get_data(as_text=True)
        assert html.count('class="card ') == 40
        assert "2 – umgesetzt" in html and "3 – vorbildlich" in html
        assert "ab 1.000 m²: 2 Punkte" in html  # B1's bands
        assert html.count('name="not_applicable"') == 4  # C7, E2, F3, G6

    def test_save_in_place_returns_card_and_summary(self, client, auth, audit):
        auth.login("katrin@zentren-test.de")
        response = save(client, audit, "A2", points="2", comment="Strategie 2030 – „überzeugend“")
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert html.lstrip().startswith('<article class="card card-answered card-saved" id="crit-A2"')
        assert 'id="summary" class="summary" aria-live="polite" hx-swap-oob="true"' in html
        assert "gespeichert" in html
        # Category A: 2·2 of 2·3 → 66,6 %; the summary shows it provisionally.
        assert "66,6\u00a0%" in html
        fresh()
        stored = svc.get_assessment(db.session.get(Audit, audit.id), "A2")
        assert (stored.points, stored.comment, stored.version) == (2, "Strategie 2030 – „überzeugend“", 2)
        assert db.session.get(Audit, audit.id).status is AuditStatus.IN_PROGRESS

    def test_save_without_javascript_redirects_back_to_the_card(self, client, auth, audit):
        auth.login("katrin@zentren-test.de")
        response = save(client, audit, "A3", htmx=False, points="1")
        assert response.status_code == 302
        assert response.headers["Location"].endswith(f"/audits/{audit.id}/checklist#crit-A3")

    def test_invalid_input_keeps_what_was_typed_and_stores_nothing(self, client, auth, audit):
        auth.login("katrin@zentren-test.de")
        response = save(client, audit, "C7", not_applicable="1", na_reason="",
                        comment="Umfrage 2025 noch nicht ausgewertet – Müller")
        assert response.status_code == 422
        html = response.get_data(as_text=True)
        assert "braucht eine schriftliche Begründung" in html
        assert "Umfrage 2025 noch nicht ausgewertet – Müller" in html
        fresh()
        stored = svc.get_assessment(db.session.get(Audit, audit.id), "C7")
        assert (stored.not_applicable, stored.comment, stored.version) == (False, "", 1)

    @pytest.mark.parametrize("code, data, message", [
        ("A1", {"not_applicable": "1", "na_reason": "Satzung fehlt"}, "K.-o.-Kriterium kann nicht"),
        ("A2", {"points": "4"}, "muss einer der Werte 0, 1, 2, 3 sein"),
        ("A4", {"points": "2"}, "muss einer der Werte 0, 3 sein"),
        ("B1", {"value": "-10"}, "außerhalb des zulässigen Bereichs"),
        ("B7", {"value": "viele"}, "muss eine Zahl sein"),
    ])
    def test_rules_are_enforced(self, client, auth, audit, code, data, message):
        auth.login("katrin@zentren-test.de")
        response = save(client, audit, code, **data)
        assert response.status_code == 422
        assert message in response.get_data(as_text=True)

    def test_numbers_accept_a_german_decimal_comma(self, client, auth, audit):
        auth.login("katrin@zentren-test.de")
        assert save(client, audit, "B7", value="87,5").status_code == 200
        fresh()
        assert svc.get_assessment(db.session.get(Audit, audit.id), "B7").value == Decimal("87.5")

    def test_conflict_shows_both_values_and_overwrites_nothing(self, client, auth, audit, team):
        auth.login("katrin@zentren-test.de")
        # Thomas saved A2 meanwhile (version 1 → 2).
        svc.save_assessment(db.session.get(Audit, audit.id), "A2", svc.AnswerInput(points=3, comment="von Thomas"),
                            expected_version=1, actor=team["auditor"])
        db.session.commit()
        response = save(client, audit, "A2", points="1", comment="von Katrin", version=1)
        assert response.status_code == 409
        html = response.get_data(as_text=True)
        theirs = re.search(r'data-testid="conflict-theirs">(.*?)</dd>', html, re.DOTALL).group(1)
        mine = re.search(r'data-testid="conflict-mine">(.*?)</dd>', html, re.DOTALL).group(1)
        assert "3 – vorbildlich" in theirs and "von Thomas" in theirs
        assert "1 – ansatzweise" in mine and "von Katrin" in mine
        assert re.search(r'name="version" value="(\d+)"', html).group(1) == "2"  # saving again overwrites knowingly
        fresh()
        stored = svc.get_assessment(db.session.get(Audit, audit.id), "A2")
        assert (stored.points, stored.comment) == (3, "von Thomas")

    def test_outsiders_cannot_see_or_save(self, client, auth, audit, make_user):
        make_user("auditor", email="fremd@zentren-test.de")
        auth.login("fremd@zentren-test.de")
        assert client.get(f"/audits/{audit.id}/checklist").status_code == 404
        token = csrf_token(client, "/")
        response = client.post(f"/audits/{audit.id}/checklist/A2",
                               data={"points": "3", "version": "1", "csrf_token": token})
        assert response.status_code == 404

    def test_post_without_csrf_token_is_refused(self, client, auth, audit):
        auth.login("katrin@zentren-test.de")
        response = client.post(f"/audits/{audit.id}/checklist/A2", data={"points": "3", "version": "1"})
        assert response.status_code == 400
        fresh()
        assert svc.get_assessment(db.session.get(Audit, audit.id), "A2").points is None


class TestSubmitReviewDecide:
    def test_submit_lists_missing_criteria(self, client, auth, make_audit, team, catalog):
        answers = full_answers(catalog)
        del answers["G5"], answers["B3"]
        audit = make_audit(answers=answers, lead=team["lead_auditor"], auditors=[team["auditor"]])
        auth.login("katrin@zentren-test.de")
        token = csrf_token(client, f"/audits/{audit.id}")
        response = client.post(f"/audits/{audit.id}/transition/submit",
                               data={"csrf_token": token}, follow_redirects=True)
        assert "Es fehlen: B3, G5." in response.get_data(as_text=True)
        fresh()
        assert db.session.get(Audit, audit.id).status is AuditStatus.IN_PROGRESS

    def test_only_the_lead_auditor_submits(self, client, auth, make_audit, team, catalog):
        audit = make_audit(answers=full_answers(catalog), lead=team["lead_auditor"],
                           auditors=[team["auditor"]])
        auth.login("thomas@zentren-test.de")
        token = csrf_token(client, f"/audits/{audit.id}")
        client.post(f"/audits/{audit.id}/transition/submit", data={"csrf_token": token})
        fresh()
        assert db.session.get(Audit, audit.id).status is AuditStatus.IN_PROGRESS

    @pytest.mark.real_pdf  # the one web decision that renders with the real WeasyPrint
    def test_the_whole_journey_with_adjustment_and_decision(self, client, auth, make_audit, team, catalog):
        audit = make_audit(answers=full_answers(catalog, C4=0), lead=team["lead_auditor"],
                           auditors=[team["auditor"]])
        auth.login("katrin@zentren-test.de")
        token = csrf_token(client, f"/audits/{audit.id}")
        assert client.post(f"/audits/{audit.id}/transition/submit", data={"csrf_token": token}).status_code == 302
        # After submitting, the checklist is read-only for the team.
        assert save(client, audit, "A2", points="1").status_code == 403
        auth.logout()

        auth.login("juergen@zentren-test.de")
        token = csrf_token(client, f"/audits/{audit.id}/review")
        client.post(f"/audits/{audit.id}/transition/begin_review", data={"csrf_token": token})
        # An adjustment needs a reason.
        response = client.post(f"/audits/{audit.id}/review/C4", data={"csrf_token": token, "points": "2"},
                               headers=HX)
        assert response.status_code == 422
        assert "braucht eine schriftliche Begründung" in response.get_data(as_text=True)
        response = client.post(f"/audits/{audit.id}/review/C4",
                               data={"csrf_token": token, "points": "2",
                                     "reason": "Veranstaltungskalender 2026 nachgereicht – überzeugend"},
                               headers=HX)
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert "0 – nicht vorhanden" in html  # the auditors' value stays visible
        assert "2 – umgesetzt" in html and "Veranstaltungskalender 2026" in html
        # With C4 adjusted to 2 there is no finding left: the computed outcome is "award".
        page = client.get(f"/audits/{audit.id}/review").get_data(as_text=True)
        assert 'outcome outcome-award">Anerkennung' in page
        # Deciding needs every row reviewed: 39 are still open.
        assert 'data-testid="decide-blocked"' in page and "39 Kriterien sind noch nicht" in page
        response = client.post(f"/audits/{audit.id}/transition/decide", data={
            "csrf_token": token, "decision": "award", "note": "Sitzung AK"}, follow_redirects=True)
        assert "Noch nicht alle Kriterien geprüft" in response.get_data(as_text=True)
        fresh()
        assert db.session.get(Audit, audit.id).decision is None
        response = client.post(f"/audits/{audit.id}/review/agree-remaining",
                               data={"csrf_token": token}, follow_redirects=True)
        html = response.get_data(as_text=True)
        assert "39 übrigen Kriterien zugestimmt" in html
        assert 'data-testid="decide-blocked"' not in html
        # Deciding otherwise needs a justification.
        response = client.post(f"/audits/{audit.id}/transition/decide", data={
            "csrf_token": token, "decision": "award_with_conditions", "note": "Sitzung AK"},
            follow_redirects=True)
        assert "eine schriftliche Rechtfertigung ist erforderlich" in response.get_data(as_text=True)
        response = client.post(f"/audits/{audit.id}/transition/decide", data={
            "csrf_token": token, "decision": "award_with_conditions", "note": "Sitzung AK 26.11.2026",
            "override_reason": "Qualifizierungsangebot erst seit einem Monat – Auflage zur Absicherung"})
        assert response.status_code == 302
        fresh()
        decided = db.session.get(Audit, audit.id)
        assert decided.status is AuditStatus.DECIDED
        assert decided.decision is Decision.AWARD_WITH_CONDITIONS
        assert decided.decided_by_id == team["wg_lead"].id
        assert decided.override_reason.startswith("Qualifizierungsangebot")
        detail = client.get(f"/audits/{audit.id}").get_data(as_text=True)
        assert "weicht vom berechneten Ergebnis ab" in detail
        actions = [e.action for e in db.session.scalars(
            sa.select(Event).where(Event.audit_id == audit.id).order_by(Event.id))
            if not e.action.startswith(("certificate_", "report_", "document_"))]
        assert actions[-44:] == ["audit_submit", "audit_begin_review", "assessment_adjusted",
                                 *["assessment_agreed"] * 39, "audit_decide", "audit_decision"]
        assert {"audit_planned", "assessment_saved", "audit_submit", "audit_begin_review",
                "assessment_adjusted", "audit_decide", "audit_decision"} <= set(actions)
        # The certificate and the report were rendered for real: read them back.
        import io

        from pypdf import PdfReader

        from audit_app.models import Certificate

        number = db.session.scalar(sa.select(Certificate.number)
                                   .where(Certificate.audit_id == audit.id))
        certificate = client.get(f"/certificates/{number}.pdf")
        assert certificate.status_code == 200 and certificate.mimetype == "application/pdf"
        text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(certificate.data)).pages)
        assert number in text and audit.centre.name in text
        report = client.get(f"/audits/{audit.id}/report.pdf")
        text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(report.data)).pages)
        assert audit.centre.name in text and "ENTWURF" not in text

    def test_four_eyes_a_lead_on_the_team_cannot_review(self, client, auth, make_audit, make_user, catalog):
        lead_auditor = make_user(roles=["lead", "auditor"], email="doppelrolle@zentren-test.de")
        audit = make_audit(answers=full_answers(catalog), lead=lead_auditor)
        svc.transition(db.session.get(Audit, audit.id), Action.SUBMIT, lead_auditor)
        db.session.commit()
        auth.login("doppelrolle@zentren-test.de")
        page = client.get(f"/audits/{audit.id}/review").get_data(as_text=True)
        assert "Vier-Augen-Prinzip" in page
        token = csrf_token(client, f"/audits/{audit.id}")
        assert client.post(f"/audits/{audit.id}/review/A2", data={"csrf_token": token, "agree": "1"}).status_code == 403
        client.post(f"/audits/{audit.id}/transition/begin_review", data={"csrf_token": token})
        fresh()
        assert db.session.get(Audit, audit.id).status is AuditStatus.SUBMITTED

    def test_request_changes_and_resume(self, client, auth, make_audit, team, catalog):
        audit = make_audit(answers=full_answers(catalog), lead=team["lead_auditor"], auditors=[team["auditor"]])
        svc.transition(db.session.get(Audit, audit.id), Action.SUBMIT, team["lead_auditor"])
        db.session.commit()
        auth.login("juergen@zentren-test.de")
        token = csrf_token(client, f"/audits/{audit.id}")
        client.post(f"/audits/{audit.id}/transition/request_changes",
                    data={"csrf_token": token, "note": "Bitte Nachweise zu B3 ergänzen."})
        fresh()
        assert db.session.get(Audit, audit.id).status is AuditStatus.CHANGES_REQUESTED
        auth.logout()
        auth.login("katrin@zentren-test.de")
        token = csrf_token(client, f"/audits/{audit.id}")
        detail = client.get(f"/audits/{audit.id}").get_data(as_text=True)
        assert "Bitte Nachweise zu B3 ergänzen." in detail
        client.post(f"/audits/{audit.id}/transition/resume", data={"csrf_token": token})
        fresh()
        assert db.session.get(Audit, audit.id).status is AuditStatus.IN_PROGRESS

    def test_decided_audit_is_read_only_and_only_an_admin_reopens_with_reason(
        self, client, auth, make_audit, team, catalog
    ):
        audit = make_audit(answers=full_answers(catalog), lead=team["lead_auditor"], auditors=[team["auditor"]])
        a = db.session.get(Audit, audit.id)
        svc.transition(a, Action.SUBMIT, team["lead_auditor"])
        svc.transition(a, Action.BEGIN_REVIEW, team["wg_lead"])
        svc.agree_with_remaining(a, actor=team["wg_lead"])  # decide needs every row reviewed
        svc.transition(a, Action.DECIDE, team["wg_lead"], decision=Decision.AWARD)
        db.session.commit()
        auth.login("katrin@zentren-test.de")
        assert save(client, audit, "A2", points="1").status_code == 403
        auth.logout()
        auth.login("juergen@zentren-test.de")
        token = csrf_token(client, f"/audits/{audit.id}")
        client.post(f"/audits/{audit.id}/transition/reopen", data={"csrf_token": token, "note": "Versehen"})
        fresh()
        assert db.session.get(Audit, audit.id).status is AuditStatus.DECIDED
        auth.logout()
        auth.login("birgit@zentren-test.de")
        token = csrf_token(client, f"/audits/{audit.id}")
        client.post(f"/audits/{audit.id}/transition/reopen", data={"csrf_token": token, "note": " "})
        fresh()
        assert db.session.get(Audit, audit.id).status is AuditStatus.DECIDED
        client.post(f"/audits/{audit.id}/transition/reopen",
                    data={"csrf_token": token, "note": "Neue Tatsachen zur Satzung (Schreiben vom 20.11.)"})
        fresh()
        reopened = db.session.get(Audit, audit.id)
        assert reopened.status is AuditStatus.IN_REVIEW and reopened.decision is None
        event = db.session.scalars(sa.select(Event).where(Event.action == "audit_reopen")).one()
        assert event.note.startswith("Neue Tatsachen") and event.actor_id == team["admin"].id


class TestEvidence:
    PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

    def upload(self, client, audit, name, data, code="A1"):
        import io

        token = csrf_token(client, f"/audits/{audit.id}/checklist")
        return client.post(f"/audits/{audit.id}/checklist/{code}/evidence",
                           data={"csrf_token": token, "file": (io.BytesIO(data), name)},
                           content_type="multipart/form-data", headers=HX)

    def test_upload_list_download_remove(self, app, client, auth, audit):
        auth.login("katrin@zentren-test.de")
        response = self.upload(client, audit, "Gesellschaftsvertrag_Göttingen.pdf", self.PDF)
        assert response.status_code == 200
        assert "Gesellschaftsvertrag_Göttingen.pdf" in response.get_data(as_text=True)
        fresh()
        evidence = db.session.scalars(sa.select(Evidence)).one()
        import hashlib
        from pathlib import Path

        assert evidence.sha256 == hashlib.sha256(self.PDF).hexdigest()
        stored = Path(app.config["FILES_FOLDER"]) / evidence.storage_key
        assert stored.read_bytes() == self.PDF
        assert str(stored).startswith(app.instance_path) and "static" not in str(stored)
        download = client.get(f"/audits/{audit.id}/evidence/{evidence.id}")
        assert download.status_code == 200 and download.data == self.PDF
        assert download.headers["Content-Disposition"].startswith("attachment;")
        download.close()
        token = csrf_token(client, f"/audits/{audit.id}/checklist")
        client.post(f"/audits/{audit.id}/evidence/{evidence.id}/remove", data={"csrf_token": token}, headers=HX)
        fresh()
        assert db.session.get(Evidence, evidence.id).removed_at is not None
        actions = set(db.session.scalars(sa.select(Event.action)))
        assert {"evidence_added", "evidence_removed"} <= actions

    @pytest.mark.parametrize("name, data, message", [
        ("programm.pdf", b"MZ\x90\x00\x03 this is an exe", "der Inhalt passt nicht zum Dateityp"),
        ("skript.sh", b"#!/bin/sh\necho hallo", "dieser Dateityp wird nicht angenommen"),
        ("leer.pdf", b"", "die Datei ist leer"),
        ("foto.png", b"%PDF-1.4 disguised", "der Inhalt passt nicht zum Dateityp"),
    ])
    def test_wrong_or_disguised_types_are_refused(self, client, auth, audit, name, data, message):
        auth.login("katrin@zentren-test.de")
        response = self.upload(client, audit, name, data)
        assert response.status_code == 422
        # The message names the file and starts with a capital letter.
        html = response.get_data(as_text=True)
        assert f"„{name}“ wurde nicht gespeichert: {message[0].upper()}{message[1:]}" in html
        fresh()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Evidence)) == 0

    def test_path_traversal_names_are_reduced_to_the_base_name(self, app, client, auth, audit):
        auth.login("katrin@zentren-test.de")
        assert self.upload(client, audit, "../../etc/Prüfbericht.pdf", self.PDF).status_code == 200
        fresh()
        evidence = db.session.scalars(sa.select(Evidence)).one()
        assert evidence.original_name == "Prüfbericht.pdf"

    @pytest.mark.parametrize("ext", [".pdf", ".docx", ".xlsx"])
    @pytest.mark.parametrize("method", [bombs.DEFLATED, bombs.BZIP2], ids=["deflate", "bzip2"])
    def test_decompression_bombs_are_refused_as_not_matching(self, client, auth, audit, method, ext):
        # 64 MB when unpacked; the sniffer never unpacks it (tests/ops/test_upload_bombs.py
        # measures a worker's memory with 1 GB bombs).
        auth.login("katrin@zentren-test.de")
        response = self.upload(client, audit, f"Prüfbericht{ext}",
                               bombs.office_bomb(method, 64 * bombs.MiB, ext))
        assert response.status_code == 422
        assert "Der Inhalt passt nicht zum Dateityp" in response.get_data(as_text=True)
        fresh()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Evidence)) == 0

    @pytest.mark.parametrize("name, data, media_type", [
        ("Prüfbericht.docx", bombs.docx(),
         "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("Satzung Göttingen.odt", bombs.odt(), "application/vnd.oasis.opendocument.text"),
        ("Diagramm.docx", bombs.docx([bombs.deflated("word/embeddings/Tabelle.xlsx", bombs.docx())]),
         "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ], ids=["docx", "odt", "docx-with-embedded-workbook"])
    def test_office_documents_are_accepted(self, client, auth, audit, name, data, media_type):
        auth.login("katrin@zentren-test.de")
        assert self.upload(client, audit, name, data).status_code == 200
        fresh()
        assert db.session.scalars(sa.select(Evidence.media_type)).one() == media_type

    @pytest.mark.parametrize("name, data", [
        ("verschachtelt.docx", bombs.docx([bombs.deflated("anhang.zip", bombs.docx())])),
        ("mimetype-gepackt.odt", bombs.odt(mimetype_method=bombs.DEFLATED)),
    ], ids=["nested-archive", "odf-compressed-mimetype"])
    def test_nested_or_irregular_archives_are_refused(self, client, auth, audit, name, data):
        auth.login("katrin@zentren-test.de")
        response = self.upload(client, audit, name, data)
        assert response.status_code == 422
        assert "Der Inhalt passt nicht zum Dateityp" in response.get_data(as_text=True)

    def test_a_300_character_name_is_called_too_long(self, client, auth, audit):
        auth.login("katrin@zentren-test.de")
        response = self.upload(client, audit, "Ä" * 296 + ".pdf", self.PDF)
        html = response.get_data(as_text=True)
        assert response.status_code == 422
        assert "Der Dateiname ist zu lang (höchstens 200 Zeichen)" in html
        assert "Endung" not in html
        assert self.upload(client, audit, "Ä" * 196 + ".pdf", self.PDF).status_code == 200

    def test_oversize_file_is_refused(self, app, client, auth, audit):
        app.config["EVIDENCE_MAX_BYTES"] = 1000
        auth.login("katrin@zentren-test.de")
        response = self.upload(client, audit, "gross.pdf", self.PDF + b"0" * 2000)
        assert response.status_code == 422 and "Die Datei ist zu groß" in response.get_data(as_text=True)
        app.config["MAX_CONTENT_LENGTH"] = 1500
        response = self.upload(client, audit, "gross.pdf", self.PDF + b"0" * 5000)
        assert response.status_code == 413


@pytest.fixture
def sized_audit(make_centre, team):
    from audit_app.catalog import parse_catalog
    from audit_app.services.catalogs import import_catalog

    def make(per_category: int):
        catalog = import_catalog(parse_catalog(big_catalog_yaml(per_category), checksum=str(per_category)),
                                 activate=True).catalog
        audit = svc.plan_audit(centre=make_centre(), catalog=catalog, kind=svc.AuditKind.INITIAL,
                               planned_on=date(2026, 11, 2), lead_auditor=team["lead_auditor"],
                               auditors=[team["auditor"]])
        for criterion in domain_catalog(catalog.id).criteria:
            svc.save_assessment(audit, criterion.code, svc.AnswerInput(points=2, comment="Kommentar äöü"),
                                expected_version=1, actor=team["lead_auditor"])
        svc.transition(audit, Action.SUBMIT, team["lead_auditor"])
        db.session.commit()
        return audit

    return make


def test_checklist_and_review_query_counts_do_not_grow(app, client, auth, sized_audit):
    small, large = sized_audit(6), sized_audit(57)  # 42 and 399 criteria
    counts = {}
    for who, path in (("katrin@zentren-test.de", "checklist"), ("juergen@zentren-test.de", "review")):
        auth.login(who)
        for audit in (small, large):
            client.get(f"/audits/{audit.id}/{path}")  # warm the catalogue cache
            with count_queries(db.engine) as statements:
                assert client.get(f"/audits/{audit.id}/{path}").status_code == 200
            counts[(path, audit.id)] = len(statements)
        auth.logout()
    assert counts[("checklist", small.id)] == counts[("checklist", large.id)] <= 12
    assert counts[("review", small.id)] == counts[("review", large.id)] <= 12


def test_saving_a_criterion_takes_at_most_eight_queries(app, client, auth, audit):
    auth.login("katrin@zentren-test.de")
    save(client, audit, "A3", points="2")  # the first answer also starts the audit
    token = csrf_token(client, f"/audits/{audit.id}/checklist")
    for points, version in (("1", 1), ("2", 2)):
        with count_queries(db.engine) as statements:
            response = client.post(f"/audits/{audit.id}/checklist/A2", headers=HX,
                                   data={"csrf_token": token, "points": points, "version": version})
        assert response.status_code == 200
        assert len(statements) <= 8, statements


def test_reopening_invalidates_the_audits_certificate(make_audit, team, catalog):
    """The award issues a certificate; reopening the audit makes it invalid, with the reason."""
    from audit_app.models import Certificate, CertificateStatus

    audit = make_audit(answers=full_answers(catalog), lead=team["lead_auditor"], auditors=[team["auditor"]])
    svc.transition(audit, Action.SUBMIT, team["lead_auditor"])
    svc.transition(audit, Action.BEGIN_REVIEW, team["wg_lead"])
    svc.agree_with_remaining(audit, actor=team["wg_lead"])  # decide needs every row reviewed
    svc.transition(audit, Action.DECIDE, team["wg_lead"], decision=Decision.AWARD)
    db.session.commit()
    certificate = db.session.scalars(sa.select(Certificate).where(Certificate.audit_id == audit.id)).one()
    assert certificate.status is CertificateStatus.VALID
    svc.transition(audit, Action.REOPEN, team["admin"], note="Satzung wurde geändert – Prüfung nötig")
    db.session.commit()
    fresh()
    certificate = db.session.get(Certificate, certificate.id)
    assert certificate.status is CertificateStatus.INVALIDATED
    assert certificate.status_reason == "Satzung wurde geändert – Prüfung nötig"
    event = db.session.scalar(sa.select(Event).where(Event.action == "certificate_invalidated"))
    assert event.note == certificate.number


class TestAuditList:
    """The audits list: forgiving search, filters, sorting, and the empty states."""

    @pytest.fixture
    def audits(self, make_audit, make_centre, team, make_user):
        thomas = team["auditor"]
        other = make_user("auditor", name="Märthe Lindqvist-Böhm")
        goettingen = make_audit(make_centre(name="Technologiezentrum Göttingen", city="Göttingen"),
                                lead=team["lead_auditor"], auditors=[thomas],
                                planned_on=date(2026, 3, 2))
        halle = make_audit(make_centre(name="TGZ Halle", city="Halle (Saale)", federal_state="ST"),
                           lead=team["lead_auditor"], auditors=[other], planned_on=date(2025, 9, 1))
        muenster = make_audit(make_centre(name="TechnologieFabrik Münster", city="Münster",
                                          federal_state="NW"),
                              lead=other, auditors=[thomas], planned_on=date(2026, 11, 2),
                              answers={"A1": 3})
        return {"goettingen": goettingen, "halle": halle, "muenster": muenster, "other": other}

    def numbers(self, client, **args) -> list[str]:
        html = client.get("/audits/", query_string=args).get_data(as_text=True)
        return re.findall(r">(A-\d{4}-\d{4})</a></th>", html)

    def test_search_forgives_and_finds_numbers(self, client, auth, team, audits):
        auth.login("juergen@zentren-test.de")
        assert self.numbers(client, q="Gottingen") == [audits["goettingen"].number]
        assert self.numbers(client, q="halle saale") == [audits["halle"].number]
        assert self.numbers(client, q="muenster") == [audits["muenster"].number]
        assert self.numbers(client, q=audits["halle"].number.lower()) == [audits["halle"].number]

    def test_filters_and_sorting(self, client, auth, team, audits):
        auth.login("juergen@zentren-test.de")
        assert self.numbers(client) == [a.number for a in (audits["muenster"], audits["goettingen"],
                                                           audits["halle"])]
        assert self.numbers(client, year="2025") == [audits["halle"].number]
        assert self.numbers(client, auditor=str(audits["other"].id)) == [
            audits["muenster"].number, audits["halle"].number]
        assert self.numbers(client, status="in_progress") == [audits["muenster"].number]
        assert self.numbers(client, sort="planned_asc")[0] == audits["halle"].number
        assert self.numbers(client, sort="centre") == [a.number for a in (
            audits["muenster"], audits["goettingen"], audits["halle"])]  # TechnologieF < TechnologieZ < TGZ
        # Unknown values are not applied (a hand-edited link never fails).
        assert len(self.numbers(client, year="1899", status="gibt-es-nicht", sort="x",
                                auditor="99999")) == 3

    def test_an_empty_result_says_that_the_filters_match_nothing(self, client, auth, team, audits):
        auth.login("juergen@zentren-test.de")
        html = client.get("/audits/", query_string={"q": "Zentrum Atlantis"}).get_data(as_text=True)
        assert 'data-testid="no-match"' in html and "Kein Audit passt zu diesen Filtern." in html
        assert "Filter zurücksetzen" in html

    def test_auditors_see_only_their_audits_and_no_auditor_filter(self, client, auth, team, audits):
        auth.login("thomas@zentren-test.de")
        html = client.get("/audits/").get_data(as_text=True)
        assert 'name="auditor"' not in html
        assert sorted(self.numbers(client)) == sorted([audits["goettingen"].number,
                                                       audits["muenster"].number])
        assert self.numbers(client, q="halle") == []

    def test_the_list_page_takes_a_fixed_number_of_queries(self, app, client, auth, team, audits,
                                                          make_audit):
        auth.login("juergen@zentren-test.de")
        from audit_app.extensions import db as database

        with count_queries(database.engine) as few:
            client.get("/audits/", query_string={"q": "zentrum"})
        for _ in range(4):
            make_audit()
        with count_queries(database.engine) as more:
            client.get("/audits/", query_string={"q": "zentrum"})
        assert len(more) == len(few)


def test_the_trail_reads_in_words_folds_agreements_and_filters(client, auth, make_audit, team,
                                                               catalog, pdf_renders):
    audit = make_audit(answers=full_answers(catalog, C4=0), lead=team["lead_auditor"],
                       auditors=[team["auditor"]])
    svc.transition(audit, Action.SUBMIT, team["lead_auditor"])
    svc.transition(audit, Action.BEGIN_REVIEW, team["wg_lead"])
    svc.adjust_assessment(audit, "C4", actor=team["wg_lead"], points=2,
                          reason="Veranstaltungskalender nachgereicht – überzeugend")
    svc.agree_with_remaining(audit, actor=team["wg_lead"])
    svc.transition(audit, Action.DECIDE, team["wg_lead"], decision=Decision.AWARD)
    db.session.commit()
    from audit_app.services import documents

    documents.render_pending()
    auth.login("juergen@zentren-test.de")
    html = client.get(f"/audits/{audit.id}").get_data(as_text=True)
    trail = html.split('data-testid="trail"')[1].split("</ol>")[0]
    # No codes in the trail, only words; stored PDFs say their language.
    for code in ("certificate_issued", "certificate_pdf_stored", "report_pdf_stored",
                 "assessment_agreed"):
        assert code not in trail
    assert "Auditbericht gespeichert (Deutsch)" in trail and "(Englisch)" in trail
    # 39 agreements are one entry; the adjustment shows only what changed.
    assert "Prüfung: 39 Kriterien zugestimmt" in trail
    assert "angepasster Wert: – → –" not in trail and "angepasste Punkte: – → 2" in trail
    # The filter keeps one group.
    review_only = client.get(f"/audits/{audit.id}", query_string={"trail": "review"})
    part = review_only.get_data(as_text=True).split('data-testid="trail"')[1].split("</ol>")[0]
    assert "Prüfung begonnen" in part and "Kriterium gespeichert" not in part
    files = client.get(f"/audits/{audit.id}", query_string={"trail": "files"}).get_data(as_text=True)
    assert "Davon ist bisher nichts geschehen." in files
    unknown = client.get(f"/audits/{audit.id}", query_string={"trail": "<script>"})
    assert unknown.status_code == 200
