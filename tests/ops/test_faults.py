"""Faults: the database goes away, a worker dies mid-save, the disk refuses a file.

(A PDF render raising during a decision is covered in tests/pdf/test_certificates.py:
test_failing_render_leaves_the_audit_undecided and ..._shows_an_error_on_the_web_decision.)
"""
from __future__ import annotations

import io
import os
import re
import signal
import threading

import pytest
import sqlalchemy as sa

from audit_app.extensions import db
from audit_app.models import Assessment, Event, Evidence
from tests.conftest import IsolatedClient, csrf_token
from tests.ops.conftest import PDF_BYTES

sqlite_only = pytest.mark.parametrize("backend", ["sqlite"])


# --- PostgreSQL stopped in the middle --------------------------------------------------------


@pytest.fixture
def app_on_stoppable_postgres(stoppable_postgres, tmp_path, monkeypatch):
    from flask_migrate import upgrade

    from audit_app import create_app

    monkeypatch.setenv("AUDIT_APP_INSTANCE_PATH", str(tmp_path / "instance"))
    app = create_app({"TESTING": True, "SECRET_KEY": "fault",
                      "SQLALCHEMY_DATABASE_URI": stoppable_postgres.url})
    app.test_client_class = IsolatedClient
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        yield app, stoppable_postgres
        db.session.remove()
        db.engine.dispose()


def _save(client, audit_id, code, version, comment, **headers):
    return client.post(f"/audits/{audit_id}/checklist/{code}",
                       data={"csrf_token": csrf_token(client, "/") if not headers.get("token")
                             else headers.pop("token"),
                             "version": str(version), "points": "2", "comment": comment},
                       headers={"HX-Request": "true", **headers})


@pytest.mark.slow
def test_postgres_stopped_answers_503_and_the_app_recovers_without_restart(
        app_on_stoppable_postgres):
    from datetime import date

    from audit_app.cli import import_all_catalogs
    from audit_app.models import Centre
    from audit_app.services import audits as svc
    from audit_app.services.users import create_user
    from audit_app.workflow import AuditKind

    app, cluster = app_on_stoppable_postgres
    import_all_catalogs(app.config["CRITERIA_FOLDER"])
    from audit_app.services.catalogs import active_catalogs

    lead = create_user(email="ausfall@zentren-test.de", name="Ösen Ausfall", password="Passwort-123456",
                       roles=["auditor"])
    second = create_user(email="zweite@zentren-test.de", name="Zweite Prüferin",
                         password="Passwort-123456", roles=["auditor"])
    centre = Centre(name="Zentrum Überlingen", operating_company="Ü GmbH", street="Weg 1",
                    postcode="88662", city="Überlingen", federal_state="BW", founded_year=1999,
                    space_m2=1000, tenant_count=10, staff_count=2)
    db.session.add(centre)
    audit = svc.plan_audit(centre=centre, catalog=active_catalogs()[0], kind=AuditKind.INITIAL,
                           planned_on=date(2026, 11, 2), lead_auditor=lead, auditors=[second])
    db.session.commit()
    audit_id = audit.id
    db.session.remove()

    client = app.test_client()
    token = csrf_token(client)
    assert client.post("/auth/login", data={"email": "ausfall@zentren-test.de",
                                            "password": "Passwort-123456",
                                            "csrf_token": token}).status_code == 302
    token = csrf_token(client, "/")
    assert _save(client, audit_id, "A2", 1, "vor dem Ausfall", token=token).status_code == 200

    cluster.stop("fast")
    page = client.get(f"/audits/{audit_id}/checklist")
    assert page.status_code == 503 and page.mimetype == "text/html"
    assert "Traceback" not in page.get_data(as_text=True)
    save = _save(client, audit_id, "A2", 2, "während des Ausfalls", token=token)
    assert save.status_code == 503
    health = app.test_client().get("/healthz")  # a load balancer, no session
    assert health.status_code == 503 and health.get_json()["database"] == "unavailable"
    as_json = client.get("/verify/AIZ-2026-0001.json", headers={"Accept": "application/json"})
    assert as_json.status_code == 503 and as_json.is_json
    if any(r.rule.startswith("/api/") for r in app.url_map.iter_rules()):
        api = client.get("/api/v1/register")
        assert api.status_code == 503 and api.is_json

    cluster.start()
    assert app.test_client().get("/healthz").status_code == 200
    assert client.get(f"/audits/{audit_id}/checklist").status_code == 200
    assert _save(client, audit_id, "A2", 2, "nach dem Ausfall", token=token).status_code == 200
    # Nothing half-written: every version step has its event, the failed save left nothing.
    db.session.remove()
    comments = [e.new.get("comment") for e in db.session.scalars(
        sa.select(Event).where(Event.action == "assessment_saved").order_by(Event.id))]
    assert comments == ["vor dem Ausfall", "nach dem Ausfall"]
    assessment = db.session.scalar(sa.select(Assessment).where(Assessment.audit_id == audit_id,
                                                                Assessment.version > 1))
    assert assessment.version == 3 and assessment.comment == "nach dem Ausfall"


# --- a gunicorn worker killed during saves ---------------------------------------------------


def _worker_pids(master_pid: int) -> list[int]:
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    fields = fh.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == master_pid:
                pids.append(int(entry))
    return pids


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_a_worker_killed_during_saves_loses_no_acknowledged_save(kind, tmp_path):
    from benchmarks import load
    from tests.pg_cluster import throwaway_cluster

    def run(url):
        instance = tmp_path / "instance"
        instance.mkdir()
        if kind == "sqlite":
            url = f"sqlite:///{instance / 'kill.db'}"
        plan = load.prepare(instance, url, with_certificate=False)
        with load.gunicorn(instance, url, workers=2) as (port, proc):
            clients = load.sign_in_clients(port, plan, 8)
            killed: list[int] = []
            acks_at_kill: list[int] = []
            stats = load.Stats()

            def killer():
                # Kill a worker once saves are flowing (20 acknowledged), not after a guessed
                # delay; the mix then goes on until 20 more saves were acknowledged.
                if not stats.wait_for_acks(20, timeout=60):
                    return
                victim = _worker_pids(proc.pid)[0]
                with stats.lock:
                    acks_at_kill.append(len(stats.acks))
                os.kill(victim, signal.SIGKILL)
                killed.append(victim)

            def enough(s: load.Stats) -> bool:
                return bool(acks_at_kill) and len(s.acks) >= acks_at_kill[0] + 20

            thread = threading.Thread(target=killer)
            thread.start()
            load.run_mix(clients, plan, 90.0, 20000, stats=stats, stop_when=enough)
            thread.join()
            assert acks_at_kill and len(stats.acks) >= acks_at_kill[0] + 20, (
                "saves went on after the worker was killed")
            assert killed and proc.poll() is None  # the master lives on and replaced it
            for c in clients:
                c.close()
        result = load.check_saves(instance, url, stats.acks)
        assert stats.acks, "saves were acknowledged"
        assert result["lost_updates"] == 0, result["problems"]
        assert not [s for s in stats.statuses if s >= 500], stats.statuses

    if kind == "postgresql":
        with throwaway_cluster() as url:
            run(url)
    else:
        run("")


# --- the files folder refuses the upload -----------------------------------------------------


def _upload(client, audit_id, code="A1"):
    page = client.get(f"/audits/{audit_id}/checklist").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    return client.post(f"/audits/{audit_id}/checklist/{code}/evidence",
                       data={"csrf_token": token, "file": (io.BytesIO(PDF_BYTES), "Nachweis.pdf")},
                       content_type="multipart/form-data", headers={"HX-Request": "true"})


@pytest.mark.parametrize("fault", ["not_writable", "disk_full"])
def test_an_upload_the_disk_refuses_fails_clearly_and_leaves_no_row(
        app, client, auth, make_user, make_audit, monkeypatch, tmp_path, fault):
    from audit_app.services import evidence as evidence_service

    lead = make_user("auditor")
    audit = make_audit(lead=lead)
    auth.login(lead.email)
    if fault == "not_writable":
        # Root ignores permission bits, so "not writable" is a files folder below a file.
        blocker = tmp_path / "blocker"
        blocker.write_text("not a folder")
        app.config["FILES_FOLDER"] = str(blocker / "files")
    else:
        def full(fd):
            raise OSError(28, "No space left on device")

        monkeypatch.setattr(evidence_service.os, "fsync", full)
    response = _upload(client, audit.id)
    assert response.status_code == 422
    assert "could not be stored" in response.get_data(as_text=True) or \
        "nicht gespeichert" in response.get_data(as_text=True)
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Evidence)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Event)
                             .where(Event.action == "evidence_added")) == 0
    folder = app.config["FILES_FOLDER"]
    leftovers = [p for p in __import__("pathlib").Path(folder).rglob("*") if p.is_file()] \
        if os.path.isdir(folder) else []
    assert leftovers == []
