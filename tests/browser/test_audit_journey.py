"""The whole journey in a real browser on a tablet-sized window: fill, submit, review, decide."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import SAVED, ARTIFACTS, screenshot

pytestmark = pytest.mark.browser

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def sign_in(page, base, email):
    page.goto(base + "/auth/login")
    page.get_by_label("E-Mail").fill(email)
    page.get_by_label("Passwort").fill("demo-passwort-2026")
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_url(base + "/")


def sign_out(page):
    page.get_by_role("button", name="Abmelden").click()
    page.wait_for_url(re.compile(r".*/auth/login$"))


def test_auditor_fills_and_submits_lead_adjusts_and_decides(live_server, page, tmp_path):
    page.set_viewport_size({"width": 1024, "height": 768})
    # The demo's in-progress audit of TechnologieFabrik Münster: Katrin Weiß leads it.
    sign_in(page, live_server, "auditorin@demo.aiz-audit.de")
    page.get_by_role("link", name=re.compile("A-2026-0009")).first.click()
    page.wait_for_url(re.compile(r".*/audits/\d+/checklist$"))
    page.wait_for_load_state("load")
    audit_url = page.url.rsplit("/", 1)[0]

    # One save in place: D4 (yes/no). The page does not reload: a marker survives.
    page.evaluate("window.__marker = 'still here'")
    card = page.locator("#crit-D4")
    card.get_by_text("ja", exact=True).click()
    card.get_by_label("Kommentar").fill("Regel zur Verweildauer: max. 5 Jahre – im Mietvertrag § 3")
    card.get_by_role("button", name="Speichern").click()
    expect(page.locator("#crit-D4 [data-testid=save-state]")).to_have_text(SAVED)
    assert page.evaluate("window.__marker") == "still here"

    # An N/A with its reason on G6 (first audit: no earlier recommendations).
    g6 = page.locator("#crit-G6")
    g6.get_by_label("Nicht anwendbar", exact=True).check()
    g6.get_by_label("Begründung für „nicht anwendbar“").fill("Erstaudit – keine früheren Empfehlungen.")
    g6.get_by_role("button", name="Speichern").click()
    expect(page.locator("#crit-G6 [data-testid=save-state]")).to_have_text(SAVED)

    # One upload on A1: choosing the file uploads it.
    pdf = tmp_path / "Gesellschaftsvertrag_Münster.pdf"
    pdf.write_bytes(PDF)
    page.locator("#file-A1").set_input_files(str(pdf))
    expect(page.locator("#evidence-A1")).to_contain_text("Gesellschaftsvertrag_Münster.pdf")
    expect(page.locator("#evidence-A1 .evidence-list li")).to_have_count(1)

    # Fill the rest card by card, each saved in place.
    for code in page.eval_on_selector_all("article.card-open", "els => els.map(e => e.dataset.code)"):
        card = page.locator(f"#crit-{code}")
        if card.locator("input[name=value]").count():
            card.locator("input[name=value]").fill("90")
        else:
            card.locator("input[name=points][value='3']").check()
        card.get_by_role("button", name="Speichern").click()
        expect(page.locator(f"#crit-{code} [data-testid=save-state]")).to_have_text(SAVED)
    expect(page.get_by_test_id("summary-answered")).to_have_text("40 von 40")
    screenshot(page, "checklist-tablet")

    page.goto(audit_url)
    page.get_by_role("button", name="Zur Prüfung einreichen").click()
    expect(page.locator(".flash")).to_contain_text("eingereicht")
    sign_out(page)

    # The working-group lead reviews: adjusts one score with a reason, then decides.
    sign_in(page, live_server, "leitung@demo.aiz-audit.de")
    page.goto(audit_url + "/review")
    page.get_by_role("button", name="Prüfung beginnen").click()
    page.goto(audit_url + "/review")
    row = page.locator("#rev-A2")
    row.get_by_text("Anpassen").click()
    row.get_by_label("Punkte").select_option("1")
    row.get_by_label("Begründung der Anpassung").fill("Strategie nur als Entwurf – ansatzweise.")
    row.get_by_role("button", name="Anpassung speichern").click()
    expect(page.get_by_test_id("adjusted-A2")).to_contain_text("1 – ansatzweise")
    screenshot(page, "review-laptop")
    page.reload()
    # Deciding needs every row reviewed: the panel says how many are open.
    expect(page.get_by_test_id("decide-blocked")).to_contain_text("39 Kriterien")
    page.get_by_role("button", name="Allen 39 übrigen Kriterien zustimmen").click()
    expect(page.locator(".flash")).to_contain_text("39 übrigen Kriterien zugestimmt")
    expect(page.get_by_test_id("adjusted-A2")).to_contain_text("1 – ansatzweise")  # kept
    computed = page.locator("#decision-section strong.outcome").inner_text()
    page.get_by_label("Entscheidung", exact=True).select_option(label="Anerkennung")
    page.get_by_label("Begründung der Entscheidung").fill("Beschluss des Arbeitskreises vom 26.11.2026.")
    if computed != "Anerkennung":
        page.get_by_label(re.compile("^Rechtfertigung")).fill(
            "Die Auflage ist bereits erfüllt: Nachweis in der Sitzung vorgelegt.")
    page.locator("#decision-section").get_by_role("button", name="Entscheiden").click()
    expect(page.get_by_test_id("decision")).to_have_text("Anerkennung")
    # The message names the new certificate; both PDFs are offered right there.
    expect(page.locator(".flash")).to_contain_text(re.compile(r"Urkunde AIZ-\d{4}-\d{4} ist ausgestellt"))
    panel = page.locator(".certificate-panel")
    expect(panel.get_by_role("button", name="Urkunde herunterladen (PDF)")).to_be_visible()
    screenshot(page, "audit-decided")
    assert page.js_errors == []
    assert (ARTIFACTS / "checklist-tablet.png").exists()


def test_a_save_without_connection_keeps_the_input_and_says_so(live_server, page):
    page.set_viewport_size({"width": 768, "height": 1024})
    sign_in(page, live_server, "auditor4@demo.aiz-audit.de")
    page.get_by_role("link", name=re.compile("A-2026-0013")).first.click()
    page.wait_for_load_state("load")  # the checklist's script is running before we type
    card = page.locator("#crit-C3")
    page.context.set_offline(True)
    card.get_by_label("Kommentar").fill("Fördermittelberatung mit IHK – Notiz aus dem Gespräch")
    card.get_by_role("button", name="Speichern").click()
    expect(page.locator("#progress .progress-offline")).to_contain_text("Keine Verbindung")
    expect(card.get_by_test_id("save-state")).to_contain_text("offline gespeichert")
    assert card.get_by_label("Kommentar").input_value() == "Fördermittelberatung mit IHK – Notiz aus dem Gespräch"
    card.locator("input[name=points][value='2']").check()
    # Back online: the card sends everything by itself.
    page.context.set_offline(False)
    expect(page.locator("#crit-C3 [data-testid=save-state]")).to_have_text(SAVED)
    expect(page.locator("#progress .progress-offline")).to_be_hidden()
    page.reload()
    expect(page.locator("#crit-C3 input[name=points][value='2']")).to_be_checked()
    expect(page.locator("#crit-C3").get_by_label("Kommentar")).to_have_value(
        "Fördermittelberatung mit IHK – Notiz aus dem Gespräch")
    screenshot(page, "checklist-offline-recovered")
