"""The database backend: the bytes in the ``file_chunks`` table, in pieces of 1 MiB.

Works on SQLite and PostgreSQL alike. Writing runs in the caller's transaction (an upload's
chunks commit or roll back with its evidence row); reading fetches one chunk per query, so
a 20 MB file passes through memory one chunk at a time. Which connection to use is given as
a callable, so that the web app can pass its session's and tools their own.
"""
from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from typing import BinaryIO

import sqlalchemy as sa

from ..models import FileChunk
from .base import Backend, FileMissing, check_key

_chunks = FileChunk.__table__


class DatabaseBackend(Backend):
    name = "database"

    def __init__(self, connection: Callable[[], sa.Connection]):
        self._connection = connection

    def write(self, key: str, chunks: Iterable[bytes]) -> int:
        check_key(key)
        conn = self._connection()
        conn.execute(sa.delete(_chunks).where(_chunks.c.storage_key == key))
        size, seq = 0, 0
        for chunk in chunks:
            if seq > 0 and not chunk:
                continue  # only an empty file keeps its one empty chunk
            conn.execute(sa.insert(_chunks).values(storage_key=key, seq=seq, data=chunk))
            size += len(chunk)
            seq += 1
        if seq == 0:
            conn.execute(sa.insert(_chunks).values(storage_key=key, seq=0, data=b""))
        return size

    def open(self, key: str) -> BinaryIO:
        return self.open_sized(key)[0]

    def open_sized(self, key: str) -> tuple[BinaryIO, int]:
        count, size = self._count_and_size(key)
        return _ChunkReader(self._connection, key, count), size

    def _count_and_size(self, key: str) -> tuple[int, int]:
        check_key(key)
        count, size = self._connection().execute(
            sa.select(sa.func.count(),
                      sa.func.coalesce(sa.func.sum(sa.func.length(_chunks.c.data)), 0))
            .where(_chunks.c.storage_key == key)).one()
        if not count:
            raise FileMissing(f"{key} is not in the database", key=key)
        return int(count), int(size)

    def exists(self, key: str) -> bool:
        check_key(key)
        return self._connection().scalar(
            sa.select(sa.literal(1)).where(_chunks.c.storage_key == key, _chunks.c.seq == 0)) is not None

    def size(self, key: str) -> int:
        return self._count_and_size(key)[1]

    def delete(self, key: str) -> None:
        check_key(key)
        self._connection().execute(sa.delete(_chunks).where(_chunks.c.storage_key == key))


class _ChunkReader(io.RawIOBase):
    """Reads a file's chunks one query at a time; ``read(CHUNK_SIZE)`` returns whole chunks
    without copying them.

    The connection is asked for anew for every chunk: a streamed response is read after
    the view returned, when the request's session has been closed and a new one serves
    the rest of the download (the chunks of a key never change, so that is safe).
    """

    def __init__(self, connection: Callable[[], sa.Connection], key: str, count: int):
        super().__init__()
        self._connection, self._key, self._count = connection, key, count
        self._next = 0
        self._chunk = b""
        self._pos = 0

    def readable(self) -> bool:
        return True

    def _fill(self) -> bool:
        while self._pos >= len(self._chunk):
            if self._next >= self._count:
                return False
            data = _fetch_chunk(self._connection(), self._key, self._next)
            if data is None:  # deleted while reading: the file is gone
                raise FileMissing(f"{self._key} disappeared while it was read", key=self._key)
            self._chunk, self._pos = bytes(data), 0
            self._next += 1
        return True

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:
            return self.readall()
        parts, wanted = [], size
        while wanted > 0 and self._fill():
            end = min(len(self._chunk), self._pos + wanted)
            parts.append(self._chunk[self._pos:end])  # the whole chunk is not copied
            wanted -= end - self._pos
            self._pos = end
        return parts[0] if len(parts) == 1 else b"".join(parts)

    def readall(self) -> bytes:
        parts = []
        while self._fill():
            parts.append(self._chunk[self._pos:])
            self._pos = len(self._chunk)
        return b"".join(parts)

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)


def _fetch_chunk(conn: sa.Connection, key: str, seq: int) -> bytes | None:
    """One chunk's bytes (None if absent).

    On PostgreSQL with psycopg the chunk comes over a binary cursor on the same connection
    (and transaction): bytea in text format is hex, twice the size, and a 20 MB download
    took five times as long. Such reads bypass SQLAlchemy's statement events.
    """
    if conn.dialect.name == "postgresql" and conn.dialect.driver == "psycopg":
        with conn.connection.driver_connection.cursor(binary=True) as cursor:
            cursor.execute("SELECT data FROM file_chunks WHERE storage_key = %s AND seq = %s",
                           (key, seq))
            row = cursor.fetchone()
        return None if row is None else row[0]
    return conn.scalar(sa.select(_chunks.c.data).where(_chunks.c.storage_key == key,
                                                        _chunks.c.seq == seq))
