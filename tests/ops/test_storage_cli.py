"""``flask storage check`` and ``flask storage migrate`` on SQLite and PostgreSQL.

A populated instance (two evidence files, a decided audit with its certificate and report
PDFs in German and English) moves to the database and back; every hash stays, a corrupted
or missing file is named by the check, and an interrupted migration resumes.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import sqlalchemy as sa

from audit_app import storage
from audit_app.extensions import db
from audit_app.models import FileChunk, StoredFile
from audit_app.storage import manage
from tests.ops.conftest import file_hashes


def _registry() -> dict[str, tuple[str, str]]:
    db.session.rollback()
    return {r.storage_key: (r.sha256, r.backend) for r in db.session.scalars(sa.select(StoredFile))}


def _named() -> dict[str, str]:
    db.session.rollback()
    return {key: digest for key, (digest, _) in manage.references(db.session).items()}


def _contents() -> dict[str, str]:
    """The SHA-256 of every named file as the store serves it (each checked on the way)."""
    store = storage.current()
    result = {key: hashlib.sha256(store.read(key, digest)).hexdigest()
              for key, digest in _named().items()}
    db.session.rollback()
    return result


def test_check_passes_on_a_healthy_instance(runner, populated):
    result = runner.invoke(args=["storage", "check"])
    assert result.exit_code == 0, result.output
    assert "Checked 6 file(s)" in result.output and "(6 in folder)" in result.output
    assert "All files match their SHA-256." in result.output


def test_migrate_there_and_back_keeps_every_hash(app, runner, populated):
    named = _named()
    assert len(named) == 6 and set(_registry()) == set(named)
    files_before = file_hashes(app.config["FILES_FOLDER"])

    app.config["STORAGE_BACKEND"] = "database"
    result = runner.invoke(args=["storage", "migrate", "--to", "database"])
    assert result.exit_code == 0, result.output
    assert "6 file(s) copied to database, 0 verified copies kept from before; 6 row(s) " \
           "switched to database." in result.output
    assert {backend for _, backend in _registry().values()} == {"database"}
    assert _contents() == named
    check = runner.invoke(args=["storage", "check"])
    assert check.exit_code == 0 and "(6 in database)" in check.output, check.output

    again = runner.invoke(args=["storage", "migrate", "--to", "database"])
    assert again.exit_code == 0 and "0 file(s) copied" in again.output
    assert "0 row(s) switched" in again.output

    # Back to the folder: the folder copies are verified and kept, nothing is rewritten.
    app.config["STORAGE_BACKEND"] = "folder"
    back = runner.invoke(args=["storage", "migrate", "--to", "folder"])
    assert back.exit_code == 0, back.output
    assert "0 file(s) copied to folder, 6 verified copies kept from before; 6 row(s) " \
           "switched to folder." in back.output
    assert {backend for _, backend in _registry().values()} == {"folder"}
    assert _contents() == named
    assert file_hashes(app.config["FILES_FOLDER"]) == files_before

    # With the folder emptied, going back really copies out of the database.
    for key in named:
        (Path(app.config["FILES_FOLDER"]) / key).unlink()
    db.session.execute(sa.update(StoredFile).values(backend="database"))
    db.session.commit()
    out = runner.invoke(args=["storage", "migrate", "--to", "folder"])
    assert out.exit_code == 0 and "6 file(s) copied to folder" in out.output, out.output
    assert file_hashes(app.config["FILES_FOLDER"]) == files_before
    assert _contents() == named


def test_check_names_corrupt_and_missing_files_with_what_uses_them(app, runner, populated):
    app.config["STORAGE_BACKEND"] = "database"
    assert runner.invoke(args=["storage", "migrate", "--to", "database"]).exit_code == 0
    registry = _registry()
    evidence_key = next(k for k in registry if k.startswith("evidence/")
                        and k in _evidence_keys("Gesellschaftsvertrag_Münster.pdf"))
    certificate_key = next(k for k in registry if k.startswith("certificates/"))
    db.session.execute(sa.update(FileChunk).where(FileChunk.storage_key == evidence_key)
                       .values(data=b"%PDF-1.4 manipuliert"))
    db.session.execute(sa.delete(FileChunk).where(FileChunk.storage_key == certificate_key))
    db.session.commit()

    result = runner.invoke(args=["storage", "check"])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    corrupt = next(line for line in lines if line.startswith("corrupt\t"))
    assert evidence_key in corrupt and "Gesellschaftsvertrag_Münster.pdf" in corrupt
    missing = next(line for line in lines if line.startswith("missing\t"))
    assert certificate_key in missing and "certificate AIZ-2026-" in missing
    assert "1 missing, 1 corrupt." in result.output
    # Such bytes are never served: the evidence download answers 404, not the manipulated file.
    with app.test_request_context():
        from audit_app.models import Evidence
        from audit_app.services.evidence import open_evidence

        evidence = db.session.scalars(sa.select(Evidence).where(
            Evidence.storage_key == evidence_key)).first()
        assert open_evidence(evidence) is None


def test_a_corrupted_source_is_not_moved_and_the_rest_is(app, runner, populated):
    named = _named()
    bad = min(k for k in named if k.startswith("reports/"))
    (Path(app.config["FILES_FOLDER"]) / bad).write_bytes(b"%PDF-1.7 kaputt")
    result = runner.invoke(args=["storage", "migrate", "--to", "database"])
    assert result.exit_code == 1
    assert f"corrupt\t{bad}" in result.output and "does not match its SHA-256" in result.output
    assert "5 row(s) switched to database" in result.output
    registry = _registry()
    assert registry[bad][1] == "folder"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(FileChunk)
                             .where(FileChunk.storage_key == bad)) == 0


def test_an_interrupted_migration_resumes_with_the_verified_copies(app, runner, populated,
                                                                   monkeypatch):
    named = _named()
    calls = []
    real = manage.copy_verified

    def interrupted(store, key, target):
        if len(calls) == 3:
            raise KeyboardInterrupt  # Ctrl+C after three files were copied and committed
        calls.append(key)
        return real(store, key, target)

    monkeypatch.setattr(manage, "copy_verified", interrupted)
    result = runner.invoke(args=["storage", "migrate", "--to", "database"])
    assert result.exit_code == 1 and "Aborted" in result.output  # click's answer to Ctrl+C
    db.session.rollback()
    assert {backend for _, backend in _registry().values()} == {"folder"}  # nothing switched yet
    monkeypatch.setattr(manage, "copy_verified", real)

    resumed = runner.invoke(args=["storage", "migrate", "--to", "database"])
    assert resumed.exit_code == 0, resumed.output
    assert "3 file(s) copied to database, 3 verified copies kept from before; 6 row(s) " \
           "switched to database." in resumed.output
    assert _contents() == named


@pytest.mark.parametrize("backend", ["sqlite"])
def test_files_of_the_data_without_a_registry_row_are_registered_and_moved(
        app, backend, runner, populated):
    named = _named()
    db.session.execute(sa.delete(StoredFile))
    db.session.commit()
    result = runner.invoke(args=["storage", "migrate", "--to", "database"])
    assert result.exit_code == 0, result.output
    assert {k: v[0] for k, v in _registry().items()} == named
    assert _contents() == named


def _evidence_keys(name: str) -> set[str]:
    from audit_app.models import Evidence

    return set(db.session.scalars(sa.select(Evidence.storage_key)
                                  .where(Evidence.original_name == name)))
