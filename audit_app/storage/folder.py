"""The folder backend: one file per key under the files folder (``instance/files`` by default).

Writes go to a temporary file beside the target (prefix ``.upload-``, which backups skip),
are flushed to disk with fsync and renamed into place, then the folder entry is synced too:
a crash leaves either no file or the complete one, never a torn file under a key.
"""
from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

from .base import Backend, FileMissing, check_key

#: Prefix of temporary files while writing; ``services.backup`` leaves them out.
TEMP_PREFIX = ".upload-"


class FolderBackend(Backend):
    name = "folder"

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)

    def path(self, key: str) -> Path:
        """The file of ``key`` (a checked key never leaves the root)."""
        return self.root / check_key(key)

    def write(self, key: str, chunks: Iterable[bytes]) -> int:
        path = self.path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=TEMP_PREFIX)
        size = 0
        try:
            with os.fdopen(fd, "wb") as fh:
                for chunk in chunks:
                    fh.write(chunk)
                    size += len(chunk)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
        _fsync_dir(path.parent)
        return size

    def open(self, key: str) -> BinaryIO:
        try:
            return open(self.path(key), "rb")
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise FileMissing(f"{key} is not in the files folder", key=key) from None

    def open_sized(self, key: str) -> tuple[BinaryIO, int]:
        reader = self.open(key)
        return reader, os.fstat(reader.fileno()).st_size

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def size(self, key: str) -> int:
        try:
            return self.path(key).stat().st_size
        except (FileNotFoundError, NotADirectoryError):
            raise FileMissing(f"{key} is not in the files folder", key=key) from None

    def delete(self, key: str) -> None:
        try:
            self.path(key).unlink()
        except FileNotFoundError:
            pass


def _fsync_dir(folder: Path) -> None:
    """Persist a rename: sync the directory entry (not possible everywhere; then skip)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
