"""Shared fixtures: the app on SQLite and on a real PostgreSQL, clients and factories.

Every test that uses ``app`` runs twice, once per database backend. Tests state their own
data through the ``make_*`` factories; nothing is seeded behind their back.
"""
from __future__ import annotations

import contextvars
import itertools
import os
import re
import shutil
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from tests.pg_cluster import throwaway_cluster

ROOT = Path(__file__).resolve().parent.parent
CRITERIA = ROOT / "criteria"
BACKENDS = ("sqlite", "postgresql")
PASSWORD = "Prüfer-Passwort-2026"

# The developer's own AUDIT_APP_* settings must not leak into the tests.
for _key in list(os.environ):
    if _key.startswith("AUDIT_APP_") and not _key.startswith("AUDIT_APP_TEST_"):
        del os.environ[_key]


@pytest.fixture(scope="session")
def postgres_url():
    """A PostgreSQL database for the session: a given server, or a throwaway cluster."""
    url = os.environ.get("AUDIT_APP_TEST_POSTGRES_URL")
    if url:
        yield url
        return
    with throwaway_cluster() as url:
        yield url


@pytest.fixture(scope="session")
def postgres_schema(postgres_url, tmp_path_factory):
    """Build the schema once per session with the migrations (which a test checks for drift)."""
    from flask_migrate import upgrade

    from audit_app import create_app

    os.environ["AUDIT_APP_INSTANCE_PATH"] = str(tmp_path_factory.mktemp("pg-instance"))
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": postgres_url,
                      "SECRET_KEY": "test"})
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        from audit_app.extensions import db

        db.engine.dispose()
    return postgres_url


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """A SQLite file built once by the migrations; each test gets a copy."""
    from flask_migrate import upgrade

    from audit_app import create_app
    from audit_app.extensions import db

    folder = tmp_path_factory.mktemp("sqlite-template")
    path = folder / "template.db"
    os.environ["AUDIT_APP_INSTANCE_PATH"] = str(folder)
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
                      "SECRET_KEY": "test"})
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        with db.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        db.engine.dispose()
    return path


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return request.param


def _truncate_all(engine) -> None:
    from audit_app.models import Base

    names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")


@pytest.fixture
def app(backend, request, tmp_path, monkeypatch):
    """The application on ``backend`` with an empty schema and its own instance folder."""
    from audit_app import create_app
    from audit_app.extensions import db

    instance = tmp_path / "instance"
    monkeypatch.setenv("AUDIT_APP_INSTANCE_PATH", str(instance))
    if backend == "sqlite":
        shutil.copyfile(request.getfixturevalue("sqlite_template"), tmp_path / "test.db")
        uri = f"sqlite:///{tmp_path / 'test.db'}"
    else:
        uri = request.getfixturevalue("postgres_schema")
    app = create_app({
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": uri,
        "SECRET_KEY": "test-secret",
        "BASE_URL": "https://zertifikate.example.org",
    })
    with app.app_context():
        yield app
        db.session.remove()
        if backend == "postgresql":
            _truncate_all(db.engine)
        db.engine.dispose()


class IsolatedClient(FlaskClient):
    """A test client whose requests run in their own application context.

    The ``app`` fixture keeps an application context open for the test's factories; without
    this, every request would share it (and its ``g``, its locale and its database session)
    instead of getting a fresh one as in production.
    """

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture
def client(app):
    app.test_client_class = IsolatedClient
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def fresh() -> None:
    """Forget what the test's session holds, so its next read sees what requests committed.

    Ends the test's transaction (a SQLite reader keeps its snapshot) and expires the loaded
    objects (the session does not expire them on commit).
    """
    from audit_app.extensions import db

    db.session.rollback()
    db.session.expire_all()


def csrf_token(client, url: str = "/auth/login") -> str:
    """The CSRF token of the client's session, read from a page's form."""
    html = client.get(url).get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, f"no CSRF token on {url}"
    return match.group(1)


class AuthActions:
    def __init__(self, client):
        self._client = client

    def login(self, email: str, password: str = PASSWORD, follow_redirects: bool = False):
        token = csrf_token(self._client)
        return self._client.post(
            "/auth/login",
            data={"email": email, "password": password, "csrf_token": token},
            follow_redirects=follow_redirects,
        )

    def logout(self):
        token = csrf_token(self._client, "/")
        return self._client.post("/auth/logout", data={"csrf_token": token})


@pytest.fixture
def auth(client) -> AuthActions:
    return AuthActions(client)


_seq = itertools.count(1)


@pytest.fixture
def make_user(app):
    """Factory: ``make_user(role="auditor", name=..., email=..., centre=...)``."""
    from audit_app.extensions import db
    from audit_app.services.users import create_user

    def make(role="auditor", *, roles=None, name=None, email=None, centre=None, language="de"):
        n = next(_seq)
        user = create_user(
            email=email or f"prüfer{n}@zentren-test.de".replace("ü", "ue"),
            name=name or f"Jürgen Müller-Strauß {n}",
            password=PASSWORD,
            roles=roles or [role],
            centre_id=centre.id if centre is not None else None,
            language=language,
        )
        db.session.commit()
        return user

    return make


@pytest.fixture
def make_centre(app):
    """Factory: ``make_centre(name=..., federal_state=..., **figures)``."""
    from audit_app.extensions import db
    from audit_app.models import Centre

    def make(**kw):
        n = next(_seq)
        values = dict(
            name=f"Technologiezentrum Göttingen {n}",
            operating_company="Göttinger Innovations- und Technologiezentrum GmbH",
            street="Hans-Adolf-Krebs-Weg 1",
            postcode="37077",
            city="Göttingen",
            federal_state="NI",
            founded_year=1986,
            space_m2=8400,
            tenant_count=74,
            staff_count=9,
        )
        values.update(kw)
        centre = Centre(**values)
        db.session.add(centre)
        db.session.commit()
        return centre

    return make


@pytest.fixture
def catalog(app):
    """The real catalogue criteria/aiz-2026.yaml, imported and active."""
    from audit_app.extensions import db
    from audit_app.services.catalogs import import_file

    result = import_file(CRITERIA / "aiz-2026.yaml", activate=True)
    db.session.commit()
    return result.catalog


@pytest.fixture
def make_audit(app, catalog, make_user, make_centre):
    """Factory: ``make_audit(centre=None, answers={code: AnswerInput | int | Decimal | "na"})``.

    Plans an audit on the real catalogue with a fresh lead auditor and auditor (or the
    given ``lead`` / ``auditors``) and saves the given answers through the service.
    """
    from decimal import Decimal

    from audit_app.extensions import db
    from audit_app.services import audits as svc
    from audit_app.workflow import AuditKind

    def make(centre=None, *, answers=None, lead=None, auditors=None, kind=AuditKind.INITIAL,
             planned_on=date(2026, 11, 2)):
        centre = centre or make_centre()
        lead = lead or make_user("auditor")
        auditors = auditors or [make_user("auditor")]
        audit = svc.plan_audit(
            centre=centre, catalog=catalog, kind=kind, planned_on=planned_on,
            lead_auditor=lead, auditors=auditors,
        )
        for code, answer in (answers or {}).items():
            if answer == "na":
                answer = svc.AnswerInput(not_applicable=True, na_reason="Trifft hier nicht zu – Begründung")
            elif isinstance(answer, int):
                answer = svc.AnswerInput(points=answer)
            elif isinstance(answer, Decimal):
                answer = svc.AnswerInput(value=answer)
            assessment = svc.get_assessment(audit, code)
            svc.save_assessment(audit, code, answer, expected_version=assessment.version, actor=lead)
        db.session.commit()
        return audit

    return make


def full_answers(catalog, **overrides) -> dict:
    """Answers for every criterion of ``catalog``: full marks, numbers at their top band."""
    from decimal import Decimal

    from audit_app.services.catalogs import domain_catalog

    answers = {}
    for criterion in domain_catalog(catalog.id).criteria:
        if criterion.type.value == "number":
            answers[criterion.code] = Decimal(criterion.bands[-1].start)
        else:
            answers[criterion.code] = 3
    answers.update(overrides)
    return answers


def count_queries(engine):
    """Context manager collecting the SQL statements run on ``engine``."""
    from contextlib import contextmanager

    @contextmanager
    def counting():
        statements: list[str] = []

        def before(conn, cursor, statement, *args):
            if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")):
                statements.append(statement)

        sa.event.listen(engine, "before_cursor_execute", before)
        try:
            yield statements
        finally:
            sa.event.remove(engine, "before_cursor_execute", before)

    return counting()
