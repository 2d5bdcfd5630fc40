"""Hostile ZIP files built in the test: decompression bombs, nested and overlapping archives.

Nothing here decompresses; the bombs are written raw (local headers, data, central
directory) so that an entry can claim any size and use any method. Building a bomb is cheap:
a deflate bomb repeats one byte-aligned block of compressed zeros (a full flush makes each
block independent), a bzip2 bomb is compressed once per process and cached.
"""
from __future__ import annotations

import bz2
import struct
import zlib
from dataclasses import dataclass
from functools import cache

STORED, DEFLATED, BZIP2 = 0, 8, 12
MiB = 1024 * 1024
_CHUNK = 16 * MiB


@dataclass(frozen=True)
class Member:
    """One entry as written: its name, raw (already compressed) data and what it claims."""

    name: str
    raw: bytes
    method: int
    size: int
    crc: int


def stored(name: str, data: bytes) -> Member:
    return Member(name, data, STORED, len(data), zlib.crc32(data))


def deflated(name: str, data: bytes) -> Member:
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return Member(name, compressor.compress(data) + compressor.flush(), DEFLATED, len(data),
                  zlib.crc32(data))


@cache
def _zeros_crc(size: int) -> int:
    crc, chunk = 0, bytes(_CHUNK)
    for _ in range(size // _CHUNK):
        crc = zlib.crc32(chunk, crc)
    return zlib.crc32(bytes(size % _CHUNK), crc)


@cache
def deflate_zeros(size: int) -> bytes:
    """Raw deflate data of ``size`` zero bytes (a multiple of 16 MiB), about 1/1000 of it."""
    assert size % _CHUNK == 0
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = compressor.compress(bytes(_CHUNK)) + compressor.flush(zlib.Z_FULL_FLUSH)
    final = zlib.compressobj(9, zlib.DEFLATED, -15).flush(zlib.Z_FINISH)
    return block * (size // _CHUNK) + final


@cache
def bzip2_zeros(size: int) -> bytes:
    """bzip2 data of ``size`` zero bytes: a few hundred bytes for hundreds of MB."""
    compressor = bz2.BZ2Compressor(9)
    chunk = bytes(_CHUNK)
    parts = [compressor.compress(chunk) for _ in range(size // _CHUNK)]
    parts.append(compressor.compress(bytes(size % _CHUNK)))
    return b"".join(parts) + compressor.flush()


def bomb_member(name: str, method: int, size: int) -> Member:
    raw = deflate_zeros(size) if method == DEFLATED else bzip2_zeros(size)
    return Member(name, raw, method, size, _zeros_crc(size))


def raw_zip(members: list[Member], *, overlap: bool = False) -> bytes:
    """A ZIP file of ``members`` exactly as given. ``overlap`` points every central directory
    record at the first local header (the "non-recursive" bomb trick)."""
    body = bytearray()
    directory = bytearray()
    first_offset = 0
    for member in members:
        name = member.name.encode("utf-8")
        offset = len(body)
        body += struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0x800, member.method, 0, 0,
                            member.crc, len(member.raw), member.size, len(name), 0)
        body += name + member.raw
        directory += struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0x800, member.method, 0, 0,
                                 member.crc, len(member.raw), member.size, len(name), 0, 0, 0, 0,
                                 0, first_offset if overlap else offset)
        directory += name
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(members), len(members),
                      len(directory), len(body), 0)
    return bytes(body + directory + end)


CONTENT_TYPES = b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'
ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"


def office_bomb(method: int, size: int, ext: str) -> bytes:
    """A file that looks like an office document and holds a bomb where the old sniffer read
    (``mimetype``) and where a document's content lives."""
    part = {".docx": "word/document.xml", ".xlsx": "xl/workbook.xml"}.get(ext, "content.xml")
    return raw_zip([
        bomb_member("mimetype", method, size),
        deflated("[Content_Types].xml", CONTENT_TYPES),
        bomb_member(part, method, size),
    ])


def docx(extra: list[Member] = ()) -> bytes:
    """A minimal (sniffable) Word document, optionally with more entries."""
    return raw_zip([deflated("[Content_Types].xml", CONTENT_TYPES),
                    deflated("word/document.xml", b"<w:document>Pr\xc3\xbcfbericht</w:document>"),
                    *extra])


def odt(mimetype_method: int = STORED) -> bytes:
    mimetype = stored("mimetype", ODT_MIMETYPE) if mimetype_method == STORED else deflated(
        "mimetype", ODT_MIMETYPE)
    return raw_zip([mimetype, deflated("content.xml", b"<office:text>Gr\xc3\xbcnderzentrum</office:text>")])
