"""What every storage backend offers, and the pieces the backends share.

A backend keeps bytes under keys and knows nothing else: no registry, no hashes, no
transactions of its own. The keys are content-addressed paths such as
``evidence/3f/3f…e1`` or ``certificates/3f…e1.pdf`` (today's layout of the files folder);
the registry (:mod:`audit_app.storage.store`) records which backend holds which key.

Adding a backend (e.g. S3-compatible object storage) means implementing :class:`Backend`
and naming it in :func:`audit_app.storage.store.backends_for`; no caller changes.
"""
from __future__ import annotations

import abc
import hashlib
import re
from collections.abc import Iterable, Iterator
from typing import BinaryIO

#: Bytes per piece when files are written to or read from a backend. A 20 MB upload is
#: written as 20 pieces and streamed the same way: never a second whole copy in memory.
CHUNK_SIZE = 1024 * 1024

#: Storage keys per kind of file: today's layout under the files folder.
KEY_LAYOUTS = {
    "evidence": "evidence/{prefix}/{digest}",
    "certificates": "certificates/{digest}.pdf",
    "reports": "reports/{digest}.pdf",
}
_KEY = re.compile(r"[a-z0-9][a-z0-9_-]*(/[a-z0-9][a-z0-9._-]*)+")


class StorageError(Exception):
    """Base class of storage failures; ``key`` names the file concerned."""

    def __init__(self, message: str, *, key: str = ""):
        super().__init__(message)
        self.key = key


class FileMissing(StorageError):
    """No backend holds the key."""


class CorruptFile(StorageError):
    """The stored bytes do not match their SHA-256 (or size): they are never served."""


def key_for(kind: str, digest: str) -> str:
    """The storage key of content with SHA-256 ``digest`` (hex) of ``kind``.

    ``kind`` is one of :data:`KEY_LAYOUTS` ("evidence", "certificates", "reports").
    """
    if not re.fullmatch(r"[0-9a-f]{64}", digest):
        raise ValueError(f"not a SHA-256 hex digest: {digest!r}")
    return KEY_LAYOUTS[kind].format(prefix=digest[:2], digest=digest)


def check_key(key: str) -> str:
    """``key`` if it is a safe relative key (lowercase segments, no ``..``), else ValueError."""
    if not isinstance(key, str) or len(key) > 200 or not _KEY.fullmatch(key) or any(
            part in (".", "..") for part in key.split("/")):
        raise ValueError(f"not a storage key: {key!r}")
    return key


def pieces(data: bytes | bytearray | memoryview, size: int = CHUNK_SIZE) -> Iterator[bytes]:
    """``data`` cut into pieces of ``size`` bytes (one empty piece for empty data).

    Each piece is a copy of ``size`` bytes at most; the whole is never copied at once.
    """
    view = memoryview(data)
    if len(view) == 0:
        yield b""
        return
    for start in range(0, len(view), size):
        yield bytes(view[start:start + size])


def read_pieces(fh: BinaryIO, size: int = CHUNK_SIZE) -> Iterator[bytes]:
    """The content of an open binary file in pieces of at most ``size`` bytes."""
    while True:
        piece = fh.read(size)
        if not piece:
            return
        yield piece


def sha256_of(fh: BinaryIO) -> tuple[str, int]:
    """(SHA-256 hex, size) of an open binary file, read in pieces."""
    digest, size = hashlib.sha256(), 0
    for piece in read_pieces(fh):
        digest.update(piece)
        size += len(piece)
    return digest.hexdigest(), size


class Backend(abc.ABC):
    """Bytes under keys. Implementations: ``folder`` and ``database``.

    Writing the same key again replaces the content atomically (readers see the old or the
    new bytes, never a mix); for content-addressed keys both are the same anyway.
    """

    #: The name stored in ``stored_files.backend`` and used in the ``STORAGE_BACKEND`` setting.
    name: str = ""

    @abc.abstractmethod
    def write(self, key: str, chunks: Iterable[bytes]) -> int:
        """Store the concatenated ``chunks`` under ``key``; returns the number of bytes."""

    @abc.abstractmethod
    def open(self, key: str) -> BinaryIO:
        """A binary reader of the content (use as a context manager); FileMissing if absent."""

    def open_sized(self, key: str) -> tuple[BinaryIO, int]:
        """The reader of :meth:`open` and the content's length, found in one go where the
        backend can (a download needs both)."""
        reader = self.open(key)
        try:
            return reader, self.size(key)
        except BaseException:
            reader.close()
            raise

    @abc.abstractmethod
    def exists(self, key: str) -> bool:
        """Whether ``key`` holds content."""

    @abc.abstractmethod
    def size(self, key: str) -> int:
        """The content's length in bytes; FileMissing if absent."""

    @abc.abstractmethod
    def delete(self, key: str) -> None:
        """Remove the content (no error if absent)."""
