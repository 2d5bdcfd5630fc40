"""The one file store on SQLite and PostgreSQL: both backends, the registry, the migration."""
from __future__ import annotations

import hashlib
import os
import tracemalloc
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from audit_app import storage
from audit_app.extensions import db
from audit_app.models import FileChunk, StoredFile
from audit_app.storage.base import CHUNK_SIZE
from tests.ops.conftest import populated, small_instance  # noqa: F401 (fixtures)
from tests.unit.test_storage import contents

BACKEND_NAMES = ("folder", "database")
ROUND_TRIPS = settings(max_examples=25, deadline=None, derandomize=True, database=None,
                       suppress_health_check=[HealthCheck.function_scoped_fixture])


def _use(app, name: str) -> storage.Storage:
    app.config["STORAGE_BACKEND"] = name
    return storage.current()


def _chunks(key: str) -> list[int]:
    return list(db.session.scalars(sa.select(sa.func.length(FileChunk.data))
                                   .where(FileChunk.storage_key == key).order_by(FileChunk.seq)))


@pytest.mark.parametrize("name", BACKEND_NAMES)
@ROUND_TRIPS
@given(data=contents, kind=st.sampled_from(["evidence", "certificates", "reports"]))
def test_round_trip(app, name, data, kind):
    store = _use(app, name)
    digest = hashlib.sha256(data).hexdigest()
    try:
        blob = store.put(data, kind)
        assert blob == storage.StoredBlob(storage.key_for(kind, digest), digest, len(data))
        assert store.exists(blob.key) and store.size(blob.key) == len(data)
        assert store.sha256(blob.key) == digest
        assert store.locate(blob.key).name == name
        with store.open(blob.key) as fh:
            assert fh.read() == data
        assert store.read(blob.key, digest) == data
        assert store.put(data, kind) == blob  # the same bytes again: the same file, once
        assert db.session.scalar(sa.select(sa.func.count()).select_from(StoredFile)) == 1
        if name == "database":
            sizes = _chunks(blob.key)
            assert sum(sizes) == len(data) and all(s <= CHUNK_SIZE for s in sizes)
            assert len(sizes) == max(1, -(-len(data) // CHUNK_SIZE))
            assert not (Path(app.config["FILES_FOLDER"]) / blob.key).exists()
        else:
            assert (Path(app.config["FILES_FOLDER"]) / blob.key).read_bytes() == data
    finally:
        db.session.rollback()


@pytest.mark.parametrize("name", BACKEND_NAMES)
def test_a_twenty_megabyte_file_never_sits_whole_in_memory_twice(app, name):
    store = _use(app, name)
    data = os.urandom(20 * 1024 * 1024)
    tracemalloc.start()
    try:
        blob = store.put(data, "evidence")
        _, put_peak = tracemalloc.get_traced_memory()
        db.session.commit()
        tracemalloc.reset_peak()
        digest = hashlib.sha256()
        with store.download(blob.key, blob.sha256) as download:
            for piece in download:
                digest.update(piece)
        _, read_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert digest.hexdigest() == blob.sha256
    # A few chunks at most (the one sent, the one read, the one held back for the hash
    # check), against 20 MiB for a second whole copy.
    assert put_peak < 5 * CHUNK_SIZE, put_peak
    assert read_peak < 5 * CHUNK_SIZE, read_peak


def test_reads_follow_the_registry_when_the_setting_changes(app):
    folder_store = _use(app, "folder")
    old = folder_store.put(b"%PDF-1.7 Mietvertrag \xc2\xa7 3", "evidence")
    db.session.commit()
    store = _use(app, "database")
    new = store.put(b"%PDF-1.7 Satzung M\xc3\xbcnster", "evidence")
    db.session.commit()
    assert store.locate(old.key).name == "folder" and store.locate(new.key).name == "database"
    assert store.read(old.key, old.sha256).endswith("§ 3".encode())
    assert not (Path(app.config["FILES_FOLDER"]) / new.key).exists()


def test_a_lost_or_damaged_file_is_repaired_by_storing_the_same_bytes_again(app):
    store = _use(app, "folder")
    data = b"%PDF-1.7 Gesch\xc3\xa4ftsordnung"
    blob = store.put(data, "reports")
    db.session.commit()
    path = Path(app.config["FILES_FOLDER"]) / blob.key
    path.write_bytes(b"%PDF-1.7 besch\xc3\xa4digt")
    with pytest.raises(storage.CorruptFile):
        store.download(blob.key, blob.sha256)
    store.put(data, "reports")
    assert path.read_bytes() == data
    path.unlink()
    store.put(data, "reports")
    assert path.read_bytes() == data


def test_a_file_named_by_no_registry_row_is_still_found(app):
    """Files from before the registry, or restored by hand, are found in any backend."""
    store = _use(app, "database")
    data = b"%PDF-1.4 alt"
    key = storage.key_for("certificates", hashlib.sha256(data).hexdigest())
    path = Path(app.config["FILES_FOLDER"]) / key
    path.parent.mkdir(parents=True)
    path.write_bytes(data)
    assert store.locate(key).name == "folder" and store.size(key) == len(data)
    assert store.sha256(key) is None
    with pytest.raises(storage.FileMissing):
        store.locate(storage.key_for("certificates", "0" * 64))


def test_the_database_backend_rolls_back_with_the_caller(app):
    store = _use(app, "database")
    blob = store.put(b"%PDF-1.7 zur\xc3\xbcckgerollt", "evidence")
    db.session.rollback()
    assert not store.exists(blob.key)
    assert _chunks(blob.key) == []


@pytest.mark.parametrize("backend", ["sqlite"])
@pytest.mark.usefixtures("populated")
def test_the_migration_registers_the_files_the_data_names(app, backend):
    """Downgrade below the registry, upgrade again: every named file is registered as
    'folder', evidence with its size, PDFs without (they never recorded it)."""
    from flask_migrate import downgrade, upgrade

    from tests.ops.conftest import table_rows

    before = {r[0]: r for r in table_rows()["stored_files"]}
    db.session.remove()
    directory = app.extensions["migrate"].directory
    downgrade(directory=directory, revision="08f8890eb5eb-1")
    upgrade(directory=directory)
    after = {r[0]: r for r in table_rows()["stored_files"]}
    assert set(after) == set(before) and len(after) == 2 + 4  # 2 evidence; 2 certificate, 2 reports
    for key, (_, sha256, size, held_by, _created) in after.items():
        assert held_by == "folder" and sha256 == before[key][1]
        assert (size is None) == (not key.startswith("evidence/"))


@pytest.mark.parametrize("backend", ["sqlite"])
def test_the_downgrade_refuses_while_files_live_in_the_database(app, backend):
    from flask_migrate import downgrade

    _use(app, "database").put(b"%PDF-1.7", "evidence")
    db.session.commit()
    db.session.remove()
    with pytest.raises(SystemExit):  # Flask-Migrate logs the RuntimeError and exits
        downgrade(directory=app.extensions["migrate"].directory, revision="08f8890eb5eb-1")
    db.session.remove()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(FileChunk)) == 1
    assert db.session.scalar(sa.text("SELECT version_num FROM alembic_version")) == "08f8890eb5eb"


def test_storing_bytes_another_server_holds_in_its_folder_puts_them_into_the_database(app):
    """A row says "folder", but this server's folder does not have the file (it is on the
    server that stored it before the move): the same upload here lands in the database."""
    folder_store = _use(app, "folder")
    data = b"%PDF-1.7 Mietvertrag L\xc3\xbcbeck"
    blob = folder_store.put(data, "evidence")
    db.session.commit()
    (Path(app.config["FILES_FOLDER"]) / blob.key).unlink()  # "the other server's disk"
    store = _use(app, "database")
    assert store.put(data, "evidence") == blob
    db.session.commit()
    assert store.locate(blob.key).name == "database"
    assert store.read(blob.key, blob.sha256) == data
