"""The checklist on a tablet (768 px): autosave, card states, offline, orientation, N/A.

Runs against the demo data of the session's live server. Audit A-2026-0013 (Darmstadt) is
led by Andreas Köhler (auditor4) with Katrin Weiß on the team; the journey test uses
A-2026-0009, so the two never touch the same audit.
"""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import SAVED, screenshot

pytestmark = pytest.mark.browser

TABLET = {"width": 768, "height": 1024}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def sign_in(page, base, email):
    page.goto(base + "/auth/login")
    page.get_by_label("E-Mail").fill(email)
    page.get_by_label("Passwort").fill("demo-passwort-2026")
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_url(base + "/")


def open_checklist(page, base, number="A-2026-0013"):
    page.goto(base + "/audits/")
    page.get_by_role("link", name=number).first.click()
    page.wait_for_url(re.compile(r".*/audits/\d+$"))
    audit_url = page.url
    page.goto(audit_url + "/checklist")
    return audit_url


def first_open_scale_card(page):
    codes = page.eval_on_selector_all(
        "article.card-open", "els => els.filter(e => e.querySelector('.scale-scale'))"
                             ".map(e => e.dataset.code)")
    assert codes, "no unanswered scale criterion left in the demo audit"
    return codes[0]


@pytest.fixture
def tablet(page, live_server):
    page.set_viewport_size(TABLET)
    sign_in(page, live_server, "auditor4@demo.aiz-audit.de")
    return page


def test_a_tapped_rating_is_stored_without_pressing_save(tablet, live_server):
    page = tablet
    audit_url = open_checklist(page, live_server)
    code = first_open_scale_card(page)
    card = page.locator(f"#crit-{code}")
    card.locator(".scale-option", has_text="2 – umgesetzt").click()
    expect(card.get_by_test_id("save-state")).to_have_text(SAVED)
    # Leave without pressing anything, come back: the rating is stored.
    page.goto(audit_url)
    page.goto(audit_url + "/checklist")
    expect(page.locator(f"#crit-{code} input[name=points][value='2']")).to_be_checked()
    assert not page.js_errors, page.js_errors


def test_typed_text_saves_after_a_pause_and_the_page_warns_before_leaving(tablet, live_server):
    page = tablet
    audit_url = open_checklist(page, live_server)
    code = first_open_scale_card(page)
    card = page.locator(f"#crit-{code}")
    comment = card.get_by_label("Kommentar")
    comment.fill("Gespräch mit der Geschäftsführung – Protokoll vom 12.03.")
    expect(card.get_by_test_id("save-state")).to_contain_text("noch nicht gespeichert")
    # Leaving now asks first; staying keeps the text.
    dialogs = []

    def stay(dialog):
        dialogs.append(dialog.type)
        dialog.dismiss()

    page.once("dialog", stay)
    page.get_by_role("link", name="Audits", exact=True).first.click()
    assert dialogs == ["beforeunload"]
    expect(comment).to_have_value("Gespräch mit der Geschäftsführung – Protokoll vom 12.03.")
    # After the pause the card saves itself.
    expect(card.get_by_test_id("save-state")).to_have_text(SAVED)
    expect(card.get_by_test_id("save-state")).not_to_contain_text("noch nicht")
    page.goto(audit_url + "/checklist")
    expect(page.locator(f"#crit-{code}").get_by_label("Kommentar")).to_have_value(
        "Gespräch mit der Geschäftsführung – Protokoll vom 12.03.")


def test_offline_the_card_says_so_and_saves_when_the_connection_is_back(tablet, live_server):
    page = tablet
    audit_url = open_checklist(page, live_server)
    code = first_open_scale_card(page)
    card = page.locator(f"#crit-{code}")
    page.context.set_offline(True)
    card.locator(".scale-option", has_text="3 – vorbildlich").click()
    expect(card.get_by_test_id("save-state")).to_contain_text("offline gespeichert")
    expect(card).to_have_class(re.compile("card-queued"))
    page.context.set_offline(False)
    expect(card.get_by_test_id("save-state")).to_have_text(SAVED)
    page.goto(audit_url + "/checklist")
    expect(page.locator(f"#crit-{code} input[name=points][value='3']")).to_be_checked()


def test_progress_stays_in_view_mid_page_and_leads_to_the_next_open_criterion(tablet, live_server):
    page = tablet
    open_checklist(page, live_server)
    answered = int(page.get_by_test_id("progress-answered").inner_text())
    page.locator("#cat-E").scroll_into_view_if_needed()
    page.mouse.wheel(0, 3000)
    bar = page.locator("#progress")
    expect(bar).to_be_in_viewport()
    box = bar.bounding_box()
    assert box is not None and box["y"] <= 1, box
    page.get_by_test_id("next-open").click()
    focused = page.evaluate("document.activeElement.closest('article.card')?.dataset.code")
    assert focused and page.locator(f"#crit-{focused}").get_attribute("class").count("card-open")
    screenshot(page, "checklist-768-mid-page", full_page=False)
    # The counter follows the saves.
    card = page.locator(f"#crit-{focused}")
    if card.locator("input[name=value]").count():
        card.locator("input[name=value]").fill("75")
        card.locator("input[name=value]").blur()
    else:
        card.locator(".scale-option").first.click()
    expect(page.get_by_test_id("progress-answered")).to_have_text(str(answered + 1))


def test_categories_fold_and_remember_it(tablet, live_server):
    page = tablet
    open_checklist(page, live_server)
    page.locator("#cat-B > summary").click()
    expect(page.locator("#cat-B")).not_to_have_attribute("open", "")
    page.reload()
    expect(page.locator("#cat-B")).not_to_have_attribute("open", "")
    # The jump list opens a folded category.
    page.locator(".jump-list summary").click()
    page.locator("[data-jump=B]").click()
    expect(page.locator("#cat-B")).to_have_attribute("open", "")


def test_na_switches_the_scale_off_and_shows_its_reason(tablet, live_server):
    page = tablet
    open_checklist(page, live_server)
    card = page.locator("#crit-C7")  # N/A allowed
    reason = card.get_by_label("Begründung für „nicht anwendbar“")
    if card.locator("input[name=not_applicable]").is_checked():
        card.locator("input[name=not_applicable]").uncheck()
    expect(reason).to_be_hidden()
    card.locator("input[name=not_applicable]").check()
    expect(reason).to_be_visible()
    expect(card.locator("input[name=points]").first).to_be_disabled()
    reason.fill("Keine Mieterbefragung im Zeitraum – neues Zentrum, erste Befragung 2027.")
    reason.blur()
    expect(card.get_by_test_id("save-state")).to_have_text(SAVED)
    assert "nicht anwendbar" not in card.locator(".error-summary").inner_text()


def test_a_chosen_file_uploads_at_once(tablet, live_server, tmp_path):
    page = tablet
    open_checklist(page, live_server)
    pdf = tmp_path / "Mieterliste_Kranichstein_2026.pdf"
    pdf.write_bytes(PDF)
    page.locator("#file-D2").set_input_files(str(pdf))
    expect(page.locator("#evidence-D2")).to_contain_text("Mieterliste_Kranichstein_2026.pdf")
    # A refused file names itself and says why, starting with a capital letter.
    bad = tmp_path / "Flächenplan.pdf"
    bad.write_bytes(b"MZ\x90\x00 not a pdf")
    page.locator("#file-D2").set_input_files(str(bad))
    expect(page.locator("#evidence-D2 .field-error")).to_contain_text("„Flächenplan.pdf“")
    expect(page.locator("#evidence-D2 .field-error")).to_contain_text("Der Inhalt")


def test_a_team_member_learns_who_submits_and_what_is_missing(page, live_server):
    page.set_viewport_size(TABLET)
    sign_in(page, live_server, "auditorin@demo.aiz-audit.de")
    audit_url = open_checklist(page, live_server)
    page.goto(audit_url)
    hint = page.get_by_test_id("submit-hint")
    expect(hint).to_contain_text("Andreas Köhler")
    link = hint.get_by_role("link").first
    code = link.inner_text()
    link.click()
    page.wait_for_url(re.compile(rf".*/checklist#crit-{code}$"))


def test_after_changes_requested_the_message_and_the_way_back_are_on_the_checklist(
        page, live_server):
    page.set_viewport_size(TABLET)
    sign_in(page, live_server, "auditorin@demo.aiz-audit.de")  # lead auditor of A-2026-0012
    open_checklist(page, live_server, "A-2026-0012")
    notice = page.get_by_test_id("change-request")
    expect(notice).to_contain_text("Bitte die Nachweise zu B3 und C5 ergänzen")
    screenshot(page, "checklist-768-changes-requested", full_page=False)
    notice.get_by_role("button", name="Bearbeitung der Checkliste fortsetzen").click()
    page.wait_for_url(re.compile(r".*/checklist$"))
    expect(page.get_by_test_id("change-request")).to_have_count(0)
    expect(page.locator("form.card-form").first).to_be_visible()


@pytest.mark.parametrize("width", [768, 1280])
def test_checklist_screenshots(page, live_server, width):
    page.set_viewport_size({"width": width, "height": 1024})
    sign_in(page, live_server, "auditor4@demo.aiz-audit.de")
    open_checklist(page, live_server)
    screenshot(page, f"checklist-{width}", full_page=False)
    page.locator("#cat-C").scroll_into_view_if_needed()
    screenshot(page, f"checklist-{width}-scrolled", full_page=False)
    assert not page.js_errors, page.js_errors
