"""Helpers for the operations tests: a populated instance and its complete snapshot."""
from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from audit_app.extensions import db
from audit_app.services import audits as svc
from audit_app.workflow import Action, Decision
from tests.conftest import full_answers

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def table_rows(engine=None) -> dict[str, list[tuple]]:
    """Every row of every table (Alembic's included), in primary-key order."""
    engine = engine or db.engine
    meta = sa.MetaData()
    meta.reflect(bind=engine)
    rows = {}
    with engine.connect() as conn:
        for table in meta.sorted_tables:
            order = list(table.primary_key.columns) or list(table.columns)
            rows[table.name] = [tuple(r) for r in conn.execute(sa.select(table).order_by(*order))]
    return rows


def file_hashes(folder) -> dict[str, str]:
    folder = Path(folder)
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def wipe(app) -> None:
    """Empty every table (the schema stays) and the files folder: a blank instance."""
    import shutil

    from audit_app.models import Base

    db.session.remove()
    names = [t.name for t in Base.metadata.sorted_tables]
    with db.engine.begin() as conn:
        if db.engine.dialect.name == "postgresql":
            conn.exec_driver_sql("TRUNCATE " + ", ".join(f'"{n}"' for n in names)
                                 + " RESTART IDENTITY CASCADE")
        else:
            for name in reversed(names):
                conn.exec_driver_sql(f'DELETE FROM "{name}"')
    shutil.rmtree(app.config["FILES_FOLDER"], ignore_errors=True)


@pytest.fixture
def small_instance(app, make_user, make_centre, make_audit, catalog):
    """A centre with umlauts and an audit in progress with two answers and two evidence
    files. Returns the audit (``.lead_user`` is its lead auditor)."""
    from audit_app.services import evidence as evidence_service

    lead, auditor = make_user("auditor"), make_user("auditor")
    working = make_audit(make_centre(name="Gründerzentrum Würzburg – Süd"),
                         answers={"A1": 3, "A2": 2}, lead=lead, auditors=[auditor])
    for code, name in (("A1", "Gesellschaftsvertrag_Münster.pdf"), ("A2", "Mietvertrag § 3.pdf")):
        evidence_service.add_evidence(
            working, svc.get_assessment(working, code), filename=name,
            data=PDF_BYTES + code.encode(), actor=lead,
            max_bytes=10**6)
    db.session.commit()
    working.lead_user = lead
    return working


@pytest.fixture
def populated(app, small_instance, make_user, make_centre, make_audit, catalog):
    """``small_instance`` plus a decided audit with its certificate PDF."""
    lead, auditor = small_instance.lead_user, make_user("auditor")
    wg_lead = make_user("lead", name="Jürgen Müller-Strauß")
    decided = make_audit(make_centre(name="Technologiezentrum Göttingen-Weende"),
                         answers=full_answers(catalog), lead=lead, auditors=[auditor])
    svc.transition(decided, Action.SUBMIT, lead)
    svc.transition(decided, Action.BEGIN_REVIEW, wg_lead)
    svc.agree_with_remaining(decided, actor=wg_lead)  # decide needs every row reviewed
    svc.transition(decided, Action.DECIDE, wg_lead, decision=Decision.AWARD,
                   note="Beschluss des Arbeitskreises – einstimmig",
                   now=datetime(2026, 11, 26, 9, 30, tzinfo=UTC))
    db.session.commit()
    return small_instance


__all__ = ["PDF_BYTES", "date", "file_hashes", "populated", "small_instance", "table_rows", "wipe"]


class StoppableCluster:
    """A throwaway PostgreSQL cluster of its own that a test can stop and start again."""

    def __init__(self):
        import os
        import pwd
        import tempfile

        from tests import pg_cluster

        self._pg = pg_cluster
        self.bindir = pg_cluster._bin_dir()
        if self.bindir is None:
            raise RuntimeError("PostgreSQL is not installed (no initdb); `make test` installs it")
        self.folder = tempfile.mkdtemp(prefix="audit-app-pg-fault-")
        if os.geteuid() == 0:
            pw = pwd.getpwnam("postgres")
            os.chown(self.folder, pw.pw_uid, pw.pw_gid)
        os.chmod(self.folder, 0o700)
        self.data = os.path.join(self.folder, "data")
        self.port = pg_cluster._free_port()
        self.url = f"postgresql+psycopg://app:app@127.0.0.1:{self.port}/app_test"
        self.running = False

    def _ctl(self, *args):
        self._pg._as_postgres([f"{self.bindir}/pg_ctl", "-D", self.data, "-w", *args])

    def create(self):
        import os

        self._pg._as_postgres([f"{self.bindir}/initdb", "-D", self.data, "--auth=trust", "-E",
                               "UTF8", "--locale=C.UTF-8", "-U", "postgres"])
        self.start()
        psql = [f"{self.bindir}/psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
                "-v", "ON_ERROR_STOP=1", "-q", "-c"]
        self._pg._as_postgres([*psql, "CREATE ROLE app LOGIN CREATEDB PASSWORD 'app'"])
        self._pg._as_postgres([*psql, "CREATE DATABASE app_test OWNER app ENCODING 'UTF8'"])
        assert os.path.isdir(self.data)

    def start(self):
        import os

        self._ctl("-l", os.path.join(self.folder, "log"), "start", "-o",
                  f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off "
                  "-c synchronous_commit=off -c full_page_writes=off")
        self.running = True

    def stop(self, mode: str = "fast"):
        self._ctl("-m", mode, "stop")
        self.running = False

    def destroy(self):
        import shutil
        import subprocess

        if self.running:
            try:
                self.stop("immediate")
            except subprocess.CalledProcessError:
                pass
        shutil.rmtree(self.folder, ignore_errors=True)


@pytest.fixture
def stoppable_postgres():
    cluster = StoppableCluster()
    try:
        cluster.create()
        yield cluster
    finally:
        cluster.destroy()
