"""audit_app.archives: uploaded ZIP containers are checked without decompressing them."""
from __future__ import annotations

import io
import resource
import struct
import zipfile

import pytest

from audit_app import archives
from audit_app.archives import ArchiveRefused, open_archive
from tests import bombs
from tests.bombs import BZIP2, DEFLATED, Member, MiB, deflated, raw_zip, stored


def real_docx() -> bytes:
    """A Word-like file written by zipfile (as Office would: deflated parts)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", bombs.CONTENT_TYPES)
        zf.writestr("word/document.xml", "<w:document>Prüfbericht Göttingen</w:document>" * 50)
        zf.writestr("word/embeddings/Microsoft_Excel_Worksheet.xlsx", bombs.docx())
    return buffer.getvalue()


def test_an_office_document_opens_and_lists_its_entries():
    archive = open_archive(real_docx(), allow_nested_under=("word/embeddings/",))
    assert archive.names() == ["[Content_Types].xml", "word/document.xml",
                               "word/embeddings/Microsoft_Excel_Worksheet.xlsx"]
    assert archive.read("word/document.xml", 12) == b"<w:document>"


def test_reading_an_entry_decompresses_a_few_kilobytes_at_most():
    # The entry really holds 256 MB of zeros but claims only 100 bytes: the claim passes,
    # yet reading returns at most READ_LIMIT bytes, and memory does not grow.
    member = bombs.bomb_member("word/header1.xml", DEFLATED, 256 * MiB)
    liar = Member(member.name, member.raw, DEFLATED, 100, member.crc)
    archive = open_archive(bombs.docx([liar]))
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert archive.read("word/header1.xml", 10**9) == bytes(archives.READ_LIMIT)
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert grown_kib < 10 * 1024


@pytest.mark.parametrize("method", [BZIP2, 14, 93, 99], ids=["bzip2", "lzma", "zstd", "aes"])
def test_only_stored_and_deflated_entries_are_accepted(method):
    member = Member("word/header1.xml", b"BZh91AY&SY" + bytes(40), method, 50, 0)
    with pytest.raises(ArchiveRefused, match="compression method"):
        open_archive(bombs.docx([member]))


@pytest.mark.parametrize("method", [DEFLATED, BZIP2], ids=["deflate", "bzip2"])
def test_bombs_are_refused_by_their_claims_without_decompressing(method):
    with pytest.raises(ArchiveRefused):
        open_archive(bombs.office_bomb(method, 256 * MiB, ".docx"))


def test_a_claimed_ratio_above_the_limit_is_refused():
    member = bombs.bomb_member("xl/worksheets/sheet1.xml", DEFLATED, 32 * MiB)
    with pytest.raises(ArchiveRefused, match="ratio"):
        open_archive(bombs.docx([member]))


def test_claimed_sizes_are_capped_per_entry_and_in_total():
    limits = archives.Limits(max_entry_bytes=1000, max_total_bytes=1500, max_ratio=10**6)
    big = deflated("word/big.xml", bytes(1001))
    with pytest.raises(ArchiveRefused, match="claims 1001 bytes"):
        open_archive(bombs.docx([big]), limits=limits)
    halves = [deflated(f"word/teil{i}.xml", bytes(800)) for i in range(2)]
    with pytest.raises(ArchiveRefused, match="in total"):
        open_archive(bombs.docx(halves), limits=limits)


@pytest.mark.parametrize("name, data", [
    ("anhang.zip", b"not even a zip"),
    ("word/media/bild.png", bombs.docx()),            # a ZIP behind a harmless name
    ("word/media/daten.bin", b"\x1f\x8b\x08\x00" + bytes(20)),  # gzip
    ("word/media/daten.bin", b"BZh91AY&SY" + bytes(20)),        # bzip2
    ("word/media/daten.bin", b"\xfd7zXZ\x00" + bytes(20)),      # xz
    ("word/media/daten.bin", b"7z\xbc\xaf\x27\x1c" + bytes(20)),
    ("word/media/daten.bin", b"Rar!\x1a\x07\x00" + bytes(20)),
    ("Übersicht.docx", b"<xml/>"),
], ids=["zip-name", "zip-magic", "gzip", "bzip2", "xz", "7z", "rar", "docx-name"])
def test_nested_archives_are_refused(name, data):
    for member in (stored(name, data), deflated(name, data)):
        with pytest.raises(ArchiveRefused, match="nested archive"):
            open_archive(bombs.docx([member]))


def test_documents_embedded_where_office_embeds_them_are_accepted_but_not_opened():
    embedded = deflated("word/embeddings/Microsoft_Excel_Worksheet.xlsx", bombs.docx())
    archive = open_archive(bombs.docx([embedded]), allow_nested_under=("word/embeddings/",))
    assert "word/embeddings/Microsoft_Excel_Worksheet.xlsx" in archive.names()
    with pytest.raises(ArchiveRefused, match="nested archive"):
        open_archive(bombs.docx([embedded]))


def test_overlapping_entries_are_refused():
    members = [deflated(f"word/teil{i}.xml", b"<p>Gr\xc3\xbc\xc3\x9fe</p>" * 20) for i in range(3)]
    assert open_archive(raw_zip(members))
    with pytest.raises(ArchiveRefused, match="overlap"):
        open_archive(raw_zip(members, overlap=True))


def _with_end_record(data: bytes, **fields) -> bytes:
    """``data`` with fields of its end-of-central-directory record replaced."""
    pos = data.rfind(b"PK\x05\x06")
    sig, disk, cd_disk, here, count, size, offset, comment = struct.unpack(
        "<4s4H2LH", data[pos:pos + 22])
    values = {"here": here, "count": count, "size": size, **fields}
    record = struct.pack("<4s4H2LH", sig, disk, cd_disk, values["here"], values["count"],
                         values["size"], offset, comment)
    return data[:pos] + record + data[pos + 22:]


def test_the_entry_count_is_checked_before_the_directory_is_parsed():
    with pytest.raises(ArchiveRefused, match="more than 5000 entries"):
        open_archive(_with_end_record(bombs.docx(), here=6000, count=6000))


def test_a_huge_central_directory_is_refused_before_parsing():
    with pytest.raises(ArchiveRefused, match="central directory too large"):
        open_archive(_with_end_record(bombs.docx(), size=2 * MiB))


def test_zip64_and_garbage_are_refused():
    with pytest.raises(ArchiveRefused, match="ZIP64"):
        open_archive(_with_end_record(bombs.docx(), here=0xFFFF, count=0xFFFF))
    for garbage in (b"PK\x03\x04 kaputt", b"PK\x03\x04" + bytes(100) + b"PK\x05\x06" + b"\x01"):
        with pytest.raises(ArchiveRefused):
            open_archive(garbage)


def test_two_entries_with_the_same_name_are_refused():
    with pytest.raises(ArchiveRefused, match="twice"):
        open_archive(bombs.docx([deflated("word/document.xml", b"<w:document/>")]))


def test_encrypted_entries_are_refused():
    data = bytearray(bombs.docx())
    for signature in (b"PK\x03\x04", b"PK\x01\x02"):  # set the "encrypted" flag everywhere
        start = 0
        while (pos := data.find(signature, start)) >= 0:
            flag_at = pos + (6 if signature == b"PK\x03\x04" else 8)
            data[flag_at] |= 0x01
            start = pos + 4
    with pytest.raises(ArchiveRefused, match="encrypted"):
        open_archive(bytes(data))


def test_a_deflate_stream_that_yields_nothing_is_refused():
    # Empty stored blocks: input is consumed, no output ever comes (an endless stream).
    empty_blocks = b"\x00\x00\x00\xff\xff" * 20000
    member = Member("word/header1.xml", empty_blocks, DEFLATED, 100, 0)
    with pytest.raises(ArchiveRefused, match="too little data"):
        open_archive(bombs.docx([member]))


def test_the_module_is_pure_standard_library():
    import ast
    import sys
    from pathlib import Path

    source = Path(archives.__file__).read_text(encoding="utf-8")
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import | ast.ImportFrom):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module]
            for name in names:
                top = (name or "").split(".")[0]
                assert node.__class__ is ast.Import or node.level == 0, "no relative imports"
                assert top in sys.stdlib_module_names or top == "__future__", name
