"""The lead's review on a tablet (768 px): the decision drawer, an adjustment refused
without a reason keeps the chosen points, 'agree with all remaining', and deciding.

Demo audit A-2026-0011 (Rostock) is under review; Jürgen Müller-Strauß (leitung) is not
on its team.
"""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser


def sign_in(page, base, email):
    page.goto(base + "/auth/login")
    page.get_by_label("E-Mail").fill(email)
    page.get_by_label("Passwort").fill("demo-passwort-2026")
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_url(base + "/")


def review_url(page, base):
    page.goto(base + "/audits/")
    page.get_by_role("link", name="A-2026-0011").first.click()
    page.wait_for_url(re.compile(r".*/audits/\d+$"))
    return page.url + "/review"


def test_the_review_on_a_tablet_keeps_input_and_decides_with_the_drawer(page, live_server):
    page.set_viewport_size({"width": 768, "height": 1024})
    sign_in(page, live_server, "leitung@demo.aiz-audit.de")
    url = review_url(page, live_server)
    page.goto(url)
    screenshot(page, "review-768", full_page=False)

    # An adjustment without a reason is refused, and the chosen points stay chosen.
    row = page.locator("#rev-C2")
    row.get_by_text("Anpassen").click()
    row.get_by_label("Punkte").select_option("1")
    row.get_by_role("button", name="Anpassung speichern").click()
    row = page.locator("#rev-C2")
    expect(row.locator(".field-error")).to_contain_text("Begründung")
    expect(row.get_by_label("Punkte")).to_have_value("1")
    row.get_by_label("Begründung der Anpassung").fill("Mentoring nur auf Anfrage – ansatzweise.")
    row.get_by_role("button", name="Anpassung speichern").click()
    expect(page.get_by_test_id("adjusted-C2")).to_contain_text("1 – ansatzweise")

    # The decision lives in a drawer that the sticky bar opens, mid-page.
    page.locator("#rev-E3").scroll_into_view_if_needed()
    bar = page.locator("[data-review-bar]")
    expect(bar).to_be_in_viewport()
    expect(page.locator("#decision-panel")).to_be_hidden()
    bar.get_by_role("button", name="Entscheidung und Nacharbeit").click()
    panel = page.locator("#decision-panel")
    expect(panel).to_be_visible()
    screenshot(page, "review-768-drawer", full_page=False)
    expect(panel.get_by_test_id("decide-blocked")).to_be_visible()
    panel.get_by_role("button", name=re.compile(r"^Allen \d+ übrigen Kriterien zustimmen$")).click()
    expect(page.locator(".flash")).to_contain_text("übrigen Kriterien zugestimmt")
    expect(page.get_by_test_id("adjusted-C2")).to_contain_text("1 – ansatzweise")

    page.locator("[data-review-bar]").get_by_role("button", name="Entscheidung und Nacharbeit").click()
    panel = page.locator("#decision-panel")
    computed = panel.locator("#decision-section strong.outcome").inner_text()
    panel.get_by_label("Begründung der Entscheidung").fill("Beschluss des Arbeitskreises, Sitzung im Herbst.")
    if computed not in ("Anerkennung", "Anerkennung mit Auflagen", "Ablehnung"):
        pytest.fail(f"unexpected computed outcome {computed!r}")
    panel.get_by_role("button", name="Entscheiden").click()
    expect(page.get_by_test_id("decision")).to_have_text(computed)
    flash = page.locator(".flash").first
    if computed != "Ablehnung":
        expect(flash).to_contain_text(re.compile(r"Urkunde AIZ-\d{4}-\d{4} ist ausgestellt"))
    else:
        expect(flash).to_contain_text("Entschieden: Ablehnung")
    screenshot(page, "review-768-decided", full_page=False)
    assert not page.js_errors, page.js_errors


@pytest.mark.parametrize("width", [1263, 1280])
def test_the_decision_panel_stays_beside_the_rows_on_a_laptop(page, live_server, width):
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, live_server, "leitung2@demo.aiz-audit.de")  # Dr. Özlem Yıldız: not on A-2026-0010's team
    page.goto(live_server + "/audits/")
    page.get_by_role("link", name="A-2026-0010").first.click()
    page.wait_for_url(re.compile(r".*/audits/\d+$"))
    page.goto(page.url + "/review")
    page.locator("table.review-table tbody").last.scroll_into_view_if_needed()
    side = page.locator("#decision-panel")
    expect(side).to_be_in_viewport()
    box = side.bounding_box()
    table = page.locator("table.review-table").bounding_box()
    assert box["x"] > table["x"] + table["width"] - 5, (box, table)  # beside, not below
    screenshot(page, f"review-{width}", full_page=False)
