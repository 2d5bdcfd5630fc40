"""Shared fixtures: the app on SQLite and on a real PostgreSQL, clients and factories.

Every test that uses ``app`` runs twice, once per database backend (``--db`` chooses).
Tests state their own data through the ``make_*`` factories; nothing is seeded behind their
back. What is expensive is built once and copied per test:

- the schema (by the migrations) and the real catalogue ``criteria/aiz-2026.yaml`` live in
  database templates: a SQLite file copied per test, rows inserted into PostgreSQL per test;
- a module may build a read-only world once (``build_template``) and override
  ``db_template`` with it: each of its tests still starts from its own copy;
- passwords are hashed with a cheap PBKDF2 (``PASSWORD_HASH_METHOD``; production: scrypt);
- PDFs are rendered by a recording fake unless the PDF is the subject (``REAL_PDF_DIRS`` and
  the ``real_pdf`` marker).

Under pytest-xdist one throwaway PostgreSQL cluster serves every worker, each worker with a
database of its own.
"""
from __future__ import annotations

import contextvars
import os
import re
import shutil
from contextlib import ExitStack
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from tests import factories
from tests.factories import PASSWORD, full_answers  # noqa: F401 (re-exported for the tests)
from tests.fake_pdf import FakePdfRenderer
from tests.pg_cluster import throwaway_cluster

ROOT = Path(__file__).resolve().parent.parent
CRITERIA = ROOT / "criteria"
BACKENDS = ("sqlite", "postgresql")
#: One PBKDF2 round: hashing stays real (salted, verified) but costs microseconds. Production
#: keeps scrypt; tests/db/test_services.py checks that default.
FAST_PASSWORD_HASH = "pbkdf2:sha256:1"
#: Test folders whose subject is the PDF: they always render with the real WeasyPrint.
REAL_PDF_DIRS = ("pdf", "security", "browser")
#: Settings every test app shares.
TEST_SETTINGS = {
    "TESTING": True,
    "SECRET_KEY": "test-secret",
    "BASE_URL": "https://zertifikate.example.org",
    "PASSWORD_HASH_METHOD": FAST_PASSWORD_HASH,
}

# The developer's own AUDIT_APP_* settings must not leak into the tests.
for _key in list(os.environ):
    if _key.startswith("AUDIT_APP_") and not _key.startswith("AUDIT_APP_TEST_"):
        del os.environ[_key]


# --- command line, markers, the shared PostgreSQL cluster ----------------------------------

def pytest_addoption(parser):
    parser.addoption(
        "--db", default="sqlite,postgresql",
        help="database backends to test, comma-separated (default: sqlite,postgresql)",
    )


def selected_backends(config) -> tuple[str, ...]:
    chosen = tuple(b.strip() for b in config.getoption("--db").split(",") if b.strip())
    unknown = set(chosen) - set(BACKENDS)
    if unknown:
        raise pytest.UsageError(f"--db: unknown backend(s) {sorted(unknown)}; use {BACKENDS}")
    return chosen


def _is_worker(config) -> bool:
    return hasattr(config, "workerinput")


def pytest_configure(config):
    if _is_worker(config) or "postgresql" not in selected_backends(config):
        return
    if config.pluginmanager.hasplugin("xdist"):
        config.pluginmanager.register(_XdistHooks(), "audit-app-xdist")
    if os.environ.get("AUDIT_APP_TEST_POSTGRES_URL"):
        config._audit_pg_url = os.environ["AUDIT_APP_TEST_POSTGRES_URL"]
        return
    # The controller starts the one cluster (about 1.5 s) before any worker exists.
    stack = ExitStack()
    config._audit_pg_stack = stack
    config._audit_pg_url = stack.enter_context(throwaway_cluster())


def pytest_unconfigure(config):
    stack = getattr(config, "_audit_pg_stack", None)
    if stack is not None:
        stack.close()


class _XdistHooks:
    """Give each xdist worker a database of its own on the controller's cluster."""

    @pytest.hookimpl(optionalhook=True)
    def pytest_configure_node(self, node):
        base = getattr(node.config, "_audit_pg_url", None)
        if base is None:
            return
        node.workerinput["audit_app_pg_url"] = _create_database(base, f"app_test_{node.gateway.id}")


def _create_database(base_url: str, name: str) -> str:
    """Create (or re-create) database ``name`` next to ``base_url``'s; return its URL."""
    url = sa.engine.make_url(base_url)
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
            conn.exec_driver_sql(f'CREATE DATABASE "{name}" OWNER "{url.username}" '
                                 "ENCODING 'UTF8'")
    finally:
        engine.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


#: Tests that must not compete with each other for the machine (real browser, gunicorn under
#: load, clusters of their own, fuzzing): one xdist group, run one after another on one
#: worker while the other workers take the rest (``--dist loadgroup``).
SERIAL_FOLDERS = ("browser", "load")
SERIAL_MODULES = ("test_fuzz.py", "test_faults.py", "test_pg_cluster.py")


def _is_serial(item) -> bool:
    parts = Path(str(item.path)).relative_to(ROOT / "tests").parts
    return (parts[0] in SERIAL_FOLDERS or parts[-1] in SERIAL_MODULES
            or item.get_closest_marker("slow") is not None)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Group the serial tests; leave out the PostgreSQL half when ``--db`` does not select it.

    First among the hooks: xdist turns ``xdist_group`` marks into its groups in a hook of
    its own, which would otherwise run before these marks exist (and group nothing).
    """
    for item in items:
        if _is_serial(item):
            item.add_marker(pytest.mark.xdist_group("serial"))
    if "postgresql" in selected_backends(config):
        return
    keep, drop = [], []
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        uses_pg = "postgresql" in params.values() or item.get_closest_marker("postgresql")
        (drop if uses_pg else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@pytest.fixture(scope="session")
def postgres_url(request):
    """This process's PostgreSQL database: the worker's own, or the controller's."""
    config = request.config
    url = getattr(config, "workerinput", {}).get("audit_app_pg_url") or getattr(
        config, "_audit_pg_url", None)
    if url is None:
        pytest.fail("PostgreSQL was not started: run with --db including postgresql")
    return url


# --- database templates ---------------------------------------------------------------------

@dataclass(frozen=True)
class DbTemplate:
    """A prepared database: a SQLite file (copied per test; its rows are inserted into
    PostgreSQL per test), optionally a files folder, and plain data describing it."""

    sqlite_path: Path
    files: Path | None = None
    data: dict = field(default_factory=dict)


def _test_app(uri: str, instance: Path, **settings):
    from audit_app import create_app

    previous = os.environ.get("AUDIT_APP_INSTANCE_PATH")
    os.environ["AUDIT_APP_INSTANCE_PATH"] = str(instance)
    try:
        return create_app({**TEST_SETTINGS, "SQLALCHEMY_DATABASE_URI": uri, **settings})
    finally:
        if previous is None:
            os.environ.pop("AUDIT_APP_INSTANCE_PATH", None)
        else:
            os.environ["AUDIT_APP_INSTANCE_PATH"] = previous


def _finish_sqlite(app) -> None:
    from audit_app.extensions import db

    db.session.remove()
    with db.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    db.engine.dispose()


@pytest.fixture(scope="session")
def empty_template(tmp_path_factory) -> DbTemplate:
    """The schema built by the migrations (which a test checks for drift), no rows."""
    from flask_migrate import upgrade

    folder = tmp_path_factory.mktemp("template-empty")
    path = folder / "template.db"
    app = _test_app(f"sqlite:///{path}", folder / "instance")
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        _finish_sqlite(app)
    return DbTemplate(path)


@pytest.fixture(scope="session")
def sqlite_template(empty_template) -> Path:
    return empty_template.sqlite_path


@pytest.fixture(scope="session")
def catalog_template(tmp_path_factory, empty_template) -> DbTemplate:
    """The schema plus the real catalogue ``criteria/aiz-2026.yaml``, imported and active."""
    from audit_app.extensions import db
    from audit_app.services.catalogs import import_file

    folder = tmp_path_factory.mktemp("template-catalog")
    path = folder / "template.db"
    shutil.copyfile(empty_template.sqlite_path, path)
    app = _test_app(f"sqlite:///{path}", folder / "instance")
    with app.app_context():
        import_file(CRITERIA / "aiz-2026.yaml", activate=True)
        db.session.commit()
        _finish_sqlite(app)
    return DbTemplate(path)


def build_template(tmp_path_factory, base: DbTemplate, builder, name: str = "world") -> DbTemplate:
    """Build a world once into a copy of ``base``: ``builder()`` runs in an app context with
    the factories of :mod:`tests.factories` at hand and returns plain data (ids, e-mails).

    A module uses it in a module-scoped fixture and overrides ``db_template`` with it; each
    test then starts from its own copy of the world (SQLite file and files folder).
    """
    from audit_app.extensions import db

    folder = tmp_path_factory.mktemp(f"template-{name}")
    path = folder / "template.db"
    shutil.copyfile(base.sqlite_path, path)
    files = folder / "files"
    if base.files is not None:
        shutil.copytree(base.files, files)
    app = _test_app(f"sqlite:///{path}", folder / "instance", FILES_FOLDER=str(files),
                    PDF_RENDERER=FakePdfRenderer())
    with app.app_context():
        data = builder()
        db.session.commit()
        _finish_sqlite(app)
    return DbTemplate(path, files=files if files.exists() else None, data=data)


@cache
def _template_rows(path: Path) -> tuple[tuple[str, tuple[dict, ...]], ...]:
    """Every row of a SQLite template, table by table in dependency order (typed values)."""
    from audit_app.models import Base

    engine = sa.create_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as conn:
            return tuple(
                (table.name, tuple(dict(r._mapping) for r in conn.execute(sa.select(table))))
                for table in Base.metadata.sorted_tables
            )
    finally:
        engine.dispose()


def _referenced_first(table, rows) -> list[dict]:
    """The rows with every row a row of the same table points at before it (a renewal audit
    names its previous audit, a carried file its source, which may have a higher id)."""
    columns = [fk.parent.name for fk in table.foreign_keys if fk.column.table is table]
    if not columns:
        return list(rows)
    by_id = {row["id"]: row for row in rows}
    ordered, placed = [], set()

    def place(row, depth=0):
        if row["id"] in placed:
            return
        assert depth < len(rows), f"a cycle of references in {table.name}"
        for column in columns:
            target = by_id.get(row[column])
            if target is not None and target is not row:
                place(target, depth + 1)
        placed.add(row["id"])
        ordered.append(row)

    for row in rows:
        place(row)
    return ordered


def _seed_postgresql(engine, template: DbTemplate) -> None:
    """Insert a template's rows into the (empty) PostgreSQL schema and move the sequences on."""
    from audit_app.models import Base

    tables = Base.metadata.tables
    with engine.begin() as conn:
        for name, rows in _template_rows(template.sqlite_path):
            if not rows:
                continue
            conn.execute(tables[name].insert(), _referenced_first(tables[name], rows))
            column = tables[name].c.get("id")
            if column is not None and column.autoincrement in (True, "auto"):
                conn.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('\"{name}\"', 'id'), "
                    f"(SELECT max(id) FROM \"{name}\"))")


@pytest.fixture(scope="session")
def postgres_schema(postgres_url, tmp_path_factory):
    """Build the PostgreSQL schema once per process with the migrations."""
    from flask_migrate import upgrade

    from audit_app.extensions import db

    app = _test_app(postgres_url, tmp_path_factory.mktemp("pg-instance"))
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        db.engine.dispose()
    return postgres_url


@pytest.fixture
def db_template(request) -> DbTemplate:
    """The database a test starts from: with the real catalogue when it asks for ``catalog``.
    A module overrides this fixture to start its tests from a world of its own."""
    if "catalog" in request.fixturenames:
        return request.getfixturevalue("catalog_template")
    return request.getfixturevalue("empty_template")


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return request.param


def _truncate_all(engine) -> None:
    from audit_app.models import Base

    names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")


def uses_real_pdf(request) -> bool:
    """Whether the test renders real PDFs: marked ``real_pdf`` or in a PDF-centred folder."""
    if request.node.get_closest_marker("real_pdf"):
        return True
    folder = Path(str(request.node.path)).relative_to(ROOT / "tests").parts[0]
    return folder in REAL_PDF_DIRS


@pytest.fixture
def pdf_renders(request) -> FakePdfRenderer | None:
    """The recording renderer the test's app uses (None when it renders real PDFs)."""
    return None if uses_real_pdf(request) else FakePdfRenderer()


#: One application per backend and process, reused by every test (building one costs ~55 ms,
#: mostly Werkzeug compiling the URL rules): each test gets it back with the configuration as
#: built, its own instance and files folder, and its own copy of the database. A test that
#: changes the application itself (adds a route) asks for a fresh one: ``fresh_app`` marker.
_APPS: dict[str, tuple] = {}


def _fresh_app(uri: str, pdf_renders):
    from audit_app import create_app

    return create_app({**TEST_SETTINGS, "SQLALCHEMY_DATABASE_URI": uri,
                       "PDF_RENDERER": pdf_renders})


def _reused_app(backend: str, uri: str):
    """The process's application on ``backend`` and the configuration it was built with."""
    if backend not in _APPS:
        app = _fresh_app(uri, None)
        _APPS[backend] = (app, dict(app.config))
    return _APPS[backend]


def _replace_sqlite_file(app, template: Path, path: Path) -> None:
    """Put a fresh copy of ``template`` at ``path`` (no connection may hold the old file)."""
    from audit_app.extensions import db

    with app.app_context():
        db.engine.dispose()
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(template, path)


@pytest.fixture
def app(backend, request, tmp_path, tmp_path_factory, monkeypatch, db_template, pdf_renders):
    """The application on ``backend`` with its starting data and its own instance folder."""
    from audit_app.extensions import db

    instance = tmp_path / "instance"
    instance.mkdir()
    monkeypatch.setenv("AUDIT_APP_INSTANCE_PATH", str(instance))
    fresh_app = request.node.get_closest_marker("fresh_app") is not None
    if backend == "sqlite":
        if fresh_app:
            path = tmp_path / "test.db"
            shutil.copyfile(db_template.sqlite_path, path)
        else:
            path = tmp_path_factory.getbasetemp() / "reused-app.db"
        uri = f"sqlite:///{path}"
    else:
        uri = request.getfixturevalue("postgres_schema")
    if fresh_app:
        app = _fresh_app(uri, pdf_renders)
    else:
        app, built_with = _reused_app(backend, uri)
        if backend == "sqlite":
            _replace_sqlite_file(app, db_template.sqlite_path, path)
        app.config.clear()
        app.config.update(built_with)
        app.config["PDF_RENDERER"] = pdf_renders
        app.instance_path = str(instance)
        app.config["FILES_FOLDER"] = str(instance / "files")
        app.test_client_class = FlaskClient
    if db_template.files is not None:
        shutil.copytree(db_template.files, app.config["FILES_FOLDER"])
    with app.app_context():
        if backend == "postgresql":
            _seed_postgresql(db.engine, db_template)
        yield app
        db.session.remove()
        if backend == "postgresql":
            _truncate_all(db.engine)
        if fresh_app or backend == "sqlite":
            db.engine.dispose()


class IsolatedClient(FlaskClient):
    """A test client whose requests run in their own application context.

    The ``app`` fixture keeps an application context open for the test's factories; without
    this, every request would share it (and its ``g``, its locale and its database session)
    instead of getting a fresh one as in production. The response body is read inside that
    context too (``buffered``), as a server does: a streamed download keeps its request
    context while it streams.
    """

    def open(self, *args, **kwargs):
        kwargs.setdefault("buffered", True)
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


# --- factories ------------------------------------------------------------------------------

@pytest.fixture
def make_user(app):
    """Factory: ``make_user(role="auditor", name=..., email=..., centre=...)``."""
    return factories.make_user


@pytest.fixture
def make_centre(app):
    """Factory: ``make_centre(name=..., federal_state=..., **figures)``."""
    return factories.make_centre


@pytest.fixture
def catalog(app):
    """The real catalogue criteria/aiz-2026.yaml, imported and active (from the template)."""
    return factories.real_catalog()


@pytest.fixture
def make_audit(app, catalog, make_user, make_centre):
    """Factory: ``make_audit(centre=None, answers={code: AnswerInput | int | Decimal | "na"})``.

    Plans an audit on the real catalogue with a fresh lead auditor and auditor (or the
    given ``lead`` / ``auditors``) and saves the given answers through the service.
    """
    def make(centre=None, **kw):
        kw.setdefault("catalog", catalog)
        return factories.make_audit(centre, **kw)

    return make


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
