"""A live server with demo data and Debian's Chromium driven by Playwright.

Never `playwright install`: the tests use /usr/bin/chromium (installed by `make test`).
"""
from __future__ import annotations

import os
import re
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.conftest import FAST_PASSWORD_HASH

# A card's save state once the server has the answer ("gespeichert 16:25"). Never a bare
# "gespeichert": "noch nicht gespeichert" and "offline gespeichert" contain it too, and a test
# that waits for those races the save it meant to wait for.
SAVED = re.compile(r"^\s*gespeichert \d")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM = os.environ.get("AUDIT_APP_TEST_CHROMIUM", "/usr/bin/chromium")
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


@pytest.fixture(scope="session")
def live_server(tmp_path_factory, sqlite_template):
    """The app with the demo data on SQLite, served on a free port of 127.0.0.1."""
    from audit_app import create_app
    from audit_app.cli import import_all_catalogs
    from audit_app.extensions import db
    from audit_app.services import demo

    folder = tmp_path_factory.mktemp("live")
    shutil.copyfile(sqlite_template, folder / "live.db")
    os.environ["AUDIT_APP_INSTANCE_PATH"] = str(folder)
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'live.db'}",
                      "SECRET_KEY": "browser-test", "PASSWORD_HASH_METHOD": FAST_PASSWORD_HASH})
    with app.app_context():
        import_all_catalogs(app.config["CRITERIA_FOLDER"])
        demo.load_demo()
        db.session.commit()
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def playwright_driver():
    """The session's Playwright (for persistent contexts: a browser restarted on its profile)."""
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}; `make test` installs it (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def chromium(playwright_driver):
    browser = playwright_driver.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
    yield browser
    browser.close()


def persistent_context(playwright_driver, profile, **kwargs):
    """A browser on a profile folder: closing and opening it again keeps cookies, IndexedDB,
    caches and service workers, like a tablet's browser that was closed and reopened."""
    return playwright_driver.chromium.launch_persistent_context(
        str(profile), executable_path=CHROMIUM, args=LAUNCH_ARGS, locale="de-DE",
        viewport={"width": 768, "height": 1024}, **kwargs)


def _expected_refusal(text: str) -> bool:
    """Chromium logs every 4xx answer to fetch as a console error; a refused save (409
    conflict, 422 invalid input) is an expected state the page shows, not a script error."""
    return text.startswith("Failed to load resource") and ("409" in text or "422" in text)


@pytest.fixture
def page(chromium):
    context = chromium.new_context(viewport={"width": 1024, "height": 768}, locale="de-DE")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text + " @ " + str(msg.location))
            if msg.type == "error" and not _expected_refusal(msg.text) else None)
    page.js_errors = errors
    yield page
    context.close()


def screenshot(page, name: str, *, full_page: bool = True) -> Path:
    """Save a screenshot as a test artefact (``full_page=False``: what the user sees now)."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path
