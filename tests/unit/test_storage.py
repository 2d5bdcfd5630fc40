"""The storage building blocks without an app: keys, pieces, the folder backend, downloads."""
from __future__ import annotations

import hashlib
import io
import os
import tempfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from audit_app.storage.base import CHUNK_SIZE, CorruptFile, FileMissing, check_key, key_for, pieces
from audit_app.storage.folder import TEMP_PREFIX, FolderBackend
from audit_app.storage.store import Download

DIGEST = hashlib.sha256(b"Gesellschaftsvertrag M\xfcnster").hexdigest()

#: Contents around the chunk boundary as well as small ones, built from a short pattern so
#: that hypothesis need not draw megabytes.
SIZES = (0, 1, CHUNK_SIZE - 1, CHUNK_SIZE, CHUNK_SIZE + 1, 2 * CHUNK_SIZE + 3)
contents = st.one_of(
    st.binary(max_size=4096),
    st.tuples(st.sampled_from(SIZES), st.binary(min_size=1, max_size=64)).map(
        lambda t: (t[1] * (t[0] // len(t[1]) + 1))[:t[0]]),
)
ROUND_TRIPS = settings(max_examples=40, deadline=None, derandomize=True, database=None)


def test_keys_keep_todays_layout_of_the_files_folder():
    assert key_for("evidence", DIGEST) == f"evidence/{DIGEST[:2]}/{DIGEST}"
    assert key_for("certificates", DIGEST) == f"certificates/{DIGEST}.pdf"
    assert key_for("reports", DIGEST) == f"reports/{DIGEST}.pdf"
    with pytest.raises(ValueError):
        key_for("evidence", "not-a-digest")


@pytest.mark.parametrize("key", ["../etc/passwd", "/etc/passwd", "evidence/../../x",
                                 "evidence\\x", "evidence", "Evidence/ab/x", "evidence/./x",
                                 "evidence/Überweisung.pdf", ""])
def test_keys_that_could_leave_the_folder_are_refused(key):
    with pytest.raises(ValueError):
        check_key(key)
    with pytest.raises(ValueError):
        FolderBackend("/nonexistent").path(key)


def test_pieces_cut_without_copying_the_whole_and_keep_one_empty_piece():
    assert list(pieces(b"")) == [b""]
    data = bytes(range(256)) * 10
    parts = list(pieces(data, 1000))
    assert [len(p) for p in parts] == [1000, 1000, 560] and b"".join(parts) == data


@ROUND_TRIPS
@given(data=contents)
def test_folder_backend_round_trip(data):
    with tempfile.TemporaryDirectory() as folder:
        backend = FolderBackend(folder)
        key = key_for("evidence", hashlib.sha256(data).hexdigest())
        assert not backend.exists(key)
        assert backend.write(key, pieces(data)) == len(data)
        assert backend.exists(key) and backend.size(key) == len(data)
        with backend.open(key) as fh:
            assert fh.read() == data
        backend.write(key, pieces(data))  # again: replaced atomically, same bytes
        with Download(backend.open(key), size=len(data), sha256=hashlib.sha256(data).hexdigest(),
                      key=key) as download:
            assert download.read_all() == data
        assert [p.name for p in (backend.root / key).parent.iterdir()] == [key.rsplit("/", 1)[1]]
        backend.delete(key)
        assert not backend.exists(key)
        with pytest.raises(FileMissing):
            backend.open(key)


def test_a_failed_folder_write_leaves_neither_file_nor_temporary_file(tmp_path, monkeypatch):
    backend = FolderBackend(tmp_path)
    key = key_for("certificates", DIGEST)

    def full(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(OSError):
        backend.write(key, [b"%PDF-1.7 Urkunde"])
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_temporary_files_carry_the_prefix_backups_skip():
    from audit_app.services.backup import _SKIP_PREFIXES

    assert TEMP_PREFIX in _SKIP_PREFIXES


def _download(data: bytes, *, sha256: str | None = None, size: int | None = None) -> Download:
    return Download(io.BytesIO(data), size=len(data) if size is None else size,
                    sha256=sha256 or hashlib.sha256(data).hexdigest(), key="evidence/ab/x")


def test_a_small_corrupted_file_is_refused_before_a_byte_is_sent():
    good = b"%PDF-1.7 Urkunde AIZ-2026-0001"
    with pytest.raises(CorruptFile):
        _download(good.replace(b"0001", b"0002"), sha256=hashlib.sha256(good).hexdigest())
    with pytest.raises(CorruptFile):
        _download(good, size=len(good) + 1)


def test_a_large_corrupted_file_breaks_off_before_its_last_chunk():
    good = os.urandom(2 * CHUNK_SIZE + 10)
    bad = good[:-1] + bytes([good[-1] ^ 1])
    download = _download(bad, sha256=hashlib.sha256(good).hexdigest())
    sent = []
    with pytest.raises(CorruptFile):
        for piece in download:
            sent.append(piece)  # noqa: PERF402 - the pieces that went out before the refusal
    assert b"".join(sent) == good[:2 * CHUNK_SIZE]  # the differing last chunk never went out
    assert _download(good).read_all() == good


def test_a_download_closes_its_reader_when_abandoned():
    reader = io.BytesIO(os.urandom(CHUNK_SIZE + 1))
    download = Download(reader, size=CHUNK_SIZE + 1,
                        sha256=hashlib.sha256(reader.getvalue()).hexdigest())
    assert not reader.closed
    download.close()
    assert reader.closed
