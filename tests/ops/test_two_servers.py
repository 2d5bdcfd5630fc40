"""Two app servers on one PostgreSQL: nothing is kept on one machine.

The module follows the README's move from one server to two: a single-server instance on
a throwaway PostgreSQL with its files in its folder moves them into the database
(``flask storage migrate --to database``, run twice, then ``storage check``); then two
gunicorn servers A and B start, each with its own empty instance folder, the same
SECRET_KEY, the same database and ``STORAGE_BACKEND = "database"``. Whatever happens
through A must hold on B. Real processes throughout; the only waits are for a server to
start and for a process to reach a point the test can observe, each with a deadline.
"""
from __future__ import annotations

import hashlib
import http.client
import os
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from benchmarks import load
from tests.conftest import CRITERIA, ROOT, _test_app
from tests.db.test_shared_state import _next_version
from tests.smtp_sink import smtp_sink

pytestmark = [pytest.mark.slow, pytest.mark.postgresql]

FLASK = str(Path(sys.executable).with_name("flask"))
PASSWORD = load.PASSWORD
SHARED = {  # what the servers must share besides the database URL (load._env)
    "AUDIT_APP_SECRET_KEY": "zwei-server-" + "9f3c" * 13,  # one key: one session cookie for both
    "AUDIT_APP_STORAGE_BACKEND": "database",
    "AUDIT_APP_BASE_URL": "https://zertifikate.example.org",
}
EVIDENCE = b"%PDF-1.7\n" + hashlib.sha512(b"Gesellschaftsvertrag").digest() * 40_000  # 2.4 MiB
TODAY = "2026-11-26"


# --- the instance ---------------------------------------------------------------------------


def prepare(instance: Path, url: str) -> dict:
    """A single-server instance on PostgreSQL with its files in its folder: users, centres,
    two complete audits under review, one in progress with evidence, three labels expiring."""
    from flask_migrate import upgrade

    from audit_app.cli import import_all_catalogs
    from audit_app.extensions import db
    from audit_app.models import Centre, Certificate, CertificateStatus
    from audit_app.services import audits as svc
    from audit_app.services import catalogs as catalog_service
    from audit_app.services import evidence as evidence_service
    from audit_app.services.catalogs import domain_catalog
    from audit_app.services.users import create_user
    from audit_app.workflow import Action, AuditKind

    app = _test_app(url, instance, STORAGE_BACKEND="folder")
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        import_all_catalogs(app.config["CRITERIA_FOLDER"])
        catalog = catalog_service.active_catalogs()[0]

        def user(email, name, role):
            return create_user(email=email, name=name, password=PASSWORD, roles=[role])

        users = {
            "admin": user("geschaeftsstelle@zwei-server.de", "Birgit Schäfer", "admin"),
            "lead": user("leitung@zwei-server.de", "Jürgen Müller-Strauß", "lead"),
            "katrin": user("katrin.oezdemir@zwei-server.de", "Katrin Özdemir", "auditor"),
            "auditor": user("pruefer@zwei-server.de", "Jörg Weiß", "auditor"),
            "locked": user("gesperrt@zwei-server.de", "Götz Gesperrt", "auditor"),
            "session": user("sitzung@zwei-server.de", "Sönke Sitzung", "auditor"),
        }
        db.session.commit()

        def centre(name, city, **kw):
            c = Centre(name=name, operating_company=f"{name} GmbH", street="Hauptstraße 1",
                       postcode="37077", city=city, federal_state="NI", founded_year=1990,
                       space_m2=5000, tenant_count=40, staff_count=5, **kw)
            db.session.add(c)
            db.session.flush()
            return c

        def audit(c):
            return svc.plan_audit(centre=c, catalog=catalog, kind=AuditKind.INITIAL,
                                  planned_on=date(2026, 10, 1), lead_auditor=users["katrin"],
                                  auditors=[users["auditor"]])

        domain = domain_catalog(catalog.id)

        def answer_all(a):
            for criterion in domain.criteria:
                answer = (svc.AnswerInput(value=criterion.bands[-1].start)
                          if criterion.type.value == "number"
                          else svc.AnswerInput(points=max(criterion.allowed_points)))
                svc.save_assessment(a, criterion.code, answer,
                                    expected_version=svc.get_assessment(a, criterion.code).version,
                                    actor=users["katrin"])
            svc.transition(a, Action.SUBMIT, users["katrin"])
            svc.transition(a, Action.BEGIN_REVIEW, users["lead"])

        decide_on_a = audit(centre("Technologiezentrum Göttingen", "Göttingen"))
        answer_all(decide_on_a)
        decide_on_b = audit(centre("Gründerzentrum Lüneburg", "Lüneburg"))
        answer_all(decide_on_b)
        working = audit(centre("Innovationszentrum Würzburg", "Würzburg"))
        for code in ("A1", "A2", "A3", "A4"):
            svc.save_assessment(working, code, svc.AnswerInput(points=3),
                                expected_version=1, actor=users["katrin"])
        evidence_service.add_evidence(
            working, svc.get_assessment(working, "A1"), filename="Gesellschaftsvertrag_Göttingen.pdf",
            data=EVIDENCE, actor=users["katrin"], max_bytes=app.config["EVIDENCE_MAX_BYTES"])

        expiring = []
        for n, (name, until) in enumerate((("Zentrum Überlingen", date(2027, 3, 1)),
                                           ("Gründerhaus Fürth", date(2027, 6, 14)),
                                           ("TechnologiePark Jülich", date(2027, 9, 30))), 1):
            c = centre(name, name.split()[-1], contact_email=f"kontakt{n}@zentrum-test.de")
            a = audit(c)
            cert = Certificate(number=f"AIZ-2022-{n:04d}", audit_id=a.id, centre_id=c.id,
                               catalog_id=catalog.id, valid_from=date(until.year - 5, 1, 1),
                               valid_until=until, status=CertificateStatus.VALID)
            db.session.add(cert)
            expiring.append(cert.number)
        db.session.commit()
        plan = {"emails": {k: u.email for k, u in users.items()},
                "decide_on_a": decide_on_a.id, "decide_on_b": decide_on_b.id,
                "working": working.id, "catalog_id": catalog.id, "expiring": expiring}
        db.session.remove()
        db.engine.dispose()
    assert (instance / "files").is_dir()  # the single server's files are in its folder
    return plan


def server_env(instance: Path, url: str, **extra: str) -> dict[str, str]:
    instance.mkdir(parents=True, exist_ok=True)
    return {**load._env(instance, url), **SHARED, **extra}


def flask(env: dict, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([FLASK, "--app", "audit_app", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout, check=False)


@dataclass
class Servers:
    url: str
    a: int
    b: int
    plan: dict
    root: Path
    engine: sa.Engine

    def env(self, name: str, **extra: str) -> dict[str, str]:
        return server_env(self.root / name, self.url, **extra)


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    from tests.pg_cluster import throwaway_cluster

    root = tmp_path_factory.mktemp("two-servers")
    with throwaway_cluster() as url:
        plan = prepare(root / "single-server", url)
        single = server_env(root / "single-server", url)
        moved = flask(single, "storage", "migrate", "--to", "database")
        assert moved.returncode == 0, moved.stdout + moved.stderr
        assert "1 file(s) copied to database" in moved.stdout
        check = flask(single, "storage", "check")
        assert check.returncode == 0 and "(1 in database)" in check.stdout, check.stdout

        for name in ("a", "b"):
            (root / name).mkdir()
        engine = sa.create_engine(url)
        try:
            with load.gunicorn(root / "a", url, workers=1, extra_env=SHARED) as (port_a, proc_a), \
                    load.gunicorn(root / "b", url, workers=1, extra_env=SHARED) as (port_b, proc_b):
                try:
                    yield Servers(url, port_a, port_b, plan, root, engine)
                finally:
                    for proc in (proc_a, proc_b):  # both stop at once, not one after the other
                        proc.send_signal(signal.SIGINT)
        finally:
            engine.dispose()


class Browser(load.Client):
    """A client of one server; ``cookie`` may be carried over to another server."""

    def get(self, path: str, **headers) -> tuple[int, bytes]:
        return self.request("GET", path, headers=headers)

    def post(self, path: str, body: dict, **headers) -> tuple[int, bytes]:
        return self.request("POST", path, {"csrf_token": self.csrf, **body}, headers)

    def token_from(self, path: str) -> str:
        self.csrf = load._CSRF.search(self.get(path)[1].decode()).group(1)
        return self.csrf

    def upload(self, path: str, field: str, filename: str, data: bytes, content_type: str):
        boundary = uuid.uuid4().hex
        quoted = filename.replace('"', "%22")
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n"
                f"{self.csrf}\r\n--{boundary}\r\nContent-Disposition: form-data; "
                f"name=\"{field}\"; filename=\"{quoted}\"\r\nContent-Type: {content_type}\r\n\r\n"
                ).encode() + data + f"\r\n--{boundary}--\r\n".encode()
        headers = {"Content-Type": f"multipart/form-data; boundary={boundary}",
                   "Cookie": self.cookie}
        self.conn.request("POST", path, body=body, headers=headers)
        response = self.conn.getresponse()
        return response.status, response.read()


def browser(port: int, who: str | None = None, servers: Servers | None = None) -> Browser:
    client = Browser(port)
    if who is not None:
        client.login(servers.plan["emails"][who])
    return client


def _scalar(servers: Servers, sql: str, **params):
    with servers.engine.connect() as conn:
        return conn.execute(sa.text(sql), params).scalar()


# --- files ----------------------------------------------------------------------------------


def test_evidence_uploaded_through_a_downloads_byte_identical_through_b(servers):
    working = servers.plan["working"]
    on_a = browser(servers.a, "katrin", servers)
    on_a.token_from(f"/audits/{working}/checklist")
    data = b"%PDF-1.7\n" + os.urandom(3 * 1024 * 1024 + 17)  # four chunks
    status, _ = on_a.upload(f"/audits/{working}/checklist/A2/evidence", "file",
                            "Mietvertrag_Lübeck § 3.pdf", data, "application/pdf")
    assert status == 302
    evidence_id = _scalar(servers, "SELECT id FROM evidence WHERE original_name = :n",
                          n="Mietvertrag_Lübeck § 3.pdf")
    assert not list((servers.root / "a").rglob("evidence"))  # nothing on A's disk

    on_b = browser(servers.b, "auditor", servers)
    status, body = on_b.get(f"/audits/{working}/evidence/{evidence_id}")
    assert status == 200 and body == data
    # The file the single server had in its folder came along into the database.
    old_id = _scalar(servers, "SELECT id FROM evidence WHERE original_name = :n",
                     n="Gesellschaftsvertrag_Göttingen.pdf")
    status, body = on_b.get(f"/audits/{working}/evidence/{old_id}")
    assert status == 200 and body == EVIDENCE


def test_a_decision_on_a_is_served_and_verified_on_b(servers):
    audit_id = servers.plan["decide_on_a"]
    lead_a = browser(servers.a, "lead", servers)
    lead_a.token_from(f"/audits/{audit_id}/review")
    status, _ = lead_a.post(f"/audits/{audit_id}/review/agree-remaining", {})
    assert status == 302
    status, _ = lead_a.post(f"/audits/{audit_id}/transition/decide",
                            {"decision": "award", "note": "Beschluss des Arbeitskreises – einstimmig"})
    assert status == 302
    with servers.engine.connect() as conn:
        number, pdf_sha, pdf_en_sha = conn.execute(sa.text(
            "SELECT number, pdf_sha256, pdf_en_sha256 FROM certificates WHERE audit_id = :a"),
            {"a": audit_id}).one()
        reports = dict(conn.execute(sa.text(
            "SELECT lang, sha256 FROM audit_reports WHERE audit_id = :a AND current"),
            {"a": audit_id}).all())

    lead_b = browser(servers.b, "lead", servers)
    for lang, digest in (("de", pdf_sha), ("en", pdf_en_sha)):
        status, body = lead_b.get(f"/certificates/{number}.pdf?lang={lang}")
        assert status == 200 and hashlib.sha256(body).hexdigest() == digest
        status, body = lead_b.get(f"/audits/{audit_id}/report.pdf?lang={lang}")
        assert status == 200 and hashlib.sha256(body).hexdigest() == reports[lang]
    status, page = browser(servers.b).get(f"/verify/{number}")
    assert status == 200 and "gültig" in page.decode()

    # Numbering is shared: the next decision, on B, takes the next number.
    lead_b.token_from(f"/audits/{servers.plan['decide_on_b']}/review")
    status, _ = lead_b.post(f"/audits/{servers.plan['decide_on_b']}/review/agree-remaining", {})
    assert status == 302
    status, _ = lead_b.post(f"/audits/{servers.plan['decide_on_b']}/transition/decide",
                            {"decision": "award", "note": "Beschluss – Verlängerung"})
    assert status == 302
    following = _scalar(servers, "SELECT number FROM certificates WHERE audit_id = :a",
                        a=servers.plan["decide_on_b"])
    assert following == f"{number[:-4]}{int(number[-4:]) + 1:04d}"


def test_storage_check_finds_a_corrupted_file(servers):
    key, data = None, None
    with servers.engine.begin() as conn:
        key, data = conn.execute(sa.text(
            "SELECT storage_key, data FROM file_chunks WHERE storage_key LIKE 'evidence/%' "
            "ORDER BY storage_key LIMIT 1")).one()
        conn.execute(sa.text("UPDATE file_chunks SET data = :d WHERE storage_key = :k AND seq = 0"),
                     {"d": b"%PDF-1.4 manipuliert", "k": key})
    try:
        result = flask(servers.env("b"), "storage", "check")
        assert result.returncode == 1
        assert f"corrupt\t{key}\tdatabase" in result.stderr
    finally:
        with servers.engine.begin() as conn:
            conn.execute(sa.text("UPDATE file_chunks SET data = :d WHERE storage_key = :k "
                                 "AND seq = 0"), {"d": data, "k": key})


def test_storage_migrate_to_the_folder_and_back_keeps_every_hash(servers):
    with servers.engine.connect() as conn:
        before = dict(conn.execute(sa.text("SELECT storage_key, sha256 FROM stored_files")).all())
    folder_env = servers.env("folder-copy", AUDIT_APP_STORAGE_BACKEND="folder")
    out = flask(folder_env, "storage", "migrate", "--to", "folder")
    assert out.returncode == 0, out.stdout + out.stderr
    copies = {p.relative_to(servers.root / "folder-copy" / "files").as_posix():
              hashlib.sha256(p.read_bytes()).hexdigest()
              for p in (servers.root / "folder-copy" / "files").rglob("*") if p.is_file()}
    assert copies == before  # every file, byte for byte as registered
    back = flask(folder_env, "storage", "migrate", "--to", "database")
    assert back.returncode == 0, back.stdout + back.stderr
    assert f"0 file(s) copied to database, {len(before)} verified copies kept" in back.stdout
    with servers.engine.connect() as conn:
        after = dict(conn.execute(sa.text("SELECT storage_key, sha256 FROM stored_files "
                                          "WHERE backend = 'database'")).all())
    assert after == before


# --- sign-in, sessions, tokens --------------------------------------------------------------


def test_five_failed_sign_ins_on_a_lock_the_account_on_b(servers):
    email = servers.plan["emails"]["locked"]
    on_a = browser(servers.a)
    for _ in range(5):
        on_a.token_from("/auth/login")
        status, page = on_a.post("/auth/login", {"email": email, "password": "falsch-falsch-123"})
        assert status == 200 and "falsch" in page.decode()
    on_b = browser(servers.b)
    on_b.token_from("/auth/login")
    status, page = on_b.post("/auth/login", {"email": email, "password": PASSWORD})
    assert status == 429 and "Zu viele" in page.decode()


def test_a_session_from_a_is_valid_on_b(servers):
    on_a = browser(servers.a, "session", servers)
    on_b = browser(servers.b)
    on_b.cookie = on_a.cookie
    status, page = on_b.get("/")
    assert status == 200 and "Sönke Sitzung" in page.decode()


def test_a_session_signed_out_on_a_is_refused_on_b(servers):
    on_a = browser(servers.a, "session", servers)
    stolen = on_a.cookie
    on_a.token_from("/")
    status, _ = on_a.post("/auth/logout", {})
    assert status == 302
    on_b = browser(servers.b)
    on_b.cookie = stolen
    status, _ = on_b.get("/")
    assert status == 302  # to the sign-in page


def _api(port: int, token: str, path: str) -> tuple[int, dict]:
    import json

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", f"/api/v1{path}", headers={"Authorization": f"Bearer {token}"})
        response = conn.getresponse()
        return response.status, json.loads(response.read() or b"{}")
    finally:
        conn.close()


def test_api_tokens_and_cached_scores_are_the_same_on_both_servers(servers):
    admin = browser(servers.a, "admin", servers)
    admin.token_from("/admin/tokens")
    lead_id = _scalar(servers, "SELECT id FROM users WHERE email = :e",
                      e=servers.plan["emails"]["lead"])
    status, page = admin.post("/admin/tokens", {"user_id": str(lead_id),
                                                "label": "Abgleich über Server A"})
    assert status == 200
    token = re.search(r'id="new-token"[^>]*value="(aiz_[^"]+)"', page.decode()).group(1)
    assert _api(servers.b, token, "/me")[0] == 200

    working = servers.plan["working"]

    def percent_on_a() -> str:
        status, body = _api(servers.a, token, "/audits?per_page=100")
        assert status == 200
        return next(a["overall_percent"] for a in body["items"] if a["id"] == working)

    first = percent_on_a()
    assert percent_on_a() == first  # now from A's score cache
    version = _scalar(servers, "SELECT a.version FROM assessments a JOIN catalog_criteria c "
                      "ON c.id = a.criterion_id WHERE a.audit_id = :w AND c.code = 'A4'", w=working)
    on_b = browser(servers.b, "auditor", servers)
    status, _ = on_b.post(f"/audits/{working}/checklist/A4",
                          {"version": str(version), "points": "0", "comment": "über Server B"},
                          **{"HX-Request": "true"})
    assert status == 200
    assert percent_on_a() != first

    token_id = _scalar(servers, "SELECT id FROM api_tokens WHERE label = :l",
                       l="Abgleich über Server A")
    assert admin.post(f"/admin/tokens/{token_id}/revoke", {})[0] == 302
    assert _api(servers.b, token, "/me")[0] == 401


# --- catalogue, reminders, concurrent saves -------------------------------------------------


def test_a_catalogue_activated_on_a_is_offered_by_b(servers):
    admin = browser(servers.a, "admin", servers)
    admin.token_from("/admin/catalogs")
    # 2028: init imported criteria/aiz-2027.yaml already.
    text = _next_version(CRITERIA / "aiz-2026.yaml", "2028").encode()
    status, _ = admin.upload("/admin/catalogs", "file", "aiz-2028.yaml", text, "application/x-yaml")
    assert status == 302
    catalog_id = _scalar(servers, "SELECT id FROM catalogs WHERE version = '2028'")
    status, _ = admin.post(f"/admin/catalogs/{catalog_id}/activate", {})
    assert status == 302

    lead_b = browser(servers.b, "lead", servers)
    status, page = lead_b.get("/audits/new")
    assert status == 200
    options = re.findall(r'<option[^>]*value="(\d+)"[^>]*>([^<]*)</option>', page.decode())
    assert any(value == str(catalog_id) and "(aiz-2028)" in label for value, label in options)


def test_reminders_run_on_both_servers_at_once_are_sent_once_each(servers):
    """The mail server holds back the first message until the other run is seen waiting on
    the database for the same reminder's claim: the two runs overlap by construction."""
    with smtp_sink(hold=True) as sink:
        mail = {"AUDIT_APP_MAIL_SERVER": "127.0.0.1", "AUDIT_APP_MAIL_PORT": str(sink.port)}
        runs = [subprocess.Popen(
            [FLASK, "--app", "audit_app", "reminders", "--today", TODAY], cwd=ROOT,
            env=servers.env(name, **mail), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True) for name in ("a", "b")]
        try:
            assert sink.wait_for_messages(1, timeout=60), "no reminder reached the mail server"
            deadline = time.monotonic() + 60
            while _scalar(servers, "SELECT count(*) FROM pg_stat_activity WHERE "
                          "wait_event_type = 'Lock' AND datname = current_database()") < 1:
                assert time.monotonic() < deadline, "the second run never waited for the claim"
                time.sleep(0.05)
            sink.release.set()
            outputs = [run.communicate(timeout=120) for run in runs]
        finally:
            for run in runs:
                if run.poll() is None:
                    run.kill()
    assert [run.returncode for run in runs] == [0, 0], outputs
    numbers = sorted(re.search(r"AIZ-2022-\d{4}", m["data"]).group(0) for m in sink.messages)
    assert numbers == servers.plan["expiring"]  # each once
    sent = [int(re.search(r"Sent (\d+) reminder", out).group(1)) for out, _ in outputs]
    assert sum(sent) == 3 and "sent by another run" in "".join(out for out, _ in outputs)
    assert _scalar(servers, "SELECT count(*) FROM events WHERE action = 'reminder_sent'") == 3


def test_two_concurrent_saves_of_one_criterion_through_a_and_b(servers):
    working = servers.plan["working"]
    version = _scalar(servers, "SELECT a.version FROM assessments a JOIN catalog_criteria c "
                      "ON c.id = a.criterion_id WHERE a.audit_id = :w AND c.code = 'A3'", w=working)
    clients = {"A": browser(servers.a, "katrin", servers),
               "B": browser(servers.b, "auditor", servers)}
    start = threading.Barrier(2, timeout=30)
    statuses = {}

    def save(name: str, points: str) -> None:
        start.wait()
        statuses[name] = clients[name].post(
            f"/audits/{working}/checklist/A3",
            {"version": str(version), "points": points, "comment": f"gespeichert über {name}"},
            **{"HX-Request": "true"})[0]

    threads = [threading.Thread(target=save, args=args) for args in (("A", "2"), ("B", "1"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(statuses.values()) == [200, 409], statuses
    winner = next(name for name, status in statuses.items() if status == 200)
    with servers.engine.connect() as conn:
        stored = conn.execute(sa.text(
            "SELECT a.version, a.comment FROM assessments a JOIN catalog_criteria c "
            "ON c.id = a.criterion_id WHERE a.audit_id = :w AND c.code = 'A3'"), {"w": working}).one()
    assert tuple(stored) == (version + 1, f"gespeichert über {winner}")


def test_nothing_was_written_into_the_servers_instance_folders(servers):
    for name in ("a", "b"):
        written = {p.name for p in (servers.root / name).iterdir()}
        assert written <= {"access.log", "error.log", "stderr.log"}, written
