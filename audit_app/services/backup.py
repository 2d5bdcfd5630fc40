"""Backups of a running instance and their verified restore.

A backup is a folder::

    manifest.json          app version, Alembic revision, database kind, created_at,
                           every other file with its size and SHA-256, and every stored
                           file the database itself holds (storage backend "database")
                           with its size and SHA-256
    database.sqlite3       SQLite: a copy made with the online backup API
    database.pgdump        PostgreSQL: ``pg_dump --format=custom``
    files/...              the files folder (evidence, stored certificate and report PDFs)

Consistency while the app runs: the database is copied first, as one snapshot (SQLite's
backup API reads under one read lock; pg_dump runs in one repeatable-read transaction),
then the files. Files are written before the row that names them is committed and are
never deleted, so every file the snapshot refers to exists when the files are copied.

Stored files (see :mod:`audit_app.storage`) are checked against their registered SHA-256
in the snapshot itself: those in the files folder must be in ``files/`` with that hash,
those in the database are read from the snapshot (pg_dump runs on a snapshot exported by
the transaction that reads them). A backup that would carry a missing or damaged file
fails and names it.

The backup is written into ``DEST.partial`` and renamed to ``DEST`` only when complete,
so an interrupted backup never looks like a finished one. Its folders are 0700 and its
files 0600 whatever the umask (the folder is closed to others before anything is in it). A restore checks everything
(manifest, every checksum, the schema revision, the database kind, an empty target)
before it changes anything, and afterwards reads every file the restored database holds
against the manifest.
"""
from __future__ import annotations

import glob
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import sqlalchemy as sa
from flask import Flask
from flask_babel import lazy_gettext as _l

from ..extensions import db
from .errors import ServiceError

MANIFEST = "manifest.json"
#: 2: with "stored_files" (the files held by the database). 1 is read too (no such files).
FORMAT = 2
SQLITE_FILE = "database.sqlite3"
PG_FILE = "database.pgdump"
FILES_DIR = "files"
#: Temporary files of the folder storage backend and of a restore are never part of a backup.
_SKIP_PREFIXES = (".upload-", ".restore-")


class BackupFailed(ServiceError):
    """The backup could not be made; nothing usable was left at the destination."""

    code = "backup_failed"


class RestoreRefused(ServiceError):
    """The backup is damaged, incomplete or does not fit; nothing was changed.

    ``problem`` is a machine code (``no_manifest``, ``bad_manifest``, ``missing_file``,
    ``checksum``, ``size``, ``revision``, ``database_kind``, ``not_empty``, ``tool``).
    """

    code = "restore_refused"

    def __init__(self, message, *, problem: str):
        super().__init__(message)
        self.problem = problem


@dataclass(frozen=True)
class RestoreResult:
    database: str
    revision: str
    files: int
    #: Files held by the restored database, each read and compared with the manifest.
    stored_files: int = 0
    #: Keys of those that did not match (cannot happen with an intact dump; reported).
    damaged: tuple[str, ...] = ()


@dataclass(frozen=True)
class Snapshot:
    """What the database snapshot says: revision, registered files, files it holds."""

    revision: str | None
    registered: dict[str, tuple[str, str]]  # storage key -> (sha256, backend)
    held: list[dict]  # [{"key", "size", "sha256"}] of the database backend, read from it


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def app_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("audit-app")
    except PackageNotFoundError:
        return "unknown"


def head_revision(app: Flask) -> str:
    """The Alembic head of the code's migrations (what a restored database must have)."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", app.extensions["migrate"].directory)
    heads = ScriptDirectory.from_config(config).get_heads()
    return ",".join(sorted(heads))


def database_kind() -> str:
    return "postgresql" if db.engine.dialect.name == "postgresql" else "sqlite"


def _pg_bin(name: str) -> str:
    """A PostgreSQL client program: the newest under /usr/lib/postgresql, else on PATH."""
    for candidate in sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True):
        if os.access(candidate, os.X_OK):
            return candidate
    found = shutil.which(name)
    if found:
        return found
    raise BackupFailed(_l("%(program)s was not found; install the PostgreSQL client programs",
                          program=name))


def _pg_args(url: sa.engine.URL) -> tuple[list[str], dict[str, str]]:
    """Connection arguments for pg_dump/pg_restore; the password goes in the environment."""
    args = ["--dbname", url.database or ""]
    if url.host:
        args += ["--host", url.host]
    if url.port:
        args += ["--port", str(url.port)]
    if url.username:
        args += ["--username", url.username]
    env = {**os.environ}
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return args, env


def _run(cmd: list[str], env: dict[str, str], error) -> None:
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        detail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        raise error(" ".join(detail))


def _alembic_revision_of_sqlite(path: Path) -> str | None:
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute("SELECT version_num FROM alembic_version").fetchall()
    except sqlite3.Error:
        return None
    finally:
        conn.close()
    return ",".join(sorted(r[0] for r in rows)) or None


# --- backup --------------------------------------------------------------------------------


def _snapshot_of(conn: sa.Connection, revision: str | None) -> Snapshot:
    """Registered files and the bytes the database holds, read on ``conn``'s snapshot."""
    from ..models import StoredFile
    from ..storage.base import StorageError, sha256_of
    from ..storage.database import DatabaseBackend

    table = StoredFile.__table__
    registered = {r.storage_key: (r.sha256, r.backend)
                  for r in conn.execute(sa.select(table.c.storage_key, table.c.sha256,
                                                  table.c.backend))}
    backend = DatabaseBackend(lambda: conn)
    held = []
    for key in sorted(k for k, (_, b) in registered.items() if b == backend.name):
        try:
            with backend.open(key) as fh:
                digest, size = sha256_of(fh)
        except StorageError:  # registered, but its chunks are gone: a mismatch below
            digest, size = "missing", -1
        held.append({"key": key, "size": size, "sha256": digest})
    return Snapshot(revision, registered, held)


def _backup_sqlite(target: Path) -> Snapshot:
    source_path = db.engine.url.database
    if not source_path or source_path == ":memory:":
        raise BackupFailed(_l("an in-memory SQLite database cannot be backed up"))
    src = sqlite3.connect(source_path, timeout=60)
    dst = sqlite3.connect(target)
    try:
        # One step (pages=-1): the whole database under one read lock, i.e. one snapshot.
        src.backup(dst)
        # The copy is one self-contained file (no -wal/-shm beside it).
        dst.execute("PRAGMA journal_mode = DELETE")
    finally:
        dst.close()
        src.close()
    revision = _alembic_revision_of_sqlite(target)
    engine = sa.create_engine(f"sqlite:///{target}")
    try:
        with engine.connect() as conn:
            return _snapshot_of(conn, revision)
    finally:
        engine.dispose()


def _backup_postgresql(target: Path) -> Snapshot:
    args, env = _pg_args(db.engine.url)
    # pg_dump dumps the snapshot this transaction exports, and the stored files are read
    # in the same transaction: the manifest describes exactly what the dump contains.
    with db.engine.connect() as conn:
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            snapshot_id = conn.scalar(sa.text("SELECT pg_export_snapshot()"))
            rows = conn.execute(sa.text("SELECT version_num FROM alembic_version")).all()
            revision = ",".join(sorted(r[0] for r in rows)) or None
            _run([_pg_bin("pg_dump"), "--format=custom", "--no-owner", "--no-privileges",
                  f"--snapshot={snapshot_id}", "--file", str(target), *args], env,
                 lambda detail: BackupFailed(_l("pg_dump failed: %(detail)s", detail=detail)))
            return _snapshot_of(conn, revision)


def _check_stored(snapshot: Snapshot, entries: list[dict]) -> None:
    """Every registered file must be in the backup with its registered SHA-256: from the
    files folder under ``files/``, from the database in the snapshot."""
    copied = {e["path"][len(FILES_DIR) + 1:]: e["sha256"] for e in entries
              if e["path"].startswith(FILES_DIR + "/")}
    held = {e["key"]: e["sha256"] for e in snapshot.held}
    bad = []
    for key, (digest, backend) in sorted(snapshot.registered.items()):
        found = held.get(key) if backend == "database" else copied.get(key)
        if found != digest:
            bad.append(key)
    if bad:
        raise BackupFailed(_l(
            "%(count)d stored file(s) are missing or do not match their SHA-256, e.g. "
            "%(key)s; run `flask --app audit_app storage check`",
            count=len(bad), key=bad[0]))


def _copy_files(files_folder: Path, target: Path) -> None:
    if not files_folder.is_dir():
        target.mkdir(parents=True, exist_ok=True)
        return

    def ignore(_dir, names):
        return [n for n in names if n.startswith(_SKIP_PREFIXES)]

    shutil.copytree(files_folder, target, ignore=ignore, symlinks=False)


def _owner_only(folder: Path) -> None:
    """Folders 0700 and files 0600 below ``folder`` (and itself), whatever the umask was
    when they were written (copies keep their source's mode)."""
    os.chmod(folder, 0o700)
    for path in folder.rglob("*"):
        if path.is_symlink():
            continue
        os.chmod(path, 0o700 if path.is_dir() else 0o600)


def backup(app: Flask, dest: str | os.PathLike, *,
           after_snapshot: Callable[[], None] | None = None) -> dict:
    """Write a complete backup of the database and the files folder to the new folder ``dest``.

    Refuses (BackupFailed) an existing non-empty ``dest``. Returns the manifest.
    ``after_snapshot`` is called between the database snapshot and the copy of the files
    (tests use it to make writes happen exactly there, the moment that matters).
    """
    dest = Path(dest)
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise BackupFailed(_l("%(path)s exists and is not empty; choose a new folder",
                              path=str(dest)))
    partial = dest.with_name(dest.name + ".partial")
    if partial.exists():
        shutil.rmtree(partial)
    partial.mkdir(parents=True)
    # Owner only from the first byte on, whatever the umask: the folder holds the whole
    # database (password hashes, token hashes) and every evidence file.
    os.chmod(partial, 0o700)
    try:
        kind = database_kind()
        if kind == "sqlite":
            snapshot = _backup_sqlite(partial / SQLITE_FILE)
        else:
            snapshot = _backup_postgresql(partial / PG_FILE)
        if after_snapshot is not None:
            after_snapshot()
        _copy_files(Path(app.config["FILES_FOLDER"]), partial / FILES_DIR)
        entries = []
        for path in sorted(p for p in partial.rglob("*") if p.is_file()):
            entries.append({"path": path.relative_to(partial).as_posix(),
                            "size": path.stat().st_size, "sha256": _sha256(path)})
        _check_stored(snapshot, entries)
        manifest = {
            "format": FORMAT,
            "app_version": app_version(),
            "alembic_revision": snapshot.revision,
            "database": kind,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "files": entries,
            "stored_files": snapshot.held,
        }
        (partial / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n",
                                        encoding="utf-8")
        _owner_only(partial)
        if dest.exists():
            dest.rmdir()
        os.replace(partial, dest)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return manifest


# --- restore -------------------------------------------------------------------------------


def read_manifest(src: Path) -> dict:
    """The backup's manifest, checked for shape; RestoreRefused if missing or unreadable."""
    path = src / MANIFEST
    if not src.is_dir() or not path.is_file():
        raise RestoreRefused(_l("%(path)s has no manifest.json: not a backup, or an incomplete one",
                                path=str(src)), problem="no_manifest")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        files = manifest["files"]
        assert manifest["format"] in (1, FORMAT)
        assert manifest["database"] in ("sqlite", "postgresql")
        assert all(isinstance(f["path"], str) and isinstance(f["size"], int)
                   and isinstance(f["sha256"], str) for f in files)
        manifest.setdefault("stored_files", [])
        assert all(isinstance(f["key"], str) and isinstance(f["size"], int)
                   and isinstance(f["sha256"], str) for f in manifest["stored_files"])
    except (ValueError, KeyError, TypeError, AssertionError):
        raise RestoreRefused(_l("manifest.json is damaged or of an unknown format"),
                             problem="bad_manifest") from None
    return manifest


def verify(app: Flask, src: str | os.PathLike) -> dict:
    """Check a backup without changing anything; RestoreRefused names the first problem."""
    src = Path(src)
    manifest = read_manifest(src)
    root = src.resolve()
    for entry in manifest["files"]:
        path = (src / entry["path"]).resolve()
        if root not in path.parents:
            raise RestoreRefused(_l("manifest.json names a file outside the backup: %(file)s",
                                    file=entry["path"]), problem="bad_manifest")
        if not path.is_file():
            raise RestoreRefused(_l("the backup is incomplete: %(file)s is missing",
                                    file=entry["path"]), problem="missing_file")
        if path.stat().st_size != entry["size"]:
            raise RestoreRefused(_l("the backup is damaged: %(file)s has the wrong size",
                                    file=entry["path"]), problem="size")
        if _sha256(path) != entry["sha256"]:
            raise RestoreRefused(_l("the backup is damaged: %(file)s does not match its checksum",
                                    file=entry["path"]), problem="checksum")
    kind = database_kind()
    if manifest["database"] != kind:
        raise RestoreRefused(_l("this is a %(backup)s backup; the configured database is %(kind)s",
                                backup=manifest["database"], kind=kind), problem="database_kind")
    db_file = SQLITE_FILE if kind == "sqlite" else PG_FILE
    if db_file not in {e["path"] for e in manifest["files"]}:
        raise RestoreRefused(_l("the backup is incomplete: %(file)s is missing", file=db_file),
                             problem="missing_file")
    head = head_revision(app)
    if manifest.get("alembic_revision") != head:
        raise RestoreRefused(
            _l("the backup has schema revision %(backup)s, this version of the app needs "
               "%(head)s; restore it with the app version that made it, then upgrade",
               backup=manifest.get("alembic_revision") or "?", head=head),
            problem="revision")
    return manifest


def database_is_empty() -> bool:
    """True when no table of the app holds a row (the schema may exist)."""
    from ..models import Base

    inspector = sa.inspect(db.engine)
    existing = set(inspector.get_table_names())
    try:
        for table in Base.metadata.sorted_tables:
            if table.name in existing and db.session.execute(
                sa.select(sa.literal(1)).select_from(table).limit(1)
            ).first():
                return False
        return True
    finally:
        db.session.rollback()


def _restore_sqlite(src_file: Path) -> None:
    target = db.engine.url.database
    db.session.remove()
    db.engine.dispose()
    src = sqlite3.connect(f"file:{quote(str(src_file))}?mode=ro", uri=True)  # never alter it
    dst = sqlite3.connect(target, timeout=60)
    try:
        # The backup API replaces the target's pages under its write lock: other processes
        # see the old or the new database, never a mix.
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def _restore_postgresql(src_file: Path) -> None:
    db.session.remove()
    db.engine.dispose()  # idle pooled connections would block DROP TABLE
    args, env = _pg_args(db.engine.url)
    _run([_pg_bin("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-privileges",
          "--single-transaction", "--exit-on-error", *args, str(src_file)], env,
         lambda detail: RestoreRefused(_l("pg_restore failed, nothing was changed: %(detail)s",
                                          detail=detail), problem="tool"))


def _restore_files(src: Path, manifest: dict, files_folder: Path) -> int:
    count = 0
    prefix = FILES_DIR + "/"
    for entry in manifest["files"]:
        if not entry["path"].startswith(prefix):
            continue
        target = files_folder / entry["path"][len(prefix):]
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".restore-")
        os.close(fd)
        try:
            shutil.copyfile(src / entry["path"], tmp)
            os.replace(tmp, target)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
        count += 1
    return count


def restore(app: Flask, src: str | os.PathLike, *, force: bool = False) -> RestoreResult:
    """Verify the backup at ``src`` and restore the database and the files from it.

    Refuses (RestoreRefused, nothing changed) a damaged, incomplete or foreign backup,
    one of another schema revision, and a non-empty database unless ``force``.
    Files already in the files folder stay; the backup's files are written over them.
    """
    src = Path(src)
    manifest = verify(app, src)
    if not force and not database_is_empty():
        raise RestoreRefused(_l("the database is not empty; use --force to replace its content"),
                             problem="not_empty")
    kind = manifest["database"]
    if kind == "sqlite":
        _restore_sqlite(src / SQLITE_FILE)
    else:
        _restore_postgresql(src / PG_FILE)
    files = _restore_files(src, manifest, Path(app.config["FILES_FOLDER"]))
    damaged = _damaged_stored_files(manifest["stored_files"])
    return RestoreResult(database=kind, revision=manifest["alembic_revision"], files=files,
                         stored_files=len(manifest["stored_files"]), damaged=damaged)


def _damaged_stored_files(expected: list[dict]) -> tuple[str, ...]:
    """Keys of the files the restored database should hold that it does not hold intact."""
    from ..storage.base import StorageError, sha256_of
    from ..storage.database import DatabaseBackend

    backend = DatabaseBackend(db.session.connection)
    damaged = []
    try:
        for entry in expected:
            try:
                with backend.open(entry["key"]) as fh:
                    digest, size = sha256_of(fh)
            except StorageError:
                digest, size = "", -1
            if (digest, size) != (entry["sha256"], entry["size"]):
                damaged.append(entry["key"])
    finally:
        db.session.rollback()
    return tuple(damaged)
