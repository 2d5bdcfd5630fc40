"""What two app servers on one database must agree on, checked with two apps in one process.

Server A is the test's ``app``; server B is a second app on the same database with an
instance folder of its own. Whatever A keeps per process must notice what B changed. The
same behaviours across real processes: tests/ops/test_two_servers.py.
"""
from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
import sqlalchemy as sa

from audit_app.extensions import db
from audit_app.models import CatalogStatus, CatalogVersion
from audit_app.services import audits as svc
from tests.conftest import CRITERIA, TEST_SETTINGS, _test_app, fresh


@pytest.fixture
def server_b(app, tmp_path):
    """Run a block as server B: ``with server_b(): ...`` (its own app, session and engine)."""
    b = _test_app(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path / "instance-b",
                  **{k: app.config[k] for k in ("PDF_RENDERER",)})
    assert b.config["SECRET_KEY"] == TEST_SETTINGS["SECRET_KEY"]

    @contextlib.contextmanager
    def run():
        with b.app_context():
            try:
                yield b
                db.session.commit()
            finally:
                db.session.remove()

    yield run
    with b.app_context():
        db.engine.dispose()


def test_a_score_cached_on_a_follows_a_save_on_b(app, make_audit, server_b):
    from audit_app.models import Audit
    from audit_app.services.scoring import score_audits

    audit = make_audit(answers={"A1": 3, "A2": 3})
    before = score_audits([audit])[audit.id]
    assert score_audits([audit])[audit.id] is before  # served from A's cache now
    audit_id = audit.id

    with server_b():
        on_b = db.session.get(Audit, audit_id)
        version = svc.get_assessment(on_b, "A2").version
        svc.save_assessment(on_b, "A2", svc.AnswerInput(points=0), expected_version=version,
                            actor=on_b.members[0].user)

    fresh()
    after = score_audits([db.session.get(Audit, audit_id)])[audit_id]
    assert after is not before and after != before
    assert before.criteria["A2"].points == 3 and after.criteria["A2"].points == 0


def test_a_catalogue_activated_on_b_is_the_active_one_on_a(app, catalog, server_b, tmp_path):
    from audit_app.services import catalogs

    assert [c.label for c in catalogs.active_catalogs()] == ["aiz-2026"]
    changed = tmp_path / "aiz-2027.yaml"
    changed.write_text(_next_version(CRITERIA / "aiz-2026.yaml", "2027"), encoding="utf-8")

    with server_b():
        result = catalogs.import_file(changed)
        catalogs.set_status(result.catalog, CatalogStatus.ACTIVE)
        old = db.session.scalar(sa.select(CatalogVersion).where(CatalogVersion.version == "2026"))
        catalogs.set_status(old, CatalogStatus.RETIRED)

    fresh()
    active = catalogs.active_catalogs()
    assert [c.label for c in active] == ["aiz-2027"]
    assert catalogs.domain_catalog(active[0].id).version == "2027"


def _next_version(source: Path, version: str) -> str:
    """The catalogue file as a new version (the same criteria, another version label)."""
    text = source.read_text(encoding="utf-8")
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("version:"):
            lines[i] = f'version: "{version}"'
            break
    else:  # pragma: no cover - the real catalogue has a version line
        raise AssertionError("no version line")
    return "\n".join(lines) + "\n"
