"""One file store for evidence, stored certificates and stored reports.

Content-addressed by SHA-256; the backend for new files is the ``STORAGE_BACKEND`` setting
("folder" under ``FILES_FOLDER``, or "database"); a registry row per file says where its
bytes are. Callers use :func:`current` and the operations of :class:`Storage`; downloads go
through :func:`audit_app.storage.http.send_download`. See ``store.py`` for the details and
``manage.py`` for ``flask storage check`` / ``storage migrate``.
"""
from .base import CHUNK_SIZE, CorruptFile, FileMissing, StorageError, key_for  # noqa: F401
from .store import BACKENDS, Download, Storage, StoredBlob, current  # noqa: F401
