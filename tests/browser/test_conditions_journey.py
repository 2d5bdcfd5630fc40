"""The conditions journey in Chromium: the lead decides „award with conditions“ → the contact
answers one condition with a file → the lead accepts → the other condition runs past its
deadline with the daily command → verification shows „ausgesetzt“ → the contact answers, the
lead accepts and reinstates → verification shows „gültig“ again.

A server of its own (not the shared demo server): the journey decides an audit and suspends a
certificate, which the other browser tests must not see. The daily command runs in-process
on the same database, with ``--today`` past the deadline and the grace period.
"""
from __future__ import annotations

import os
import re
import shutil
import threading
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

from tests.browser.conftest import screenshot
from tests.conftest import FAST_PASSWORD_HASH
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def journey_server(tmp_path_factory, sqlite_template):
    """A live server with one audit under review (every row agreed) by the lead."""
    from audit_app import create_app
    from audit_app.cli import import_all_catalogs
    from audit_app.extensions import db
    from audit_app.services import audits as svc
    from audit_app.workflow import Action
    from tests import factories

    folder = tmp_path_factory.mktemp("conditions-live")
    shutil.copyfile(sqlite_template, folder / "live.db")
    previous = os.environ.get("AUDIT_APP_INSTANCE_PATH")
    os.environ["AUDIT_APP_INSTANCE_PATH"] = str(folder)
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'live.db'}",
                      "SECRET_KEY": "browser-test-conditions",
                      "PASSWORD_HASH_METHOD": FAST_PASSWORD_HASH})
    if previous is not None:
        os.environ["AUDIT_APP_INSTANCE_PATH"] = previous
    with app.app_context():
        import_all_catalogs(app.config["CRITERIA_FOLDER"])
        db.session.commit()
        centre = factories.make_centre(name="Technologiezentrum Göttingen")
        factories.make_user("contact", centre=centre, email="kontakt@journey.example")
        lead = factories.make_user("lead", email="leitung@journey.example")
        catalog = factories.real_catalog()
        audit = factories.make_audit(centre, catalog=catalog,
                                     answers=factories.full_answers(catalog, C4=0, F5=0))
        svc.transition(audit, Action.SUBMIT, audit.lead_auditor)
        svc.transition(audit, Action.BEGIN_REVIEW, lead)
        svc.agree_with_remaining(audit, actor=lead)
        db.session.commit()
        audit_id = audit.id
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app, f"http://127.0.0.1:{server.server_port}", audit_id
    server.shutdown()
    with app.app_context():
        db.engine.dispose()


def sign_in(page, base, email):
    page.context.clear_cookies()
    page.goto(base + "/auth/login")
    page.get_by_label("E-Mail").fill(email)
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_url(base + "/")


def condition_urls(app, audit_id) -> dict[str, str]:
    from audit_app.services import conditions

    with app.app_context():
        from audit_app.extensions import db
        from audit_app.models import Audit

        found = {c.criterion_code: (f"/conditions/{c.id}", c.deadline)
                 for c in conditions.for_audit(db.session.get(Audit, audit_id))}
        db.session.remove()
    return found


def answer(page, base, url, file_path):
    page.goto(base + url)
    page.get_by_label("Festgestellte Ursache").fill("Die Zuständigkeit war nicht geregelt.")
    page.get_by_label("Getroffene Maßnahme").fill("Verantwortliche benannt, Ablauf beschrieben.")
    page.get_by_label(re.compile("Nachweisdateien")).set_input_files(str(file_path))
    page.get_by_role("button", name="Antwort senden").click()
    expect(page.locator(".flash").first).to_contain_text("Ihre Antwort wurde gesendet")


def accept(page, base, url):
    page.goto(base + url)
    page.get_by_label("Die Maßnahme wirkt: Die Auflage ist erfüllt.").check()
    page.get_by_role("button", name="Annehmen: Auflage erfüllt").click()
    expect(page.locator(".flash").first).to_contain_text("ist erfüllt")


def test_conditions_from_decision_to_suspension_and_reinstating(page, journey_server, tmp_path):
    app, base, audit_id = journey_server
    proof = tmp_path / "Nachweis_Qualifizierung.pdf"
    proof.write_bytes(b"%PDF-1.4\n% Nachweis\n%%EOF\n")

    # The lead decides with conditions (on a tablet: the decision lives in a drawer).
    page.set_viewport_size({"width": 768, "height": 1024})
    sign_in(page, base, "leitung@journey.example")
    page.goto(f"{base}/audits/{audit_id}/review")
    page.locator("[data-review-bar]").get_by_role("button", name="Entscheidung und Nacharbeit").click()
    panel = page.locator("#decision-panel")
    expect(panel.locator("#decision-section strong.outcome")).to_have_text("Anerkennung mit Auflagen")
    panel.get_by_label("Begründung der Entscheidung").fill("Beschluss des Arbeitskreises.")
    panel.get_by_role("button", name="Entscheiden").click()
    expect(page.get_by_test_id("decision")).to_have_text("Anerkennung mit Auflagen")
    number = re.search(r"AIZ-\d{4}-\d{4}", page.locator(".flash").first.inner_text()).group(0)
    urls = condition_urls(app, audit_id)
    assert sorted(urls) == ["C4", "F5"]

    # The contact answers C4 with a file; the lead accepts it.
    sign_in(page, base, "kontakt@journey.example")
    page.goto(base + "/conditions/")
    expect(page.locator("main")).to_contain_text("C4")
    answer(page, base, urls["C4"][0], proof)
    expect(page.locator("main")).to_contain_text("Nachweis_Qualifizierung.pdf")
    screenshot(page, "conditions-answered", full_page=False)
    sign_in(page, base, "leitung@journey.example")
    accept(page, base, urls["C4"][0])
    page.goto(f"{base}/audits/{audit_id}")
    expect(page.locator("main")).to_contain_text("Auflage als erfüllt angenommen")

    # F5 runs past its deadline and the grace period: the daily command suspends.
    day = urls["F5"][1] + timedelta(days=app.config["CONDITION_GRACE_DAYS"] + 1)
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["conditions", "--today", day.isoformat()])
        from audit_app.extensions import db

        db.session.remove()
    assert "Suspended 1 certificate(s)." in result.output, result.output
    page.goto(f"{base}/verify/{number}?lang=de")
    expect(page.locator("[data-status]").first).to_have_attribute("data-status", "suspended")
    expect(page.locator("main")).to_contain_text("ausgesetzt")
    expect(page.get_by_test_id("status-reason")).to_contain_text(
        "Auflage nicht fristgerecht erfüllt")
    screenshot(page, "conditions-verify-suspended", full_page=False)

    # Closing F5 lets the lead reinstate; verification shows „gültig“ again.
    sign_in(page, base, "kontakt@journey.example")
    answer(page, base, urls["F5"][0], proof)
    sign_in(page, base, "leitung@journey.example")
    accept(page, base, urls["F5"][0])
    page.goto(f"{base}/audits/{audit_id}")
    page.get_by_text("Status der Urkunde ändern").click()
    form = page.locator("form.status-form-reinstate")
    form.get_by_label(re.compile("Begründung")).fill("Alle Auflagen erfüllt.")
    form.get_by_role("button").click()
    page.goto(f"{base}/verify/{number}?lang=de")
    expect(page.locator("[data-status]").first).to_have_attribute("data-status", "valid")
    expect(page.locator("main")).to_contain_text("gültig")
    screenshot(page, "conditions-verify-valid", full_page=False)
    assert not page.js_errors, page.js_errors
