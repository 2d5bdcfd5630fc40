"""Looking inside an uploaded ZIP container (an office document) without trusting it.

Office documents (.docx, .xlsx, .pptx, .odt, .ods, .odp) are ZIP archives, and a ZIP archive
claims whatever its author wants: a 919-byte file can hold a bzip2 entry that decompresses to
a gigabyte, a small deflate file can hold thousands of entries or entries that overlap
("non-recursive" bombs), and an entry can itself be an archive. This module is the one place
that opens such a file, and it never decompresses more than a few bytes:

* the end-of-central-directory record is found and checked *before* :mod:`zipfile` parses
  anything: at most :data:`Limits.max_entries` entries and a central directory of at most
  :data:`Limits.max_directory_bytes` (so even the parse is bounded); ZIP64 is refused (an
  office document of our size never needs it);
* only stored and deflated entries are accepted (what Microsoft Office and LibreOffice
  write); bzip2, LZMA, zstd and the rest are refused, as are encrypted entries;
* every entry's claimed size is capped (:data:`Limits.max_entry_bytes`, together
  :data:`Limits.max_total_bytes`) and so is its claimed ratio (:data:`Limits.max_ratio`);
  entries must lie inside the file, must not overlap and must have distinct names;
* nested archives are refused: an entry named like an archive, or whose first bytes are an
  archive's signature (ZIP, gzip, bzip2, xz, 7z, RAR, zstd, CAB); ``allow_nested_under``
  names folders where a format legitimately embeds documents (Office puts the workbook of
  a chart under ``word/embeddings/``); those are never opened;
* :meth:`Archive.read` returns at most ``limit`` bytes of an entry (default
  :data:`READ_LIMIT`), decompressing incrementally with a cap on the output and on the
  output/input ratio.

Pure standard library, no Flask: :func:`open_archive` takes bytes and returns an
:class:`Archive` or raises :class:`ArchiveRefused` with the reason.
"""
from __future__ import annotations

import io
import itertools
import struct
import zipfile
import zlib
from dataclasses import dataclass

#: Bytes read (decompressed) from one entry at most, unless the caller asks for fewer.
READ_LIMIT = 4096
#: Bytes peeked at the start of every entry to recognise a nested archive.
PEEK_BYTES = 8
#: Compressed bytes fed to the decompressor per step (and at most per peek, see _inflate).
_STEP = 512

_EOCD = b"PK\x05\x06"
_ZIP64_LOCATOR = b"PK\x06\x07"
_LOCAL = b"PK\x03\x04"
_EOCD_SIZE = 22
_LOCAL_SIZE = 30

#: Signatures of archive and compressed formats (at offset 0).
ARCHIVE_SIGNATURES = (
    b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08",  # ZIP (and every office document)
    b"\x1f\x8b",                                     # gzip
    b"BZh",                                          # bzip2
    b"\xfd7zXZ\x00",                                 # xz
    b"7z\xbc\xaf\x27\x1c",                           # 7-Zip
    b"Rar!\x1a\x07",                                 # RAR
    b"\x28\xb5\x2f\xfd",                             # zstd
    b"MSCF",                                         # Microsoft cabinet
    b"\x1f\x9d", b"\x1f\xa0",                        # compress / LZH
)
#: File name endings of archives (a nested one is refused whatever its content).
ARCHIVE_SUFFIXES = (
    ".zip", ".gz", ".tgz", ".bz2", ".tbz", ".xz", ".txz", ".7z", ".rar", ".zst", ".lz",
    ".lzma", ".cab", ".tar", ".jar", ".war", ".arj", ".z", ".docx", ".xlsx", ".pptx",
    ".docm", ".xlsm", ".pptm", ".odt", ".ods", ".odp", ".odg",
)


class ArchiveRefused(ValueError):
    """The archive breaks one of the rules; ``reason`` says which (plain English, for logs)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Limits:
    """What an archive may claim. The defaults fit office documents up to a few hundred MB
    unpacked; an upload is at most 20 MB packed."""

    max_entries: int = 5000
    max_directory_bytes: int = 1024 * 1024
    max_entry_bytes: int = 256 * 1024 * 1024
    max_total_bytes: int = 1024 * 1024 * 1024
    #: Claimed size / compressed size, checked for entries above ``ratio_floor`` bytes.
    max_ratio: int = 250
    ratio_floor: int = 1024 * 1024


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True)
class Entry:
    """One member: its name, method (stored or deflated), sizes and where its data starts."""

    name: str
    method: int
    compressed: int
    size: int
    data_start: int


@dataclass(frozen=True)
class Archive:
    """A checked archive: its entries; :meth:`read` returns a bounded prefix of one."""

    data: bytes
    entries: tuple[Entry, ...]

    def names(self) -> list[str]:
        return [e.name for e in self.entries]

    def entry(self, name: str) -> Entry | None:
        return next((e for e in self.entries if e.name == name), None)

    def read(self, name: str, limit: int = READ_LIMIT) -> bytes:
        """The first ``min(limit, READ_LIMIT)`` bytes of entry ``name`` (KeyError if none)."""
        entry = self.entry(name)
        if entry is None:
            raise KeyError(name)
        return _read_prefix(self.data, entry, min(limit, READ_LIMIT))


def open_archive(
    data: bytes, *, limits: Limits = DEFAULT_LIMITS, allow_nested_under: tuple[str, ...] = ()
) -> Archive:
    """Check ``data`` as a ZIP archive against every rule above; the :class:`Archive` or
    :class:`ArchiveRefused`. Reads at most :data:`PEEK_BYTES` of each entry."""
    directory_start, directory_end = _check_end_record(data, limits)
    try:
        with zipfile.ZipFile(io.BytesIO(data[:directory_end])) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError,
            struct.error, UnicodeDecodeError) as exc:
        raise ArchiveRefused(f"not a readable ZIP archive ({type(exc).__name__})") from exc
    if len(infos) > limits.max_entries:
        raise ArchiveRefused(f"more than {limits.max_entries} entries")
    entries = []
    total = 0
    if len({info.filename for info in infos}) != len(infos):
        raise ArchiveRefused("an entry name occurs twice")
    for info in infos:
        entries.append(_check_entry(data, info, limits))
        total += info.file_size
        if total > limits.max_total_bytes:
            raise ArchiveRefused("the entries claim too much data in total")
    _check_no_overlap(entries, infos, directory_start)
    archive = Archive(data=data, entries=tuple(entries))
    for entry in archive.entries:
        if entry.name.endswith("/") or entry.size == 0:
            continue
        if allow_nested_under and entry.name.startswith(allow_nested_under):
            continue
        if entry.name.lower().endswith(ARCHIVE_SUFFIXES):
            raise ArchiveRefused(f"nested archive {entry.name!r}")
        if _read_prefix(data, entry, PEEK_BYTES).startswith(ARCHIVE_SIGNATURES):
            raise ArchiveRefused(f"nested archive {entry.name!r}")
    return archive


def _check_end_record(data: bytes, limits: Limits) -> tuple[int, int]:
    """Find the end-of-central-directory record and check its counts and sizes; return where
    the central directory starts and where the record (with its comment) ends, so that
    zipfile sees exactly the directory checked here."""
    pos = data.rfind(_EOCD, max(0, len(data) - (_EOCD_SIZE + 65535)))
    if pos < 0 or pos + _EOCD_SIZE > len(data):
        raise ArchiveRefused("no end of central directory")
    (_sig, disk, cd_disk, _here, count, cd_size, cd_offset,
     comment_len) = struct.unpack("<4s4H2LH", data[pos:pos + _EOCD_SIZE])
    if disk != 0 or cd_disk != 0:
        raise ArchiveRefused("multi-disk archive")
    if data[max(0, pos - 20):pos].startswith(_ZIP64_LOCATOR) or 0xFFFF in (count, _here) \
            or 0xFFFFFFFF in (cd_size, cd_offset):
        raise ArchiveRefused("ZIP64 archive")
    if count > limits.max_entries:
        raise ArchiveRefused(f"more than {limits.max_entries} entries")
    if cd_size > limits.max_directory_bytes:
        raise ArchiveRefused("central directory too large")
    if cd_offset + cd_size > pos:
        raise ArchiveRefused("central directory outside the file")
    return pos - cd_size, min(len(data), pos + _EOCD_SIZE + comment_len)


def _check_entry(data: bytes, info: zipfile.ZipInfo, limits: Limits) -> Entry:
    name = info.filename
    if info.flag_bits & 0x1:
        raise ArchiveRefused(f"encrypted entry {name!r}")
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise ArchiveRefused(f"entry {name!r} uses compression method {info.compress_type}")
    if info.compress_type == zipfile.ZIP_STORED and info.compress_size != info.file_size:
        raise ArchiveRefused(f"stored entry {name!r} with two different sizes")
    if info.file_size > limits.max_entry_bytes:
        raise ArchiveRefused(f"entry {name!r} claims {info.file_size} bytes")
    if info.file_size > limits.ratio_floor and \
            info.file_size > limits.max_ratio * max(1, info.compress_size):
        raise ArchiveRefused(f"entry {name!r} claims a compression ratio above {limits.max_ratio}")
    offset = info.header_offset
    header = data[offset:offset + _LOCAL_SIZE]
    if len(header) < _LOCAL_SIZE or not header.startswith(_LOCAL):
        raise ArchiveRefused(f"entry {name!r} has no local header")
    name_len, extra_len = struct.unpack("<2H", header[26:30])
    start = offset + _LOCAL_SIZE + name_len + extra_len
    if start + info.compress_size > len(data):
        raise ArchiveRefused(f"entry {name!r} reaches beyond the file")
    return Entry(name=name, method=info.compress_type, compressed=info.compress_size,
                 size=info.file_size, data_start=start)


def _check_no_overlap(entries: list[Entry], infos: list[zipfile.ZipInfo],
                      directory_start: int) -> None:
    """Every entry's local header and data lie before the next entry's header, and all of
    them before the central directory."""
    spans = sorted((info.header_offset, entry.data_start + entry.compressed)
                   for entry, info in zip(entries, infos, strict=True))
    for (start, end), (next_start, _next_end) in itertools.pairwise(spans):
        if next_start < end or next_start == start:
            raise ArchiveRefused("entries overlap")
    if spans and spans[-1][1] > directory_start:
        raise ArchiveRefused("entries overlap the central directory")


def _read_prefix(data: bytes, entry: Entry, limit: int) -> bytes:
    """At most ``limit`` bytes from the start of ``entry``, decompressing only that much."""
    raw = memoryview(data)[entry.data_start:entry.data_start + entry.compressed]
    if entry.method == zipfile.ZIP_STORED:
        return bytes(raw[:limit])
    return _inflate(raw, limit)


def _inflate(raw: memoryview, limit: int, max_ratio: int = 1100) -> bytes:
    """Raw deflate, output capped at ``limit`` bytes; input fed in small steps and capped
    too (a stream of empty blocks yields nothing), and the output/input ratio must stay
    below deflate's own maximum (about 1032:1), else the stream is not honest deflate."""
    inflater = zlib.decompressobj(-15)
    out = bytearray()
    used = 0
    max_input = max(_STEP, limit * 4 + 4 * _STEP)
    try:
        while len(out) < limit and used < len(raw):
            if used >= max_input:
                raise ArchiveRefused("entry yields too little data for its size")
            chunk = bytes(raw[used:used + _STEP])
            used += len(chunk)
            out += inflater.decompress(chunk, limit - len(out))
            while inflater.unconsumed_tail and len(out) < limit:
                out += inflater.decompress(inflater.unconsumed_tail, limit - len(out))
            if len(out) > max_ratio * used:
                raise ArchiveRefused("entry expands beyond deflate's ratio")
            if inflater.eof:
                break
    except zlib.error as exc:
        raise ArchiveRefused("entry is not valid deflate data") from exc
    return bytes(out[:limit])
