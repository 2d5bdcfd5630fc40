"""WCAG 2.1 AA with axe-core on the screens people live in, at 768 and 1280 px.

German public funders expect BITV/WCAG conformity of the public pages; the internal screens
are held to the same bar. axe-core (tests/browser/vendor, test-only) is evaluated in the
page through Playwright; a serious or critical violation fails the test and is listed with
its rule, the elements and axe's help text.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

AXE = (Path(__file__).parent / "vendor" / "axe-core-4.14.1" / "axe.min.js").read_text()
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
WIDTHS = (768, 1280)


def sign_in(page, base, email):
    page.goto(base + "/auth/login")
    page.get_by_label("E-Mail").fill(email)
    page.get_by_label("Passwort").fill("demo-passwort-2026")
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_url(base + "/")


def audit_url(page, base, number):
    page.goto(base + "/audits/")
    page.get_by_role("link", name=number).first.click()
    page.wait_for_url(re.compile(r".*/audits/\d+$"))
    return page.url


def violations(page) -> list[str]:
    page.evaluate(AXE)
    result = page.evaluate("""tags => axe.run(document, {runOnly: {type: 'tag', values: tags},
                                                          resultTypes: ['violations']})""", TAGS)
    found = []
    for v in result["violations"]:
        if v["impact"] not in ("serious", "critical"):
            continue
        targets = ", ".join(" ".join(n["target"]) for n in v["nodes"][:4])
        found.append(f"{v['id']} ({v['impact']}): {v['help']} – {targets}")
    return found


@pytest.fixture
def axe_page(chromium):
    context = chromium.new_context(locale="de-DE")
    page = context.new_page()
    yield page
    context.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_public_pages(axe_page, live_server, width):
    page = axe_page
    page.set_viewport_size({"width": width, "height": 1000})
    page.goto(live_server + "/register")
    problems = [f"/register: {v}" for v in violations(page)]
    number = re.search(r"AIZ-\d{4}-\d{4,6}", page.content()).group(0)
    for path in (f"/verify/{number}", "/verify/"):
        page.goto(live_server + path)
        problems += [f"{path}: {v}" for v in violations(page)]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("width", WIDTHS)
def test_auditor_screens(axe_page, live_server, width):
    page = axe_page
    page.set_viewport_size({"width": width, "height": 1000})
    sign_in(page, live_server, "auditor4@demo.aiz-audit.de")
    url = audit_url(page, live_server, "A-2026-0013")
    problems = []
    for path in (url, url + "/checklist"):
        page.goto(path)
        problems += [f"{path}: {v}" for v in violations(page)]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("width", WIDTHS)
def test_lead_screens(axe_page, live_server, width):
    page = axe_page
    page.set_viewport_size({"width": width, "height": 1000})
    sign_in(page, live_server, "leitung@demo.aiz-audit.de")
    problems = [f"/: {v}" for v in violations(page)]
    url = audit_url(page, live_server, "A-2026-0011")
    for path in (url, url + "/review", live_server + "/centres/", live_server + "/audits/"):
        page.goto(path)
        problems += [f"{path}: {v}" for v in violations(page)]
    assert not problems, "\n".join(problems)


def test_the_journey_needs_no_horizontal_scrolling_at_768(axe_page, live_server):
    """Plan → fill on a tablet → submit → review → decide: every screen fits 768 px."""
    page = axe_page
    page.set_viewport_size({"width": 768, "height": 1000})
    wide = []

    def check(path):
        page.goto(path)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 768:
            wide.append(f"{path}: {width} px")

    sign_in(page, live_server, "leitung@demo.aiz-audit.de")
    url = audit_url(page, live_server, "A-2026-0011")
    for path in (live_server + "/", live_server + "/audits/", live_server + "/audits/new",
                 url, url + "/review", live_server + "/centres/"):
        check(path)
    page.context.clear_cookies()
    sign_in(page, live_server, "auditor4@demo.aiz-audit.de")
    url = audit_url(page, live_server, "A-2026-0013")
    for path in (url, url + "/checklist"):
        check(path)
    assert not wide, wide
