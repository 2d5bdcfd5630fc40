"""The checklist without a connection (issue: the site visit in a basement).

Chromium's offline emulation at 768 px, on a browser profile folder, so that closing the
browser and opening it again keeps what a tablet keeps: cookies, IndexedDB (the outbox),
the service worker and its caches. Demo audit A-2026-0013 (Darmstadt): Andreas Köhler
(auditor4) leads it, Katrin Weiß (auditorin) is on its team.
"""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import SAVED, persistent_context, screenshot

pytestmark = pytest.mark.browser

PASSWORD = "demo-passwort-2026"
# A tiny valid JPEG (the photo of a document taken on site).
JPEG = bytes.fromhex(
    "ffd8ffe000104a46494600010100000100010000ffdb004300080606070605080707070909080a0c140d0c0b0b0c"
    "1912130f141d1a1f1e1d1a1c1c20242e2720222c231c1c2837292c30313434341f27393d38323c2e333432ffc0"
    "000b080001000101011100ffc4001f0000010501010101010100000000000000000102030405060708090a0bff"
    "c400b5100002010303020403050504040000017d01020300041105122131410613516107227114328191a10823"
    "42b1c11552d1f02433627282090a161718191a25262728292a3435363738393a434445464748494a5354555657"
    "58595a636465666768696a737475767778797a838485868788898a92939495969798999aa2a3a4a5a6a7a8a9aa"
    "b2b3b4b5b6b7b8b9bac2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae1e2e3e4e5e6e7e8e9eaf1f2f3f4f5f6f7f8"
    "f9faffda0008010100003f00fbd3ffd9")


def sign_in(page, base, email):
    page.goto(base + "/auth/login")
    page.get_by_label("E-Mail").fill(email)
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_url(base + "/")


def audit_url(page, base, number="A-2026-0013"):
    page.goto(base + "/audits/")
    page.get_by_role("link", name=number).first.click()
    page.wait_for_url(re.compile(r".*/audits/\d+$"))
    return page.url


def open_scale_cards(page, count):
    codes = page.eval_on_selector_all(
        "article.card-open", "els => els.filter(e => e.querySelector('.scale-scale'))"
                             ".map(e => e.dataset.code)")
    assert len(codes) >= count, f"only {len(codes)} open scale criteria left in the demo audit"
    return codes[:count]


def outbox_rows(page) -> list[dict]:
    """Every entry of the outbox in this browser, whoever made it (read from IndexedDB)."""
    return page.evaluate("""() => new Promise((resolve, reject) => {
        const open = indexedDB.open('aiz-offline', 1);
        open.onsuccess = () => {
          const tx = open.result.transaction('outbox', 'readonly');
          const all = tx.objectStore('outbox').getAll();
          all.onsuccess = () => resolve(all.result.map(r => ({user: r.user, code: r.code,
                                                              kind: r.kind, status: r.status})));
          all.onerror = () => reject(all.error);
        };
        open.onerror = () => reject(open.error);
      })""")


def wait_until_sent(page) -> None:
    """Until this user's outbox is empty (offline.js keeps the count on <body data-outbox>)."""
    expect(page.locator("body")).to_have_attribute("data-outbox", "0", timeout=20000)


def test_a_whole_visit_offline_reaches_the_server_after_reconnecting(
        playwright_driver, live_server, tmp_path):
    profile = tmp_path / "tablet-profile"
    photo = tmp_path / "Aushang_Mietpreise_Foto.jpg"
    photo.write_bytes(JPEG)

    context = persistent_context(playwright_driver, profile)
    page = context.pages[0] if context.pages else context.new_page()
    sign_in(page, live_server, "auditor4@demo.aiz-audit.de")
    url = audit_url(page, live_server)
    page.get_by_role("button", name="Für offline vorbereiten").click()
    expect(page.get_by_test_id("offline-state")).to_contain_text("Offline bereit")

    # The connection drops for the whole visit: the checklist opens from the device.
    context.set_offline(True)
    page.goto(url + "/checklist")
    expect(page.locator("article.card").first).to_be_visible()
    codes = open_scale_cards(page, 5)
    for code in codes:
        card = page.locator(f"#crit-{code}")
        card.locator(".scale-option", has_text="2 – umgesetzt").click()
        expect(card.get_by_test_id("save-state")).to_contain_text("offline gespeichert")
    page.locator(f"#crit-{codes[0]}").get_by_label("Kommentar").fill(
        "Aushang mit Mietpreisen fotografiert – Stand März")
    page.locator(f"#crit-{codes[0]}").get_by_label("Kommentar").blur()
    page.locator(f"#file-{codes[0]}").set_input_files(str(photo))
    expect(page.locator(f"#evidence-{codes[0]} .pending-uploads")).to_contain_text(
        "Aushang_Mietpreise_Foto.jpg – wartet auf Übertragung")
    expect(page.locator("#progress .progress-offline")).to_contain_text("Keine Verbindung")
    screenshot(page, "offline-768-waiting", full_page=False)
    page.reload()  # still offline: the page and everything typed come back from the device
    expect(page.locator(f"#crit-{codes[1]} input[name=points][value='2']")).to_be_checked()
    expect(page.locator(f"#crit-{codes[1]}").get_by_test_id("save-state")).to_contain_text(
        "offline gespeichert")
    expect(page.locator(f"#evidence-{codes[0]} .pending-uploads")).to_contain_text(
        "Aushang_Mietpreise_Foto.jpg")
    context.close()

    # The browser is closed and opened again; still offline at first.
    context = persistent_context(playwright_driver, profile, offline=True)
    page = context.pages[0] if context.pages else context.new_page()
    page.goto(url + "/checklist")
    expect(page.locator(f"#crit-{codes[4]} input[name=points][value='2']")).to_be_checked()
    assert len([r for r in outbox_rows(page) if r["kind"] == "save"]) == 5

    # Back online: everything is sent (after signing in again if the session ended: the
    # outbox waits for a page of the same user and sends from there).
    context.set_offline(False)
    page.goto(url + "/checklist")
    if "/auth/login" in page.url:
        sign_in(page, live_server, "auditor4@demo.aiz-audit.de")
    wait_until_sent(page)
    assert outbox_rows(page) == []
    page.goto(url + "/checklist")
    for code in codes:
        expect(page.locator(f"#crit-{code} input[name=points][value='2']")).to_be_checked()
    expect(page.locator(f"#crit-{codes[0]}").get_by_label("Kommentar")).to_have_value(
        "Aushang mit Mietpreisen fotografiert – Stand März")
    expect(page.locator(f"#evidence-{codes[0]}")).to_contain_text("Aushang_Mietpreise_Foto.jpg")
    page.goto(url)
    trail = page.locator(".timeline").inner_text()
    for code in codes:
        assert code in trail
    screenshot(page, "offline-768-synced", full_page=False)
    context.close()


def test_a_conflict_made_meanwhile_shows_on_the_right_card_and_keeps_the_entry(
        chromium, live_server):
    tablet = chromium.new_context(viewport={"width": 768, "height": 1024}, locale="de-DE")
    page = tablet.new_page()
    sign_in(page, live_server, "auditor4@demo.aiz-audit.de")
    url = audit_url(page, live_server)
    page.goto(url + "/checklist")
    code = open_scale_cards(page, 1)[0]
    tablet.set_offline(True)
    page.locator(f"#crit-{code} .scale-option", has_text="1 – ansatzweise").click()
    expect(page.locator(f"#crit-{code}").get_by_test_id("save-state")).to_contain_text(
        "offline gespeichert")

    # Meanwhile a colleague saves the same criterion online.
    laptop = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="de-DE")
    other = laptop.new_page()
    sign_in(other, live_server, "auditorin@demo.aiz-audit.de")
    other.goto(url + "/checklist")
    other.locator(f"#crit-{code} .scale-option", has_text="3 – vorbildlich").click()
    expect(other.locator(f"#crit-{code}").get_by_test_id("save-state")).to_have_text(SAVED)
    laptop.close()

    tablet.set_offline(False)
    card = page.locator(f"#crit-{code}")
    expect(card).to_have_class(re.compile("card-conflict"))
    expect(card.get_by_test_id("conflict-theirs")).to_contain_text("3 – vorbildlich")
    expect(card.get_by_test_id("conflict-mine")).to_contain_text("1 – ansatzweise")
    assert [r["status"] for r in outbox_rows(page) if r["code"] == code] == ["conflict"]
    page.reload()  # the entry is kept: the conflict is still shown
    expect(page.locator(f"#crit-{code}")).to_have_class(re.compile("card-conflict"))
    screenshot(page, "offline-768-conflict", full_page=False)
    # The auditor decides for their own input: it is saved knowingly, the entry is done.
    page.locator(f"#crit-{code}").get_by_role("button", name="Meine Eingabe speichern").click()
    expect(page.locator(f"#crit-{code}").get_by_test_id("save-state")).to_have_text(SAVED)
    wait_until_sent(page)
    page.goto(url + "/checklist")
    expect(page.locator(f"#crit-{code} input[name=points][value='1']")).to_be_checked()
    tablet.close()


def test_another_user_on_the_same_browser_never_sends_the_first_users_outbox(
        chromium, live_server):
    # No service worker here: the saves are held back by refusing them on the way out.
    context = chromium.new_context(viewport={"width": 768, "height": 1024}, locale="de-DE",
                                   service_workers="block")
    page = context.new_page()
    sign_in(page, live_server, "auditor4@demo.aiz-audit.de")
    url = audit_url(page, live_server)
    page.goto(url + "/checklist")
    code = open_scale_cards(page, 1)[0]

    def refuse_saves(route):
        if route.request.method == "POST" and "/checklist/" in route.request.url:
            route.abort("internetdisconnected")
        else:
            route.continue_()

    context.route("**/*", refuse_saves)
    page.locator(f"#crit-{code} .scale-option", has_text="0 – nicht vorhanden").click()
    expect(page.locator(f"#crit-{code}").get_by_test_id("save-state")).to_contain_text(
        "offline gespeichert")
    # Signing out with something waiting asks; the auditor keeps it for later.
    page.get_by_role("button", name="Abmelden").click()
    dialog = page.locator("#signout-dialog")
    expect(dialog).to_be_visible()
    expect(dialog.locator("[data-count]")).to_have_text("1")
    dialog.get_by_role("button", name="Behalten und abmelden").click()
    page.wait_for_url(re.compile(r".*/auth/login$"))
    context.unroute("**/*", refuse_saves)

    # A colleague signs in on the same browser: the first user's entry stays unsent.
    sign_in(page, live_server, "auditorin@demo.aiz-audit.de")
    page.goto(url + "/checklist")
    page.wait_for_load_state("networkidle")
    expect(page.locator(f"#crit-{code} input[name=points][value='0']")).not_to_be_checked()
    rows = outbox_rows(page)
    assert [(r["code"], r["status"]) for r in rows] == [(code, "pending")]
    expect(page.locator("body")).to_have_attribute("data-outbox", "0")  # none of hers
    page.get_by_role("button", name="Abmelden").click()  # nothing of her own waits: no question
    page.wait_for_url(re.compile(r".*/auth/login$"))

    # The first user signs in again: their change is sent.
    sign_in(page, live_server, "auditor4@demo.aiz-audit.de")
    wait_until_sent(page)
    page.goto(url + "/checklist")
    expect(page.locator(f"#crit-{code} input[name=points][value='0']")).to_be_checked()
    assert outbox_rows(page) == []
    context.close()


def test_the_app_can_be_installed(chromium, live_server):
    context = chromium.new_context()
    page = context.new_page()
    response = page.goto(live_server + "/manifest.webmanifest")
    manifest = response.json()
    assert manifest["display"] == "standalone" and manifest["start_url"] == "/"
    assert any(i["sizes"] == "512x512" for i in manifest["icons"])
    for icon in manifest["icons"]:
        assert page.request.get(live_server + icon["src"]).ok
    worker = page.request.get(live_server + "/sw.js")
    assert worker.ok and worker.headers["service-worker-allowed"] == "/"
    context.close()
