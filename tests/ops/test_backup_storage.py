"""Backup and restore with the database storage backend: the dump holds the files, the
manifest lists each with its size and SHA-256, and both ends check them."""
from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from audit_app import storage
from audit_app.extensions import db
from audit_app.models import FileChunk, StoredFile
from audit_app.services import backup as service
from tests.ops.conftest import table_rows, wipe


@pytest.fixture
def in_database(app, catalog, request):
    """The populated instance with every file in the database (the files folder empty)."""
    app.config["STORAGE_BACKEND"] = "database"
    audit = request.getfixturevalue("populated")
    assert {b for b in db.session.scalars(sa.select(StoredFile.backend))} == {"database"}
    db.session.remove()
    return audit


def _registered() -> dict[str, tuple[str, int]]:
    return {r.storage_key: (r.sha256, r.size) for r in db.session.scalars(sa.select(StoredFile))}


def test_round_trip_with_the_files_in_the_database(app, runner, in_database, tmp_path):
    rows_before = table_rows()
    registered = _registered()
    db.session.remove()

    result = runner.invoke(args=["backup", str(tmp_path / "sicherung")])
    assert result.exit_code == 0, result.output
    assert "6 gespeicherte Dateien liegen in der Datenbank" in result.output
    manifest = json.loads((tmp_path / "sicherung" / "manifest.json").read_text())
    assert manifest["format"] == 2
    assert {e["key"]: (e["sha256"], e["size"]) for e in manifest["stored_files"]} == registered
    assert not [f for f in manifest["files"] if f["path"].startswith("files/")]

    wipe(app)
    result = runner.invoke(args=["restore", str(tmp_path / "sicherung")])
    assert result.exit_code == 0, result.output
    assert "6 in der Datenbank gespeicherte Dateien stimmen mit der Sicherung überein." \
        in result.output
    assert table_rows() == rows_before
    store = storage.current()
    for key, (digest, _size) in registered.items():
        assert store.read(key, digest)  # checked against its hash on the way


def test_a_damaged_file_in_the_database_fails_the_backup_and_leaves_nothing(
        app, in_database, tmp_path):
    key = db.session.scalars(sa.select(StoredFile.storage_key)
                             .where(StoredFile.storage_key.like("evidence/%"))).first()
    db.session.execute(sa.update(FileChunk).where(FileChunk.storage_key == key)
                       .values(data=b"%PDF-1.4 besch\xc3\xa4digt"))
    db.session.commit()
    db.session.remove()
    with pytest.raises(service.BackupFailed) as failed:
        service.backup(app, tmp_path / "b")
    with force_locale("en"):
        assert key in str(failed.value.message) and "storage check" in str(failed.value.message)
    assert not (tmp_path / "b").exists() and not (tmp_path / "b.partial").exists()


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_registered_file_missing_from_the_folder_fails_the_backup(app, backend, populated,
                                                                    tmp_path):
    from pathlib import Path

    key = db.session.scalars(sa.select(StoredFile.storage_key)
                             .where(StoredFile.storage_key.like("certificates/%"))).first()
    (Path(app.config["FILES_FOLDER"]) / key).unlink()
    db.session.remove()
    with pytest.raises(service.BackupFailed) as failed:
        service.backup(app, tmp_path / "b")
    with force_locale("de"):
        assert key in str(failed.value.message)


def test_restore_reads_back_every_file_the_database_holds(app, runner, in_database, tmp_path):
    """The dump's checksum guards its content; as a second line the restore reads every
    stored file back. A manifest naming other bytes than the dump holds is reported."""
    db.session.remove()
    service.backup(app, tmp_path / "b")
    manifest_path = tmp_path / "b" / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["stored_files"][0]["sha256"] = "0" * 64
    manifest_path.write_text(json.dumps(manifest))
    wipe(app)
    result = runner.invoke(args=["restore", str(tmp_path / "b")])
    assert result.exit_code == 1
    assert manifest["stored_files"][0]["key"] in result.output
    assert "storage check" in result.output
