"""The one file store: content-addressed by SHA-256, with the backend chosen by a setting.

Callers see five operations — :meth:`Storage.put`, :meth:`~Storage.open` (and the checked,
streaming :meth:`~Storage.download`), :meth:`~Storage.exists`, :meth:`~Storage.size`,
:meth:`~Storage.sha256` — and never a path or a backend. The registry table
``stored_files`` records, per key, the SHA-256, the size and which backend holds the bytes;
``storage migrate`` moves files by switching their rows, ``storage check`` and backups
follow it. Files written under one setting stay readable after the setting changed.

New files go to the backend named by ``STORAGE_BACKEND`` ("folder", the default, under
``FILES_FOLDER``; or "database"). Everything here flushes and never commits: the registry
row (and, for the database backend, the chunks) commit or roll back with the caller's rows.
"""
from __future__ import annotations

import hashlib
import io
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO, Self

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from ..models import StoredFile, utcnow
from .base import (
    CHUNK_SIZE,
    Backend,
    CorruptFile,
    FileMissing,
    check_key,
    key_for,
    pieces,
    sha256_of,
)
from .database import DatabaseBackend
from .folder import FolderBackend

log = logging.getLogger(__name__)

#: The backends a ``STORAGE_BACKEND`` setting may name.
BACKENDS = ("folder", "database")
_registry = StoredFile.__table__


@dataclass(frozen=True)
class StoredBlob:
    """What :meth:`Storage.put` stored: the key to record in the caller's row, its hash, size."""

    key: str
    sha256: str
    size: int


def backends_for(files_folder: str, connection: Callable[[], sa.Connection]) -> dict[str, Backend]:
    """Every backend, by name: reads must find files in any of them, whatever the setting."""
    return {"folder": FolderBackend(files_folder), "database": DatabaseBackend(connection)}


class Storage:
    """The registry plus the backends. ``session`` is the SQLAlchemy session whose
    transaction the registry rows join (the request's, or a command's)."""

    def __init__(self, *, backends: dict[str, Backend], default: str, session):
        if default not in backends:
            raise ValueError(f"unknown storage backend {default!r}; use one of {sorted(backends)}")
        self.backends = backends
        self.default = default
        self.session = session

    # --- writing -------------------------------------------------------------------------

    def put(self, data: bytes, kind: str) -> StoredBlob:
        """Store ``data`` of ``kind`` ("evidence", "certificates", "reports") once.

        Content-addressed: the same bytes get the same key and are stored once, whoever
        stores them. A key already registered keeps its backend; its bytes there are read,
        and only if they are lost or damaged are these bytes stored again. Concurrent puts
        of the same bytes on PostgreSQL wait for each other on the registry row instead of
        failing. Raises OSError (disk) or a database error; the caller's rollback then
        leaves no registry row.
        """
        digest = hashlib.sha256(data).hexdigest()
        key = key_for(kind, digest)
        size = len(data)
        if self._claim(key, digest, size):
            self.backends[self.default].write(key, pieces(data))
            return StoredBlob(key, digest, size)
        backend = self.backends.get(self._backend_of(key) or "")
        if backend is None or not self._intact(backend, key, digest):
            # Lost or damaged where the registry says (or held by a backend this server does
            # not reach, e.g. another server's folder): these bytes go to the configured
            # backend, and the row follows them.
            self.backends[self.default].write(key, pieces(data))
            self.session.execute(sa.update(_registry).where(_registry.c.storage_key == key)
                                 .values(backend=self.default, size=size))
        return StoredBlob(key, digest, size)

    @staticmethod
    def _intact(backend: Backend, key: str, digest: str) -> bool:
        try:
            with backend.open(key) as fh:
                return sha256_of(fh)[0] == digest
        except FileMissing:
            return False

    def _claim(self, key: str, digest: str, size: int) -> bool:
        """Insert the registry row for the default backend; False when the key had one."""
        insert = (postgresql.insert if self._dialect() == "postgresql" else sqlite.insert)(_registry)
        statement = insert.values(storage_key=key, sha256=digest, size=size, backend=self.default,
                                  created_at=utcnow()).on_conflict_do_nothing(
            index_elements=["storage_key"]).returning(_registry.c.storage_key)
        return self.session.execute(statement).first() is not None

    def _dialect(self) -> str:
        return self.session.get_bind().dialect.name

    # --- reading -------------------------------------------------------------------------

    def _row(self, key: str):
        return self.session.execute(
            sa.select(_registry.c.backend, _registry.c.sha256, _registry.c.size)
            .where(_registry.c.storage_key == check_key(key))).first()

    def _backend_of(self, key: str) -> str | None:
        row = self._row(key)
        return row.backend if row is not None else None

    def locate(self, key: str) -> Backend:
        """The backend holding ``key``: the registry's, else (a file from before the registry,
        or one restored by hand) the first backend that has it; FileMissing otherwise."""
        return self._locate(key)[0]

    def _locate(self, key: str):
        row = self._row(key)
        if row is not None and row.backend in self.backends:
            return self.backends[row.backend], row
        if row is not None:
            raise FileMissing(f"{key} is in backend {row.backend!r}, which is not available",
                              key=key)
        for name in (self.default, *sorted(set(self.backends) - {self.default})):
            if self.backends[name].exists(key):
                return self.backends[name], None
        raise FileMissing(f"{key} is not stored", key=key)

    def open(self, key: str) -> BinaryIO:
        """A binary reader of the stored bytes, unchecked (see :meth:`download`)."""
        return self.locate(key).open(key)

    def exists(self, key: str) -> bool:
        try:
            return self.locate(key).exists(key)
        except FileMissing:
            return False

    def size(self, key: str) -> int:
        """The size in bytes as registered (the backend's when the registry has none)."""
        row = self._row(key)
        if row is not None and row.size is not None:
            return int(row.size)
        return self.locate(key).size(key)

    def sha256(self, key: str) -> str | None:
        """The SHA-256 the registry records for ``key`` (None when it has no row)."""
        row = self._row(key)
        return row.sha256 if row is not None else None

    def download(self, key: str, sha256: str) -> Download:
        """The stored file ready to be streamed, checked against ``sha256`` on the way.

        Looks in the configured backend first, then in the others, without asking the
        registry: content-addressed, any copy under the key that matches ``sha256`` is the
        file (``storage migrate`` leaves the source copies, and the hash check refuses a
        wrong one). That keeps a download to a file open (folder) or one query plus one
        per chunk (database).

        Raises FileMissing, or CorruptFile when a file of up to one chunk (every PDF) does
        not match: that is known before a byte is sent. A larger file is checked as it
        streams and its last chunk is held back until the hash matched, so a corrupted one
        is never delivered complete (the transfer breaks off instead).
        """
        check_key(key)
        for name in (self.default, *sorted(set(self.backends) - {self.default})):
            try:
                reader, size = self.backends[name].open_sized(key)
            except FileMissing:
                continue
            return Download(reader, size=size, sha256=sha256, key=key)
        raise FileMissing(f"{key} is not stored", key=key)

    def read(self, key: str, sha256: str) -> bytes:
        """The whole stored file, checked against ``sha256`` (for small files such as PDFs)."""
        with self.download(key, sha256) as download:
            return download.read_all()


class Download:
    """An opened stored file: ``size``, chunks by iteration, checked against its SHA-256.

    Iterate it once (e.g. as a streaming response body); it closes itself at the end, and
    :meth:`close` (called by the response) releases it when the client goes away early.
    """

    def __init__(self, reader: BinaryIO, *, size: int, sha256: str, key: str = ""):
        self.size, self.sha256, self.key = size, sha256, key
        self._reader = reader
        self._digest = hashlib.sha256()
        self._seen = 0
        try:
            self._first = self._read()
            self._done = len(self._first) < CHUNK_SIZE
            if self._done:
                self._finish()
        except BaseException:
            self.close()
            raise

    @classmethod
    def of_bytes(cls, data: bytes) -> Download:
        """A download of bytes at hand (a freshly rendered PDF), with the same interface."""
        return cls(io.BytesIO(data), size=len(data), sha256=hashlib.sha256(data).hexdigest())

    def _read(self) -> bytes:
        piece = self._reader.read(CHUNK_SIZE)
        self._digest.update(piece)
        self._seen += len(piece)
        return piece

    def _finish(self) -> None:
        if self._digest.hexdigest() != self.sha256 or self._seen != self.size:
            self.close()
            log.error("stored file %s does not match its SHA-256 or size; not served", self.key)
            raise CorruptFile(f"{self.key} does not match its SHA-256", key=self.key)

    def __iter__(self) -> Iterator[bytes]:
        try:
            held, self._first = self._first, b""
            while not self._done:
                following = self._read()
                if not following:
                    self._done = True
                    self._finish()
                    break
                yield held
                held = following
            if held:
                yield held
        finally:
            self.close()

    def read_all(self) -> bytes:
        return b"".join(self)

    def close(self) -> None:
        self._reader.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def current() -> Storage:
    """The storage of the current app: ``STORAGE_BACKEND`` for new files, every backend
    for reading, registry rows in ``db.session``. Built per call from the configuration,
    so a changed setting (tests do that) takes effect at once."""
    from flask import current_app

    from ..extensions import db

    config = current_app.config
    return Storage(backends=backends_for(config["FILES_FOLDER"], db.session.connection),
                   default=config["STORAGE_BACKEND"], session=db.session)


__all__ = ["BACKENDS", "CorruptFile", "Download", "FileMissing", "Storage", "StoredBlob",
           "backends_for", "current"]
