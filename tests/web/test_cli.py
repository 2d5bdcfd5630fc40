"""The command line: init, catalogue commands, user creation and demo data."""
from __future__ import annotations

import sqlalchemy as sa

from audit_app.extensions import db
from audit_app.models import Audit, CatalogStatus, CatalogVersion, Centre, Event, User
from audit_app.workflow import AuditStatus, Decision, Role
from tests.conftest import CRITERIA, fresh

_fresh = fresh


def test_init_is_idempotent(runner, backend):
    first = runner.invoke(args=["init"])
    assert first.exit_code == 0, first.output
    assert "aiz-2026: imported" in first.output
    second = runner.invoke(args=["init"])
    assert second.exit_code == 0 and "aiz-2026: already present" in second.output
    _fresh()
    # One row per file in criteria/ (aiz-2026 and its successor aiz-2027).
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CatalogVersion)) == \
        len(list(CRITERIA.glob("*.yaml")))


def test_init_keeps_a_retired_catalogue_retired(runner):
    assert runner.invoke(args=["init"]).exit_code == 0
    assert runner.invoke(args=["catalog", "set-status", "aiz", "2026", "retired"]).exit_code == 0
    assert runner.invoke(args=["init"]).exit_code == 0
    _fresh()
    assert db.session.scalar(sa.select(CatalogVersion.status).where(
        CatalogVersion.version == "2026")) is CatalogStatus.RETIRED


def test_catalog_validate_accepts_the_real_files(runner):
    result = runner.invoke(args=["catalog", "validate", str(CRITERIA / "aiz-2026.yaml")])
    assert result.exit_code == 0
    assert "OK (aiz 2026, 7 categories, 40 criteria)" in result.output


def test_catalog_validate_lists_every_error_with_file_and_line(runner, tmp_path):
    broken = tmp_path / "kaputt-2026.yaml"
    text = (CRITERIA / "aiz-2026.yaml").read_text(encoding="utf-8")
    text = text.replace("weight: 10\n", "weight: 5\n", 1).replace("type: yesno", "type: jein", 1)
    broken.write_text(text, encoding="utf-8")
    result = runner.invoke(args=["catalog", "validate", str(broken)])
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.startswith(str(broken))]
    assert len(lines) >= 2
    assert any("category weights sum to 95, must be 100" in line for line in lines)
    assert any(".type:" in line for line in lines)
    assert all(line.split(":")[1].isdigit() for line in lines if "sum to" not in line)
    assert "Traceback" not in result.output


def test_catalog_import_and_list(runner, tmp_path):
    result = runner.invoke(args=["catalog", "import", str(CRITERIA / "aiz-2026.yaml")])
    assert result.exit_code == 0 and "imported (status draft)" in result.output
    listing = runner.invoke(args=["catalog", "list"]).output
    assert "aiz\t2026\tdraft" in listing
    again = runner.invoke(args=["catalog", "import", "--activate", str(CRITERIA / "aiz-2026.yaml")])
    assert again.exit_code == 0 and "status active" in again.output


def test_catalog_import_of_a_broken_file_stores_nothing(runner, tmp_path):
    broken = tmp_path / "x.yaml"
    broken.write_text("key: aiz\nversion: '2027'\n", encoding="utf-8")
    result = runner.invoke(args=["catalog", "import", str(broken)])
    assert result.exit_code == 1 and "x.yaml" in result.output
    _fresh()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CatalogVersion)) == 0


def test_user_create_from_stdin(runner):
    result = runner.invoke(
        args=["user", "create", "--email", "Jürgen.Müller@Zentren-Test.de", "--name", "Jürgen Müller-Strauß",
              "--role", "lead", "--role", "auditor", "--password-stdin"],
        input="ein-sehr-langes-Passwort\n",
    )
    assert result.exit_code == 0, result.output
    _fresh()
    user = db.session.scalar(sa.select(User))
    assert user.email == "jürgen.müller@zentren-test.de"
    assert user.roles == {Role.LEAD, Role.AUDITOR}
    assert user.check_password("ein-sehr-langes-Passwort")


def test_user_create_refuses_unknown_role_and_duplicate_email(runner, make_user):
    make_user(email="doppelt@zentren-test.de")
    bad_role = runner.invoke(
        args=["user", "create", "--email", "neu@zentren-test.de", "--name", "Neu",
              "--role", "chef", "--password-stdin"], input="ein-sehr-langes-Passwort\n")
    assert bad_role.exit_code == 1 and "roles: unknown role" in bad_role.output
    duplicate = runner.invoke(
        args=["user", "create", "--email", "doppelt@zentren-test.de", "--name", "Doppelt",
              "--role", "auditor", "--password-stdin"], input="ein-sehr-langes-Passwort\n")
    assert duplicate.exit_code == 1 and "email: is already registered" in duplicate.output
    _fresh()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1


def test_demo_data_is_realistic_and_idempotent(runner, client, auth):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert "leitung@demo.aiz-audit.de" in result.output and "demo-passwort-2026" in result.output
    _fresh()
    centres = db.session.scalars(sa.select(Centre)).all()
    assert len(centres) >= 12
    assert len({c.federal_state for c in centres}) >= 12
    assert any("ö" in c.name or "ü" in c.name for c in centres)
    statuses = set(db.session.scalars(sa.select(Audit.status)))
    assert statuses == set(AuditStatus)
    decisions = set(db.session.scalars(sa.select(Audit.decision).where(Audit.decision.is_not(None))))
    assert decisions == set(Decision)
    roles = {r for u in db.session.scalars(sa.select(User)) for r in u.roles}
    assert roles == set(Role)
    # The story is in order: submitted, review begun, then decided on the meeting date.
    for audit in db.session.scalars(sa.select(Audit).where(Audit.decided_at.is_not(None))):
        moments = {e.action: e.occurred_at for e in db.session.scalars(
            sa.select(Event).where(Event.audit_id == audit.id))}
        assert moments["audit_submit"] < moments["audit_begin_review"] < audit.decided_at
        assert moments["audit_decide"] == audit.decided_at
    # Conditions open, answered, closed and overdue; a renewal in progress on catalogue 2027.
    from audit_app.services.certificates import today_in_berlin
    from audit_app.services.conditions import state_of
    from audit_app.models import Condition

    today = today_in_berlin()
    states = {state_of(c, today).value for c in db.session.scalars(sa.select(Condition))}
    assert {"open", "answered", "closed", "overdue"} <= states
    renewals = db.session.scalars(sa.select(Audit).where(
        Audit.previous_audit_id.is_not(None), Audit.status == AuditStatus.IN_PROGRESS)).all()
    assert any(a.catalog.version == "2027" and a.previous_audit.catalog.version == "2026"
               for a in renewals)
    counts = (len(centres), db.session.scalar(sa.select(sa.func.count()).select_from(Audit)))
    again = runner.invoke(args=["demo"])
    assert again.exit_code == 0 and "already present" in again.output
    _fresh()
    assert (db.session.scalar(sa.select(sa.func.count()).select_from(Centre)),
            db.session.scalar(sa.select(sa.func.count()).select_from(Audit))) == counts
    # A printed demo login works.
    response = auth.login("leitung@demo.aiz-audit.de", "demo-passwort-2026", follow_redirects=True)
    assert "Technologiezentrum Göttingen" in response.get_data(as_text=True)
