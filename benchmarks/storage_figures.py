"""Storage figures: a download from the database backend ÷ the same download from the folder.

S1  a 60 KB evidence file (the size of a certificate PDF): one registry look-up plus
    a few chunk queries against a file read; the whole request through the test client.
S2  a 20 MB evidence file: 20 chunks of 1 MiB streamed and hashed against the same
    streamed from the files folder.

Both files of each pair have the same size and are downloaded by the same signed-in
client; the body is read to the end (the hash check runs as it streams). On SQLite in
the suite's instance, and on PostgreSQL (``--postgresql``: a throwaway cluster, the
multi-server set-up) as S1pg / S2pg.
"""
from __future__ import annotations

import os
import tempfile

from .harness import measure

SMALL = 60 * 1024
LARGE = 20 * 1024 * 1024


def _store_pair(app, audit_id: int, actor_id: int, size: int) -> dict[str, int]:
    """The same-sized evidence file once in each backend: backend name -> evidence id."""
    from audit_app.extensions import db
    from audit_app.models import Audit, User
    from audit_app.services import audits as svc
    from audit_app.services import evidence as evidence_service

    ids = {}
    with app.app_context():
        audit = db.session.get(Audit, audit_id)
        actor = db.session.get(User, actor_id)
        for name in ("folder", "database"):
            app.config["STORAGE_BACKEND"] = name
            data = b"%PDF-1.7\n" + os.urandom(size - 9)
            evidence = evidence_service.add_evidence(
                audit, svc.get_assessment(audit, "A1"), filename=f"Nachweis-{name}-Größe.pdf",
                data=data, actor=actor, max_bytes=LARGE + 1)
            db.session.commit()
            ids[name] = evidence.id
        app.config["STORAGE_BACKEND"] = "folder"
    return ids


def _download(client, path: str, size: int):
    def call():
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        received = sum(len(piece) for piece in response.response)
        response.close()
        assert received == size, (received, size)
    return call


def figures(app, add, *, client, audit_id: int, actor_id: int, pairs: int, suffix: str = "") -> None:
    for figure, what, size, target, repeat in (
            ("S1", "60 KB download, database ÷ folder backend", SMALL, 1.5, 5),
            ("S2", "20 MB download, database ÷ folder backend", LARGE, 3.0, 1)):
        ids = _store_pair(app, audit_id, actor_id, size)
        base = f"/audits/{audit_id}/evidence/"
        add(measure(figure + suffix, what + (" (PostgreSQL)" if suffix else ""), "folder",
                    _download(client, base + str(ids["folder"]), size),
                    _download(client, base + str(ids["database"]), size),
                    target=target, pairs=pairs, warmup=1, repeat=repeat))


def postgresql_figures(add, *, pairs: int, signed_in) -> None:
    """S1/S2 on a throwaway PostgreSQL cluster (tests/pg_cluster.py), in a temporary instance;
    ``signed_in(app, email)`` gives a signed-in test client."""
    from flask_migrate import upgrade

    from audit_app import create_app
    from audit_app.extensions import db
    from tests.pg_cluster import throwaway_cluster

    from . import data

    with throwaway_cluster() as url, tempfile.TemporaryDirectory(prefix="audit-bench-pg-") as folder:
        previous = os.environ.get("AUDIT_APP_INSTANCE_PATH")
        os.environ["AUDIT_APP_INSTANCE_PATH"] = folder
        try:
            app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
        finally:
            if previous is None:
                os.environ.pop("AUDIT_APP_INSTANCE_PATH", None)
            else:
                os.environ["AUDIT_APP_INSTANCE_PATH"] = previous
        with app.app_context():
            upgrade(directory=app.extensions["migrate"].directory)
            team = data.people()
            catalog = data.real_catalog()
            db.session.commit()
            audit = data.answered_audit(catalog, team)
            audit_id, actor_id = audit.id, team["lead_auditor"].id
        client = signed_in(app, "katrin@bench.example")
        figures(app, add, client=client, audit_id=audit_id, actor_id=actor_id, pairs=pairs,
                suffix="pg")
        with app.app_context():
            db.engine.dispose()
