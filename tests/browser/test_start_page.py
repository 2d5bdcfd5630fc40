"""A person signs in with a printed demo login and sees the centres with their results."""
from __future__ import annotations

import pytest

from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser


def test_lead_signs_in_and_sees_centres_with_percent_and_outcome(live_server, page):
    page.goto(live_server + "/")
    assert "/auth/login" in page.url
    page.get_by_label("E-Mail").fill("leitung@demo.aiz-audit.de")
    page.get_by_label("Passwort").fill("demo-passwort-2026")
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_url(live_server + "/")
    assert page.title() == "Startseite · Anerkanntes Innovationszentrum"
    row = page.locator("tr", has_text="BioInnovationsZentrum Düsseldorf")
    assert row.get_by_test_id("outcome").inner_text() == "Anerkennung"
    assert row.get_by_test_id("overall").inner_text().endswith("\u00a0%")
    assert page.locator("tbody tr").count() >= 12
    screenshot(page, "start-page-lead-de")
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Centres", exact=True).is_visible()
    screenshot(page, "start-page-lead-en")
    page.get_by_role("button", name="Deutsch").click()
    page.get_by_role("button", name="Abmelden").click()
    page.wait_for_url("**/auth/login")
    assert page.js_errors == []


def test_start_page_is_readable_on_a_tablet(live_server, page):
    page.set_viewport_size({"width": 768, "height": 1024})
    page.goto(live_server + "/auth/login")
    page.get_by_label("E-Mail").fill("auditorin@demo.aiz-audit.de")
    page.get_by_label("Passwort").fill("demo-passwort-2026")
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_url(live_server + "/")
    # An auditor sees only the centres of audits whose team she is on.
    assert 0 < page.locator("tbody tr").count() < 14
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 768
    screenshot(page, "start-page-auditor-tablet")
