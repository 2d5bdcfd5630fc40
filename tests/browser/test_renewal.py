"""The renewal audit in Chromium (demo A-2026-0014, Jena, on the catalogue 2027, starting from
the 2021 audit): mapped previous values beside the criteria, new criteria marked, files carried
forward, an expired file carried only with a new „gültig bis“, and the report's renewal
section. Märthe Lindqvist-Böhm (auditor3) is the renewal's lead auditor; no other browser test
uses this audit."""
from __future__ import annotations

import io
import re
from datetime import date

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser


def sign_in(page, base, email):
    page.goto(base + "/auth/login")
    page.get_by_label("E-Mail").fill(email)
    page.get_by_label("Passwort").fill("demo-passwort-2026")
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_url(base + "/")


def test_the_renewal_checklist_carries_the_previous_cycle(page, live_server):
    sign_in(page, live_server, "auditor3@demo.aiz-audit.de")
    page.goto(live_server + "/audits/")
    page.get_by_role("link", name="A-2026-0014").first.click()
    page.wait_for_url(re.compile(r".*/audits/\d+$"))
    audit_url = page.url
    page.goto(audit_url + "/checklist")
    expect(page.locator("main")).to_contain_text("Wiederholungsaudit")

    # Mapped values: F5 of 2021 is G7 now; C8 is new; A1's contract was carried forward.
    expect(page.get_by_test_id("previous-G7")).to_contain_text("F5")
    expect(page.get_by_test_id("previous-G7")).to_contain_text("umbenannt")
    expect(page.get_by_test_id("previous-C8")).to_contain_text("neues Kriterium")
    expect(page.get_by_test_id("previous-A1")).to_contain_text("2021")
    expect(page.locator("main")).to_contain_text("als noch gültig übernommen")
    expect(page.get_by_test_id("previous-condition-G7").first).to_contain_text("Auflage 2021")

    # The expired business plan (G3): „noch gültig“ alone is not enough, a new date is.
    previous = page.get_by_test_id("previous-G3")
    if previous.evaluate("el => el.tagName") == "DETAILS" and not previous.evaluate("el => el.open"):
        previous.locator("summary").click()
    expect(previous).to_contain_text("Wirtschaftsplan_2021.pdf")
    expect(previous).to_contain_text("abgelaufen")
    form = previous.locator("form.carry-form")
    form.get_by_label("noch gültig").check()
    form.locator("input[type=date]").fill(date(date.today().year + 2, 12, 31).isoformat())
    form.get_by_role("button", name="Übernehmen").click()
    expect(page.get_by_test_id("previous-G3")).to_contain_text("übernommen")
    screenshot(page, "renewal-checklist-carried", full_page=False)
    page.reload()
    expect(page.get_by_test_id("previous-G3").locator("form.carry-form")).to_have_count(0)

    # The draft report has the renewal section.
    response = page.request.get(audit_url + "/report.pdf")
    assert response.status == 200
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.body())).pages)
    assert "Erneuerung: Vergleich mit dem vorigen Zyklus" in " ".join(text.split())
    assert not page.js_errors, page.js_errors
