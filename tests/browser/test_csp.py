"""The Content-Security-Policy holds in a real browser: no page needs anything inline."""
from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser

PASSWORD = "demo-passwort-2026"
LISTEN = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__csp.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline') + ' ' +
                    (e.sourceFile || '') + ':' + (e.lineNumber || 0));
});
"""


@pytest.fixture
def watched(page):
    messages: list[str] = []
    page.on("console", lambda msg: messages.append(msg.text)
            if "Content Security Policy" in msg.text or "Content-Security-Policy" in msg.text else None)
    page.add_init_script(LISTEN)
    page.csp_messages = messages
    return page


def visit(page, url: str) -> list[str]:
    response = page.goto(url)
    assert response is not None and response.status < 400, url
    assert "content-security-policy" in response.headers
    page.wait_for_load_state("networkidle")
    return [f"{url}: {v}" for v in page.evaluate("window.__csp")]


def sign_in(page, base: str, email: str) -> list[str]:
    found = visit(page, base + "/auth/login")
    page.get_by_label("E-Mail").fill(email)
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_url(base + "/")
    page.wait_for_load_state("networkidle")
    return found + [f"{base}/: {v}" for v in page.evaluate("window.__csp")]


def test_main_pages_cause_no_csp_violation(live_server, watched):
    page, base = watched, live_server
    violations = sign_in(page, base, "leitung@demo.aiz-audit.de")  # sign-in and start page
    violations += visit(page, base + "/centres/")
    violations += visit(page, base + "/audits/")
    audit_links = page.locator("a[href*='/audits/']").evaluate_all(
        "els => els.map(e => e.getAttribute('href'))")
    audit_path = next(h for h in audit_links if re.fullmatch(r"/audits/\d+", h))
    violations += visit(page, base + audit_path)
    violations += visit(page, base + audit_path + "/checklist")
    violations += visit(page, base + audit_path + "/review")
    violations += visit(page, base + "/verify/")
    violations += visit(page, base + "/register")
    numbers = re.findall(r"AIZ-\d{4}-\d{4}", page.content())
    assert numbers, "the demo data has certificates in the register"
    violations += visit(page, f"{base}/verify/{numbers[0]}")
    assert violations == []
    assert page.csp_messages == []
    assert page.js_errors == []

    # The watch itself works: an inline style set by script is reported.
    page.evaluate("document.body.setAttribute('style', 'color: red')")
    page.wait_for_function("window.__csp.length > 0")
