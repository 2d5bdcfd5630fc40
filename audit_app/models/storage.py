"""Stored files: where the bytes of each content-addressed file live, and the bytes themselves
when they live in the database (see :mod:`audit_app.storage`)."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow


class StoredFile(Base):
    """One stored file, shared by every row that names its key (evidence, certificates,
    reports): its SHA-256, its size and the backend that holds its bytes.

    ``backend`` is a plain name ("folder", "database"; a later "s3" needs no migration).
    ``storage migrate`` switches it only after the copy in the new backend was verified.
    ``size`` is None only for files registered by the 2026-11-27 migration from rows that
    did not record it (certificate and report PDFs); the backend knows it.
    """

    __tablename__ = "stored_files"

    storage_key: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    sha256: Mapped[str] = mapped_column(sa.String(64))
    size: Mapped[int | None] = mapped_column(sa.BigInteger)
    backend: Mapped[str] = mapped_column(sa.String(20), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    def __repr__(self) -> str:
        return f"<StoredFile {self.storage_key} in {self.backend}>"


class FileChunk(Base):
    """A piece of a file held by the database backend: ``seq`` 0, 1, ... of at most
    :data:`audit_app.storage.base.CHUNK_SIZE` bytes each (an empty file has one empty chunk).

    Keyed by the storage key, not by ``stored_files``: the backend stores bytes under keys
    and knows nothing of the registry, like any other backend would.
    """

    __tablename__ = "file_chunks"

    storage_key: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    data: Mapped[bytes] = mapped_column(sa.LargeBinary)
