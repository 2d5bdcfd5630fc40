"""Backup and restore: a populated instance round-trips exactly; a bad backup is refused
and changes nothing; a backup taken while saves go on restores to a consistent state."""
from __future__ import annotations

import json
import os
import shutil
import stat
import threading

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from audit_app.extensions import db
from audit_app.models import Assessment, Certificate, Event
from audit_app.services import audits as svc
from audit_app.services import backup as service
from tests.ops.conftest import file_hashes, table_rows, wipe


def test_round_trip_restores_every_row_and_every_file(app, runner, populated, tmp_path):
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Certificate)) == 1
    rows_before = table_rows()
    files_before = file_hashes(app.config["FILES_FOLDER"])
    assert any(k.startswith("evidence/") for k in files_before)
    assert any(k.startswith("certificates/") for k in files_before)
    db.session.remove()

    result = runner.invoke(args=["backup", str(tmp_path / "sicherung")])
    assert result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / "sicherung" / "manifest.json").read_text())
    assert manifest["database"] == app.config["SQLALCHEMY_DATABASE_URI"].split(":")[0].split("+")[0]
    assert manifest["alembic_revision"] == service.head_revision(app)
    assert {"app_version", "created_at", "files", "format"} <= set(manifest)
    listed = {f["path"] for f in manifest["files"]}
    assert {"files/" + k for k in files_before} <= listed
    assert not (tmp_path / "sicherung.partial").exists()

    wipe(app)
    assert table_rows()["centres"] == []
    result = runner.invoke(args=["restore", str(tmp_path / "sicherung")])
    assert result.exit_code == 0, result.output

    assert table_rows() == rows_before
    assert file_hashes(app.config["FILES_FOLDER"]) == files_before
    # The restored instance works: the next certificate number continues the sequence.
    assert db.session.scalar(sa.select(Certificate.number)) == "AIZ-2026-0001"


def _backup(app, tmp_path):
    db.session.remove()
    service.backup(app, tmp_path / "b")
    return tmp_path / "b"


@pytest.mark.parametrize("backend, damage, problem", [
    ("sqlite", "checksum", "checksum"), ("postgresql", "checksum", "checksum"),
    ("sqlite", "missing_file", "missing_file"), ("sqlite", "no_manifest", "no_manifest"),
    ("sqlite", "revision", "revision"), ("postgresql", "revision", "revision"),
    ("sqlite", "bad_manifest", "bad_manifest"),
])
def test_a_damaged_or_foreign_backup_is_refused_and_changes_nothing(
        app, runner, small_instance, tmp_path, damage, problem):
    src = _backup(app, tmp_path)
    manifest_path = src / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    evidence = next(f["path"] for f in manifest["files"] if f["path"].startswith("files/evidence/"))
    if damage == "checksum":
        data = bytearray((src / evidence).read_bytes())
        data[-2] ^= 0xFF
        (src / evidence).write_bytes(bytes(data))
    elif damage == "missing_file":
        (src / evidence).unlink()
    elif damage == "no_manifest":
        manifest_path.unlink()
    elif damage == "revision":
        manifest["alembic_revision"] = "0123456789ab"
        manifest_path.write_text(json.dumps(manifest))
    else:
        manifest_path.write_text("{not json")
    rows_before = table_rows()
    files_before = file_hashes(app.config["FILES_FOLDER"])

    with pytest.raises(service.RestoreRefused) as refused:
        service.restore(app, src, force=True)
    assert refused.value.problem == problem
    if damage in ("checksum", "missing_file"):
        with force_locale("en"):
            assert evidence in str(refused.value.message)
    result = runner.invoke(args=["restore", "--force", str(src)])
    assert result.exit_code == 1
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1

    assert table_rows() == rows_before
    assert file_hashes(app.config["FILES_FOLDER"]) == files_before


@pytest.mark.parametrize("backend", ["sqlite"])
def test_restore_refuses_a_non_empty_database_without_force(app, small_instance, tmp_path):
    src = _backup(app, tmp_path)
    with pytest.raises(service.RestoreRefused) as refused:
        service.restore(app, src)
    assert refused.value.problem == "not_empty"
    service.restore(app, src, force=True)


@pytest.mark.parametrize("umask", [0o022, 0o000], ids=["umask-022", "umask-000"])
def test_the_backup_is_for_its_owner_only_whatever_the_umask(app, small_instance, tmp_path, umask):
    db.session.remove()
    previous = os.umask(umask)
    try:
        service.backup(app, tmp_path / "Sicherung-Würzburg")
    finally:
        os.umask(previous)
    root = tmp_path / "Sicherung-Würzburg"
    found = [root, *root.rglob("*")]
    assert any(p.name.startswith("database") for p in found) and any(
        "evidence" in p.parts for p in found)
    wrong = {p.relative_to(tmp_path).as_posix(): oct(stat.S_IMODE(p.stat().st_mode))
             for p in found if stat.S_IMODE(p.stat().st_mode) != (0o700 if p.is_dir() else 0o600)}
    assert wrong == {}


@pytest.mark.parametrize("backend", ["sqlite"])
def test_backup_refuses_an_existing_folder_with_content(app, tmp_path):
    (tmp_path / "voll").mkdir()
    (tmp_path / "voll" / "x").write_text("x")
    with pytest.raises(service.BackupFailed):
        service.backup(app, tmp_path / "voll")


def test_backup_under_concurrent_saves_restores_to_a_consistent_state(app, small_instance, tmp_path):
    """A writer saves all the time; the backup's hook between the database snapshot and the
    file copy waits until the writer has committed three more saves (no sleeping on a
    guess): writes happened during the backup by construction, and the restore must still
    be consistent."""
    audit_id, lead_id = small_instance.id, small_instance.lead_user.id
    stop = threading.Event()
    saved: list[int] = []
    progress = threading.Condition()
    failures: list[BaseException] = []

    def keep_saving():
        from audit_app.models import Audit, User

        try:
            with app.app_context():
                n = 0
                while not stop.is_set():
                    n += 1
                    audit = db.session.get(Audit, audit_id)
                    actor = db.session.get(User, lead_id)
                    code = "A2"
                    assessment = svc.get_assessment(audit, code)
                    svc.save_assessment(audit, code,
                                        svc.AnswerInput(points=1 + n % 3, comment=f"Stand {n}"),
                                        expected_version=assessment.version, actor=actor)
                    db.session.commit()
                    db.session.remove()
                    with progress:
                        saved.append(n)
                        progress.notify_all()
        except BaseException as exc:  # noqa: BLE001 - reported by the test below
            failures.append(exc)
            with progress:
                progress.notify_all()

    def wait_for_saves(count: int) -> None:
        with progress:
            assert progress.wait_for(lambda: len(saved) >= count or failures, timeout=60)
        assert not failures, failures

    during = []

    def after_snapshot():
        before = len(saved)
        wait_for_saves(before + 3)
        during.append(len(saved) - before)

    writer = threading.Thread(target=keep_saving)
    writer.start()
    try:
        wait_for_saves(5)
        db.session.remove()
        service.backup(app, tmp_path / "live", after_snapshot=after_snapshot)
    finally:
        stop.set()
        writer.join()
    assert not failures, failures
    assert during and during[0] >= 3, "saves went on while the backup ran"

    wipe(app)
    service.restore(app, tmp_path / "live")
    # Every assessment's version counts exactly its saved events: no half-written save.
    versions = dict(db.session.execute(sa.select(Assessment.id, Assessment.version)).all())
    events = dict(db.session.execute(
        sa.select(Event.subject_id, sa.func.count())
        .where(Event.action == "assessment_saved").group_by(Event.subject_id)).all())
    assert versions and all(version == 1 + events.get(aid, 0) for aid, version in versions.items())
    for row in db.session.scalars(sa.select(Assessment).where(Assessment.audit_id == audit_id,
                                                              Assessment.comment.like("Stand %"))):
        last = db.session.scalar(sa.select(Event).where(Event.subject_id == row.id,
                                                        Event.action == "assessment_saved")
                                 .order_by(Event.id.desc()).limit(1))
        assert last.new.get("comment", row.comment) == row.comment
    shutil.rmtree(tmp_path / "live")
