"""Load test L1: gunicorn with 2 workers, 16 concurrent clients, a realistic mix, both databases.

    python -m benchmarks.load [--duration 30] [--clients 16] [--db sqlite,postgresql] [--json out]

For each database it prepares a fresh instance in a temporary folder (PostgreSQL: a
throwaway cluster, see tests/pg_cluster.py), starts ``gunicorn -c gunicorn.conf.py`` with
2 workers on a free port of 127.0.0.1, signs in 16 clients (stdlib ``http.client``, one
keep-alive connection each) and runs, interleaved: the hello floor, the mix, the hello floor.

The mix per client, by weight: open the checklist, save a criterion (with the version read
from its card; a third of the saves go to three "hot" criteria that every client of the
audit races on), open the review, download the certificate, verify it publicly, and read
the audit through the JSON API with an API token never used before (its first use writes
``last_used_at``, which must never turn a read into a 503 while others write).

Reported per database: requests, errors (5xx, transport errors, unexpected statuses),
p50/p95 latency, throughput and its ratio to the hello floor (same server, same clients),
saves acknowledged / refused with 409, lost updates. A lost update is an acknowledged save
(200) that is not in the database afterwards: every acknowledged (criterion, version) must be
unique (one winner per version, everyone else got 409), its event must exist with the
client's unique comment, and the stored state must be the newest acknowledged save.
Sends traffic only to 127.0.0.1; bounded by time and by --max-requests.
"""
from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import random
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "Last-Test-Passwort-2026"
AUDITORS = 8
HOT_CODES = 3
WEIGHTS = {"checklist": 3, "save": 4, "review": 2, "certificate": 1, "verify": 1, "api": 3}
#: API tokens prepared per audit team, each used first by one "api" request of the mix.
FRESH_TOKENS = 400
_VERSION = re.compile(r'name="version" value="(\d+)"')
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


# --- the instance --------------------------------------------------------------------------


@dataclass
class Plan:
    """What the clients need to know about the prepared instance."""

    emails: list[str]
    audits: list[dict]  # {"id", "codes": [...], "points": {code: [...]}, "members": [emails]}
    certificate: str
    decided_audit: int
    #: Never-used API tokens of each audit's team members, by audit id (popped when used).
    tokens: dict[int, list[str]] = field(default_factory=dict)


def _env(instance: Path, db_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUDIT_APP_")}
    env.update({
        "AUDIT_APP_INSTANCE_PATH": str(instance),
        "AUDIT_APP_SQLALCHEMY_DATABASE_URI": db_url,
        "AUDIT_APP_SECRET_KEY": secrets.token_hex(32),
        "AUDIT_APP_ENV": "production",
        "AUDIT_APP_BASE_URL": "https://zertifikate.example.org",
        # The load clients sign in many times from one address: no throttle for them.
        "AUDIT_APP_LOGIN_MAX_FAILURES_ADDRESS": "100000",
        "AUDIT_APP_LOG_LEVEL": "WARNING",
    })
    return env


def prepare(instance: Path, db_url: str, *, with_certificate: bool = True,
            fresh_tokens: int = FRESH_TOKENS) -> Plan:
    """Schema, catalogue, 8 auditors, 2 audits in progress (4 auditors each), ``fresh_tokens``
    unused API tokens per audit for its team and, with ``with_certificate``, 1 decided audit
    with its certificate (the PDFs take seconds)."""
    from datetime import date

    import sqlalchemy as sa
    from flask_migrate import upgrade

    from audit_app import create_app
    from audit_app.cli import import_all_catalogs
    from audit_app.extensions import db
    from audit_app.models import Centre, Certificate
    from audit_app.services import audits as svc
    from audit_app.services import catalogs as catalog_service
    from audit_app.services import tokens as token_service
    from audit_app.services.catalogs import domain_catalog
    from audit_app.services.users import create_user
    from audit_app.workflow import Action, AuditKind, Decision

    previous = {k: os.environ.get(k) for k in ("AUDIT_APP_INSTANCE_PATH",)}
    os.environ["AUDIT_APP_INSTANCE_PATH"] = str(instance)
    try:
        app = create_app({"SQLALCHEMY_DATABASE_URI": db_url, "SECRET_KEY": "prepare"})
        with app.app_context():
            upgrade(directory=app.extensions["migrate"].directory)
            import_all_catalogs(app.config["CRITERIA_FOLDER"])
            catalog = catalog_service.active_catalogs()[0]
            users = [create_user(email=f"pruefer{i}@last-test.de", name=f"Prüferin Nr. {i} Weiß",
                                 password=PASSWORD, roles=["auditor"]) for i in range(AUDITORS)]
            lead = create_user(email="leitung@last-test.de", name="Jürgen Müller-Strauß",
                               password=PASSWORD, roles=["lead"])
            db.session.commit()

            def centre(name):
                c = Centre(name=name, operating_company="Gründer GmbH", street="Hauptstraße 1",
                           postcode="37077", city="Göttingen", federal_state="NI",
                           founded_year=1990, space_m2=5000, tenant_count=40, staff_count=5)
                db.session.add(c)
                db.session.flush()
                return c

            domain = domain_catalog(catalog.id)
            choices = {c.code: list(c.allowed_points) for c in domain.criteria
                       if c.type.value != "number" and len(c.allowed_points) > 1}
            codes = sorted(choices)
            audits = []
            for n in range(2):
                team = users[n * 4:(n + 1) * 4]
                audit = svc.plan_audit(centre=centre(f"Technologiezentrum Lüneburg {n}"),
                                       catalog=catalog, kind=AuditKind.INITIAL,
                                       planned_on=date(2026, 11, 2), lead_auditor=team[0],
                                       auditors=team[1:])
                db.session.commit()
                audits.append({"id": audit.id, "codes": codes,
                               "points": {c: choices[c] for c in codes},
                               "members": [u.email for u in team]})
            tokens = {a["id"]: [token_service.create_token(users[n * 4 + i % 4],
                                                           label=f"Last {i}")[1]
                                for i in range(fresh_tokens)]
                      for n, a in enumerate(audits)}
            db.session.commit()

            if not with_certificate:
                plan = Plan(emails=[u.email for u in users], audits=audits, certificate="",
                            decided_audit=0, tokens=tokens)
                db.session.remove()
                db.engine.dispose()
                return plan
            decided = svc.plan_audit(centre=centre("Innovationszentrum Görlitz"), catalog=catalog,
                                     kind=AuditKind.INITIAL, planned_on=date(2026, 10, 1),
                                     lead_auditor=users[0], auditors=users[1:])
            for criterion in domain.criteria:
                if criterion.type.value == "number":
                    answer = svc.AnswerInput(value=criterion.bands[-1].start)
                else:
                    answer = svc.AnswerInput(points=max(criterion.allowed_points))
                assessment = svc.get_assessment(decided, criterion.code)
                svc.save_assessment(decided, criterion.code, answer,
                                    expected_version=assessment.version, actor=users[0])
            svc.transition(decided, Action.SUBMIT, users[0])
            svc.transition(decided, Action.BEGIN_REVIEW, lead)
            svc.agree_with_remaining(decided, actor=lead)  # decide needs every row reviewed
            svc.transition(decided, Action.DECIDE, lead, decision=Decision.AWARD,
                           note="Beschluss", now=datetime(2026, 11, 26, 9, 30, tzinfo=UTC))
            db.session.commit()
            number = db.session.scalar(sa.select(Certificate.number)
                                       .where(Certificate.audit_id == decided.id))
            plan = Plan(emails=[u.email for u in users], audits=audits, certificate=number,
                        decided_audit=decided.id, tokens=tokens)
            db.session.remove()
            db.engine.dispose()
        return plan
    finally:
        for key, value in previous.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


# --- gunicorn ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def gunicorn(instance: Path, db_url: str, *, workers: int = 2, extra_env: dict | None = None):
    """Serve the instance with gunicorn.conf.py on a free port of 127.0.0.1; yield (port, proc)."""
    port = free_port()
    env = _env(instance, db_url)
    env.update({"WEB_CONCURRENCY": str(workers), "GUNICORN_BIND": f"127.0.0.1:{port}",
                "GUNICORN_ACCESS_LOG": str(instance / "access.log"),
                "GUNICORN_ERROR_LOG": str(instance / "error.log"),
                "GUNICORN_GRACEFUL_TIMEOUT": "5", **(extra_env or {})})
    with open(instance / "stderr.log", "ab") as stderr:
        proc = subprocess.Popen(
            [str(Path(sys.executable).with_name("gunicorn")), "-c", str(ROOT / "gunicorn.conf.py")],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=stderr, start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                raise RuntimeError("gunicorn did not start:\n" + _tail(instance))
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    conn.close()
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("gunicorn did not answer /healthz:\n" + _tail(instance))
            time.sleep(0.1)
        yield port, proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)  # quick shutdown: the measurement is over
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _tail(instance: Path) -> str:
    text = ""
    for name in ("stderr.log", "error.log"):
        path = instance / name
        if path.exists():
            text += path.read_text(errors="replace")[-3000:]
    return text


# --- clients -------------------------------------------------------------------------------


class Client:
    """One browser-like client: a keep-alive connection and a session cookie."""

    def __init__(self, port: int):
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookie = ""
        self.used_tokens: list[str] = []

    def request(self, method: str, path: str, body: dict | None = None,
                headers: dict | None = None) -> tuple[int, bytes]:
        hdrs = {"Cookie": self.cookie} if self.cookie else {}
        hdrs.update(headers or {})
        data = None
        if body is not None:
            data = urlencode(body).encode()
            hdrs["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=data, headers=hdrs)
                response = self.conn.getresponse()
                payload = response.read()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # A keep-alive connection closed by the server (e.g. a worker recycled by
                # max_requests) before the request was sent: reconnect once. A POST is
                # retried only if nothing came back, which is what an idempotent client
                # library would do; the lost-update check would catch a double apply.
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                if attempt == 2:
                    raise
        for name, value in response.getheaders():
            if name.lower() == "set-cookie" and value.startswith("session="):
                self.cookie = value.split(";", 1)[0]
        return response.status, payload

    def login(self, email: str) -> str:
        status, page = self.request("GET", "/auth/login")
        token = _CSRF.search(page.decode()).group(1)
        status, _ = self.request("POST", "/auth/login",
                                 {"email": email, "password": PASSWORD, "csrf_token": token})
        if status != 302:
            raise RuntimeError(f"sign-in of {email} failed: {status}")
        status, page = self.request("GET", "/")
        self.csrf = _CSRF.search(page.decode()).group(1)
        return self.csrf

    def close(self):
        self.conn.close()


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: Counter = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    acks: list[tuple[int, str, int, str]] = field(default_factory=list)  # audit, code, version, token
    conflicts: int = 0
    requests: int = 0
    #: API reads whose token was used for the first time (its use is written).
    fresh_token_reads: int = 0
    #: Guards every field; notified on each acknowledged save (tests wait for saves with it).
    lock: threading.Condition = field(default_factory=threading.Condition)

    def wait_for_acks(self, count: int, timeout: float) -> bool:
        """Block until at least ``count`` saves were acknowledged (False after ``timeout``)."""
        with self.lock:
            return self.lock.wait_for(lambda: len(self.acks) >= count, timeout=timeout)

    def add(self, action: str, seconds: float, status: int, expected: tuple[int, ...]):
        with self.lock:
            self.requests += 1
            self.latencies[action].append(seconds)
            self.statuses[status] += 1
            if status not in expected:
                self.errors.append(f"{action}: HTTP {status}")


def _timed(stats: Stats, action: str, client: Client, method: str, path: str, *,
           body=None, headers=None, expected=(200,)):
    start = time.perf_counter()
    try:
        status, payload = client.request(method, path, body, headers)
    except (OSError, http.client.HTTPException) as exc:
        with stats.lock:
            stats.requests += 1
            stats.errors.append(f"{action}: {type(exc).__name__}: {exc}")
        return None, b""
    stats.add(action, time.perf_counter() - start, status, expected)
    return status, payload


def run_hello(clients: list[Client], seconds: float, max_requests: int) -> Stats:
    stats = Stats()
    deadline = time.monotonic() + seconds

    def work(client: Client):
        while time.monotonic() < deadline and stats.requests < max_requests:
            _timed(stats, "hello", client, "GET", "/hello")

    _run_threads(clients, work)
    stats.elapsed = seconds
    return stats


def run_mix(clients: list[Client], plan: Plan, seconds: float, max_requests: int,
            seed: int = 1, *, stats: Stats | None = None,
            stop_when: Callable[[Stats], bool] | None = None) -> Stats:
    """Run the realistic mix on every client for ``seconds`` (or ``max_requests``), or until
    ``stop_when(stats)`` is true, whichever comes first."""
    stats = stats if stats is not None else Stats()
    deadline = time.monotonic() + seconds
    actions = [a for a, w in WEIGHTS.items() for _ in range(w)
               if plan.certificate or a not in ("certificate", "verify")]

    def work(client: Client):
        rnd = random.Random(seed * 1000 + client.index)
        audit = client.audit
        base = f"/audits/{audit['id']}"
        own = [c for i, c in enumerate(audit["codes"][HOT_CODES:]) if i % 4 == client.index % 4]
        seq = 0
        while time.monotonic() < deadline and stats.requests < max_requests:
            if stop_when is not None and stop_when(stats):
                break
            action = rnd.choice(actions)
            if action == "checklist":
                _timed(stats, action, client, "GET", base + "/checklist")
            elif action == "review":
                _timed(stats, action, client, "GET", base + "/review")
            elif action == "certificate":
                _timed(stats, action, client, "GET", f"/certificates/{plan.certificate}.pdf")
            elif action == "verify":
                _timed(stats, action, client, "GET", f"/verify/{plan.certificate}.json")
            elif action == "api":
                pool = plan.tokens.get(audit["id"]) or []
                with stats.lock:
                    token = pool.pop() if pool else None
                    if token is not None:
                        stats.fresh_token_reads += 1
                        client.used_tokens.append(token)
                token = token or (rnd.choice(client.used_tokens) if client.used_tokens else None)
                if token is not None:
                    _timed(stats, action, client, "GET", f"/api/v1/audits/{audit['id']}",
                           headers={"Authorization": f"Bearer {token}"})
            else:
                seq += 1
                code = rnd.choice(audit["codes"][:HOT_CODES] if rnd.random() < 0.35 else own)
                status, card = _timed(stats, "card", client, "GET", f"{base}/checklist/{code}/card",
                                      headers={"HX-Request": "true"})
                match = _VERSION.search(card.decode()) if status == 200 else None
                if not match:
                    continue
                token = f"client {client.index} save {seq} – Prüfung"
                status, reply = _timed(
                    stats, "save", client, "POST", f"{base}/checklist/{code}",
                    body={"csrf_token": client.csrf, "version": match.group(1),
                          "points": str(rnd.choice(audit["points"][code])), "comment": token},
                    headers={"HX-Request": "true"}, expected=(200, 409))
                if status == 200:
                    new = _VERSION.search(reply.decode())
                    with stats.lock:
                        stats.acks.append((audit["id"], code, int(new.group(1)) if new else -1, token))
                        stats.lock.notify_all()
                elif status == 409:
                    with stats.lock:
                        stats.conflicts += 1

    _run_threads(clients, work)
    stats.elapsed = seconds
    return stats


def _run_threads(clients, work):
    threads = [threading.Thread(target=work, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def sign_in_clients(port: int, plan: Plan, count: int) -> list[Client]:
    clients = []
    for i in range(count):
        client = Client(port)
        client.index = i
        client.audit = plan.audits[i % len(plan.audits)]
        clients.append(client)

    def login(client: Client):
        members = client.audit["members"]
        client.login(members[(client.index // len(plan.audits)) % len(members)])

    _run_threads(clients, login)
    if not all(getattr(c, "csrf", None) for c in clients):
        raise RuntimeError("not every client could sign in")
    return clients


# --- the lost-update check -----------------------------------------------------------------


def check_saves(instance: Path, db_url: str, acks) -> dict:
    """Compare the acknowledged saves with the database; returns counts and problems."""
    import sqlalchemy as sa

    from audit_app import create_app
    from audit_app.extensions import db
    from audit_app.models import Assessment, CatalogCriterion, Event

    os.environ["AUDIT_APP_INSTANCE_PATH"] = str(instance)
    app = create_app({"SQLALCHEMY_DATABASE_URI": db_url, "SECRET_KEY": "check"})
    problems = []
    with app.app_context():
        seen: dict[tuple, str] = {}
        for audit_id, code, version, token in acks:
            key = (audit_id, code, version)
            if version < 0:
                problems.append(f"{code}: acknowledged without a version")
            if key in seen:
                problems.append(f"{code} v{version}: two winners ({seen[key]!r}, {token!r})")
            seen[key] = token
        rows = db.session.execute(
            sa.select(Assessment.id, Assessment.audit_id, CatalogCriterion.code, Assessment.version,
                      Assessment.comment)
            .join(CatalogCriterion, Assessment.criterion_id == CatalogCriterion.id)
            .where(Assessment.audit_id.in_({a[0] for a in acks} or {0}))).all()
        by_key = {(r.audit_id, r.code): r for r in rows}
        events = defaultdict(list)
        for subject_id, new in db.session.execute(
                sa.select(Event.subject_id, Event.new).where(Event.action == "assessment_saved")
                .order_by(Event.id)):
            events[subject_id].append(new or {})
        newest: dict[tuple, tuple[int, str]] = {}
        for audit_id, code, version, token in acks:
            row = by_key.get((audit_id, code))
            if row is None:
                problems.append(f"{code}: no assessment")
                continue
            if row.version < version:
                problems.append(f"{code}: stored v{row.version} < acknowledged v{version}")
            if not any(e.get("comment") == token for e in events[row.id]):
                problems.append(f"{code}: acknowledged save {token!r} not in the history")
            if version > newest.get((audit_id, code), (0, ""))[0]:
                newest[(audit_id, code)] = (version, token)
        for key, (version, token) in newest.items():
            row = by_key[key]
            if row.version == version and row.comment != token:
                problems.append(f"{key[1]}: newest acknowledged save overwritten")
            if row.version != 1 + len(events[row.id]):
                problems.append(f"{key[1]}: v{row.version} but {len(events[row.id])} saves recorded")
        db.session.remove()
        db.engine.dispose()
    return {"acknowledged": len(acks), "lost_updates": len(problems), "problems": problems[:20]}


# --- one run -------------------------------------------------------------------------------


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    values = sorted(values)
    return values[min(len(values) - 1, round(q * (len(values) - 1)))]


def run_backend(kind: str, db_url: str, folder: Path, *, duration: float, clients: int,
                max_requests: int) -> dict:
    instance = folder / f"instance-{kind}"
    instance.mkdir(parents=True, exist_ok=True)
    if kind == "sqlite":
        db_url = f"sqlite:///{instance / 'load.db'}"
    phases = {}
    t = time.monotonic()
    plan = prepare(instance, db_url)
    phases["prepare"] = time.monotonic() - t
    t = time.monotonic()
    with gunicorn(instance, db_url, workers=2) as (port, _proc):
        phases["start"] = time.monotonic() - t
        t = time.monotonic()
        pool = sign_in_clients(port, plan, clients)
        phases["sign_in"] = time.monotonic() - t
        hello_time = max(1.0, duration / 4)
        hello1 = run_hello(pool, hello_time, max_requests)
        mix = run_mix(pool, plan, duration, max_requests)
        hello2 = run_hello(pool, hello_time, max_requests)
        for c in pool:
            c.close()
        t = time.monotonic()
    phases["stop"] = time.monotonic() - t
    t = time.monotonic()
    saves = check_saves(instance, db_url, mix.acks)
    phases["check"] = time.monotonic() - t
    all_lat = [x for k, v in mix.latencies.items() for x in v]
    hello_rps = (hello1.requests + hello2.requests) / (2 * hello_time)
    mix_rps = mix.requests / duration
    five_xx = sum(n for s, n in mix.statuses.items() if s >= 500) + sum(
        n for s, n in hello1.statuses.items() if s >= 500) + sum(
        n for s, n in hello2.statuses.items() if s >= 500)
    return {
        "database": kind,
        "duration_s": duration,
        "clients": clients,
        "requests": mix.requests,
        "errors": len(mix.errors) + len(hello1.errors) + len(hello2.errors),
        "error_samples": (mix.errors + hello1.errors + hello2.errors)[:10],
        "server_errors_5xx": five_xx,
        "statuses": dict(sorted(mix.statuses.items())),
        "p50_ms": round(_percentile(all_lat, 0.50) * 1000, 1),
        "p95_ms": round(_percentile(all_lat, 0.95) * 1000, 1),
        "per_action_p50_ms": {k: round(statistics.median(v) * 1000, 1)
                              for k, v in sorted(mix.latencies.items())},
        "throughput_rps": round(mix_rps, 1),
        "hello_rps": round(hello_rps, 1),
        "ratio_to_hello": round(mix_rps / hello_rps, 3) if hello_rps else 0.0,
        "target_ratio": 0.1,
        "token_reads": len(mix.latencies.get("api", [])),
        "fresh_token_reads": mix.fresh_token_reads,
        "saves_acknowledged": saves["acknowledged"],
        "saves_conflict_409": mix.conflicts,
        "lost_updates": saves["lost_updates"],
        "lost_update_samples": saves["problems"],
        "phases_s": {k: round(v, 2) for k, v in phases.items()},
    }


def run(backends: list[str], *, duration: float, clients: int, max_requests: int) -> list[dict]:
    results = []
    with tempfile.TemporaryDirectory(prefix="audit-load-") as tmp:
        for kind in backends:
            if kind == "postgresql":
                sys.path.insert(0, str(ROOT))
                from tests.pg_cluster import throwaway_cluster

                with throwaway_cluster() as url:
                    results.append(run_backend(kind, url, Path(tmp), duration=duration,
                                               clients=clients, max_requests=max_requests))
            else:
                results.append(run_backend(kind, "", Path(tmp), duration=duration,
                                           clients=clients, max_requests=max_requests))
    return results


def format_row(r: dict) -> str:
    verdict = "pass" if (r["server_errors_5xx"] == 0 and r["errors"] == 0 and r["lost_updates"] == 0
                         and r["ratio_to_hello"] >= r["target_ratio"]) else "FAIL"
    return (f"L1    {r['database']:10} {r['requests']:7d} req {r['errors']:3d} err "
            f"{r['server_errors_5xx']:3d} 5xx  p50 {r['p50_ms']:7.1f} ms  p95 {r['p95_ms']:7.1f} ms  "
            f"{r['throughput_rps']:7.1f} req/s  hello {r['hello_rps']:7.1f} req/s  "
            f"ratio {r['ratio_to_hello']:5.3f} (≥ 0.1)  token reads {r['token_reads']} "
            f"({r['fresh_token_reads']} fresh)  saves {r['saves_acknowledged']} ok / "
            f"{r['saves_conflict_409']} 409  lost {r['lost_updates']}  {verdict}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=30.0, help="seconds of mixed load")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--db", default="sqlite,postgresql")
    parser.add_argument("--max-requests", type=int, default=200_000)
    parser.add_argument("--json", help="write the results as JSON to this path")
    args = parser.parse_args(argv)
    results = run(args.db.split(","), duration=args.duration, clients=args.clients,
                  max_requests=args.max_requests)
    for r in results:
        print(format_row(r))
        print("      phases (s):", r["phases_s"])
        for sample in r["error_samples"] + r["lost_update_samples"]:
            print("      ", sample)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    ok = all(r["server_errors_5xx"] == 0 and r["errors"] == 0 and r["lost_updates"] == 0
             for r in results)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
