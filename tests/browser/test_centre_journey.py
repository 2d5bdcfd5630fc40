"""The centre's side in a real browser at 768 px: the contact applies, fills the
questionnaire and the self-assessment, hands in documents and submits; the lead plans; the
auditor reviews the documents, sees B1 and B7 prefilled with their source, corrects one and
sees the self-assessment's differences; the report carries the comparison."""
from __future__ import annotations

import re
import shutil
import subprocess

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS, SAVED, screenshot
from tests.browser.test_audit_journey import sign_in, sign_out
from tests.factories import ANSWERS

pytestmark = pytest.mark.browser

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
#: Date fields take ISO days (the browser's date input).
DATES = {"preisliste_stand": "2026-01-01", "letztes_audit": ""}


def _upload(page, key, path):
    page.locator(f"#upload-{key}").set_input_files(str(path))
    page.locator(f"#files-{key} button", has_text="Hochladen").click()
    expect(page.locator(f"[data-testid=files-{key}]")).to_contain_text(path.name)


def test_contact_applies_answers_and_submits_auditor_sees_the_centres_side(
        live_server, page, tmp_path):
    page.set_viewport_size({"width": 768, "height": 1024})
    page.on("dialog", lambda dialog: dialog.accept())  # "Submit the questionnaire?"
    base = live_server

    # The contact of Göttingen applies (its last label runs out).
    sign_in(page, base, "kontakt.goettingen@demo.aiz-audit.de")
    page.goto(base + "/applications/new")
    page.get_by_label("Art des Audits").select_option("renewal")
    page.get_by_label("Wunschzeitraum von").fill("2099-04-12")
    page.get_by_label("Wunschzeitraum bis").fill("2099-06-30")
    page.get_by_role("button", name=re.compile("Antrag")).click()
    page.wait_for_url(re.compile(r".*/applications/\d+$"))
    application_url = page.url
    audit_id = application_url.rsplit("/", 1)[1]

    # The questionnaire: every answer saves itself.
    page.goto(application_url + "/questionnaire")
    page.wait_for_load_state("load")
    for form in page.locator("form.answer-form").all():
        key = form.get_attribute("data-key")
        raw = DATES.get(key, ANSWERS.get(key, ""))
        if not raw:
            continue
        if form.locator("input[type=radio]").count():
            form.locator(f"input[type=radio][value={raw}]").check()
        else:
            form.locator("[name=value]").fill(raw)
            form.locator("[name=value]").blur()
        expect(form.locator(".save-state")).to_have_text(SAVED)
    # A bad number is refused next to its field, the typed text stays.
    occupancy = page.locator("form[data-key=auslastung]")
    occupancy.locator("[name=value]").fill("120")
    occupancy.locator("[name=value]").blur()
    expect(occupancy.locator("[data-error-for=value]")).to_contain_text("zwischen 0 und 100")
    expect(occupancy.locator("[name=value]")).to_have_value("120")
    occupancy.locator("[name=value]").fill("91,5")
    occupancy.locator("[name=value]").blur()
    expect(occupancy.locator(".save-state")).to_have_text(SAVED)
    pdf = tmp_path / "Mieterliste 2026.pdf"
    pdf.write_bytes(PDF)
    _upload(page, "mieterliste", pdf)
    screenshot(page, "centre-questionnaire-tablet")

    # The documents: two named ones, then the rest.
    page.goto(application_url + "/documents")
    for key in page.eval_on_selector_all(
            "article.doc-card", "els => els.map(e => e.id.slice(4))"):
        if page.locator(f"#doc-{key} .badge", has_text="optional").count():
            continue
        name = {"gesellschaftsvertrag": "Gesellschaftsvertrag Göttingen.pdf",
                "preisliste": "Preisliste 2026.pdf"}.get(key, f"{key}.pdf")
        path = tmp_path / name
        path.write_bytes(PDF)
        _upload(page, key, path)

    # The self-assessment: A2 higher than the team will see it.
    page.goto(application_url + "/self-assessment")
    page.wait_for_load_state("load")
    a2 = page.locator("#sa-A2")
    a2.locator("input[name=points][value='3']").check()
    expect(a2.locator(".save-state")).to_have_text(SAVED)
    sign_out(page)

    # The lead plans the audit: Katrin Weiß leads, Thomas Groß audits.
    sign_in(page, base, "leitung@demo.aiz-audit.de")
    page.goto(application_url)
    page.get_by_test_id("accept-link").click()
    page.get_by_label("Geplanter Beginn").fill("2099-04-20")
    page.get_by_label("Vor-Ort-Besuch").fill("2099-05-12")
    page.get_by_label("Leitende/r Auditor/in").select_option(label="Katrin Weiß")
    page.get_by_label("Thomas Groß").check()
    page.get_by_role("button", name="Annehmen und Audit planen").click()
    page.wait_for_url(application_url)
    expect(page.get_by_test_id("application-status")).to_have_text("Fragebogen offen")
    sign_out(page)

    # The contact submits.
    sign_in(page, base, "kontakt.goettingen@demo.aiz-audit.de")
    page.goto(application_url)
    page.get_by_test_id("submit-questionnaire").click()
    expect(page.get_by_test_id("application-status")).to_have_text("Fragebogen eingereicht")
    sign_out(page)

    # The lead auditor marks every document present and completes the review.
    sign_in(page, base, "auditorin@demo.aiz-audit.de")
    page.goto(application_url + "/documents")
    for form in page.locator("form.document-review").all():
        form.locator("input[value=present]").check()
        form.get_by_role("button", name="Bewertung speichern").click()
        page.wait_for_load_state("load")
    page.get_by_test_id("complete-review").click()
    expect(page.get_by_test_id("application-status")).to_have_text("Unterlagen geprüft")

    # The checklist: B1 and B7 prefilled with their source; B1 corrected; A2 differs.
    page.goto(f"{base}/audits/{audit_id}/checklist")
    page.wait_for_load_state("load")
    expect(page.get_by_test_id("prefill-B1")).to_contain_text("Selbstauskunft vom")
    expect(page.get_by_test_id("prefill-B1")).to_contain_text("3.200")
    expect(page.get_by_test_id("prefill-B7")).to_contain_text("91,5")
    b1 = page.locator("#crit-B1")
    b1.locator("input[name=value]").fill("2900")
    b1.get_by_role("button", name="Speichern").click()
    expect(b1.locator("[data-testid=save-state]")).to_have_text(SAVED)
    expect(page.get_by_test_id("prefill-corrected-B1")).to_contain_text("2.900")
    a2 = page.locator("#crit-A2")
    a2.locator("input[name=points][value='1']").check()
    a2.get_by_role("button", name="Speichern").click()
    expect(a2.locator("[data-testid=save-state]")).to_have_text(SAVED)
    expect(page.get_by_test_id("self-delta-A2")).to_contain_text("-2")
    screenshot(page, "centre-side-on-the-checklist-tablet")

    # The report (a draft) carries the comparison; a picture of it to look at.
    report = page.request.get(f"{base}/audits/{audit_id}/report.pdf")
    assert report.ok and report.body().startswith(b"%PDF")
    ARTIFACTS.mkdir(exist_ok=True)
    stored = ARTIFACTS / "centre-journey-report.pdf"
    stored.write_bytes(report.body())
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(stored), "-"], capture_output=True, text=True,
                              check=True, timeout=60).stdout
        assert "Selbsteinschätzung und Auditergebnis" in text
    if shutil.which("pdftoppm"):
        subprocess.run(["pdftoppm", "-png", "-r", "60", str(stored),
                        str(ARTIFACTS / "centre-journey-report")], check=True, timeout=60)
