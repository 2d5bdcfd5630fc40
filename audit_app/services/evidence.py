"""Evidence files: type checked from the content, stored by SHA-256 (see :mod:`audit_app.storage`)."""
from __future__ import annotations

import logging
import os
import zipfile
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import lazy_gettext as _l

from .. import archives, storage
from ..extensions import db
from ..models import Assessment, Audit, Evidence, User, utcnow
from . import events
from .errors import StorageFailed, ValidationFailed

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FileKind:
    media_type: str
    extensions: tuple[str, ...]


PDF = FileKind("application/pdf", (".pdf",))
PNG = FileKind("image/png", (".png",))
JPEG = FileKind("image/jpeg", (".jpg", ".jpeg"))
HEIC = FileKind("image/heic", (".heic", ".heif"))
WEBP = FileKind("image/webp", (".webp",))
DOCX = FileKind("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (".docx",))
XLSX = FileKind("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (".xlsx",))
PPTX = FileKind("application/vnd.openxmlformats-officedocument.presentationml.presentation", (".pptx",))
ODT = FileKind("application/vnd.oasis.opendocument.text", (".odt",))
ODS = FileKind("application/vnd.oasis.opendocument.spreadsheet", (".ods",))
ODP = FileKind("application/vnd.oasis.opendocument.presentation", (".odp",))
OLE = FileKind("application/x-ole-storage", (".doc", ".xls", ".ppt"))

ALLOWED_EXTENSIONS = sorted({e for k in (PDF, PNG, JPEG, HEIC, WEBP, DOCX, XLSX, PPTX, ODT, ODS, ODP, OLE) for e in k.extensions})
OLE_TYPES = {".doc": "application/msword", ".xls": "application/vnd.ms-excel",
              ".ppt": "application/vnd.ms-powerpoint"}
#: Every media type a stored file (evidence, proofs of conditions) is served with.
MEDIA_TYPES = sorted({k.media_type for k in (PDF, PNG, JPEG, HEIC, WEBP, DOCX, XLSX, PPTX, ODT,
                                             ODS, ODP)} | set(OLE_TYPES.values()))
_OOXML = {"word/": DOCX, "xl/": XLSX, "ppt/": PPTX}
_ODF = {ODT.media_type: ODT, ODS.media_type: ODS, ODP.media_type: ODP}


def sniff(data: bytes) -> FileKind | None:
    """The file's kind judged from its bytes (magic numbers, ZIP structure), or None."""
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data[4:8] == b"ftyp" and data[8:12] in (b"heic", b"heix", b"mif1", b"msf1", b"heif"):
        return HEIC
    if data.startswith(b"RIFF") and data[8:12] == b"WEBP":
        return WEBP
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return OLE
    if data.startswith(b"PK\x03\x04"):
        return _sniff_office(data)
    return None


#: Where Office puts the documents it embeds (e.g. the workbook behind a chart in a Word
#: file): nested archives by nature, accepted there and never opened.
_OFFICE_EMBEDDINGS = ("word/embeddings/", "xl/embeddings/", "ppt/embeddings/")


def _sniff_office(data: bytes) -> FileKind | None:
    """An OOXML or ODF document judged from its ZIP directory, through :mod:`audit_app.archives`
    (the one place that opens uploaded archives): bounded directory, claimed sizes and
    ratios capped, no nested archives, and at most a few bytes decompressed per entry.
    ODF's ``mimetype`` entry must be stored uncompressed (as the standard says)."""
    try:
        archive = archives.open_archive(data, allow_nested_under=_OFFICE_EMBEDDINGS)
    except archives.ArchiveRefused as exc:
        log.info("evidence refused: %s", exc.reason)
        return None
    names = archive.names()
    mimetype = archive.entry("mimetype")
    if mimetype is not None:
        if mimetype.method != zipfile.ZIP_STORED:
            return None
        return _ODF.get(archive.read("mimetype", 100).decode("ascii", "replace").strip())
    if "[Content_Types].xml" in names:
        for prefix, kind in _OOXML.items():
            if any(n.startswith(prefix) for n in names):
                return kind
    return None


#: The longest file name accepted (after the path is stripped).
MAX_NAME_LENGTH = 200


def clean_filename(name: str) -> str:
    """The file's base name without any path, control characters or leading dots.

    Not shortened: cutting a long name would cut off its extension, so :func:`add_evidence`
    refuses a name longer than :data:`MAX_NAME_LENGTH` with its own message instead.
    """
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(ch for ch in name if ch.isprintable()).strip().lstrip(".")


@dataclass(frozen=True)
class CheckedFile:
    """An accepted upload: its cleaned name and the media type judged from its content."""

    name: str
    media_type: str


def check_file(filename: str, data: bytes, max_bytes: int,
               refused=_l("the file was not stored")) -> CheckedFile:
    """Check an uploaded file (evidence, proofs of conditions) before anything is stored.

    Refuses (ValidationFailed, field ``file``) an empty or oversized file, a name without an
    allowed extension or too long, and content whose type does not match the extension (e.g.
    an EXE renamed to .pdf).
    """
    name = clean_filename(filename)
    ext = os.path.splitext(name)[1].lower()
    if len(name) > MAX_NAME_LENGTH:
        raise ValidationFailed(refused, fields={"file": _l(
            "the file name is too long (at most %(num)s characters)", num=MAX_NAME_LENGTH)})
    if not name or not ext:
        raise ValidationFailed(refused, fields={"file": _l("the file needs a name with an extension")})
    if not data:
        raise ValidationFailed(refused, fields={"file": _l("the file is empty")})
    if len(data) > max_bytes:
        raise ValidationFailed(refused, fields={"file": _l("the file is too large")})
    if ext not in ALLOWED_EXTENSIONS:
        raise ValidationFailed(refused, fields={"file": _l("this file type is not accepted")})
    kind = sniff(data)
    if kind is None or ext not in kind.extensions:
        raise ValidationFailed(refused, fields={"file": _l("the content does not match the file type")})
    return CheckedFile(name, OLE_TYPES[ext] if kind is OLE else kind.media_type)


def store_file(data: bytes, store: storage.Storage | None = None) -> storage.StoredBlob:
    """Write checked bytes to the file store (content-addressed, kind "evidence")."""
    try:
        return (store or storage.current()).put(data, "evidence")
    except (OSError, storage.StorageError) as exc:
        raise StorageFailed(_l("the file could not be stored; please try again later")) from exc


def check_dates(document_date: date | None, valid_until: date | None) -> dict[str, str]:
    """Problems with a document's dates: „gültig bis“ cannot be before the document's date."""
    if document_date and valid_until and valid_until < document_date:
        return {"valid_until": _l("cannot be before the document's date")}
    return {}


def add_evidence(
    audit: Audit,
    assessment: Assessment,
    *,
    filename: str,
    data: bytes,
    actor: User,
    max_bytes: int,
    store: storage.Storage | None = None,
    document_date: date | None = None,
    valid_until: date | None = None,
    now: datetime | None = None,
) -> Evidence:
    """Check and store an uploaded file for one criterion, then record it.

    Refuses (ValidationFailed) what :func:`check_file` refuses and a „gültig bis“ before the
    document's date. The optional dates are the document's own (not the upload time). The
    bytes are written before the row is flushed; a failed write leaves no row. ``store``
    defaults to the app's storage (``STORAGE_BACKEND``).
    """
    problems = check_dates(document_date, valid_until)
    if problems:
        raise ValidationFailed(_l("the file was not stored"), fields=problems)
    checked = check_file(filename, data, max_bytes)
    stored = store_file(data, store)
    digest = stored.sha256
    evidence = Evidence(
        assessment_id=assessment.id, original_name=checked.name, size=len(data),
        media_type=checked.media_type, sha256=digest, storage_key=stored.key,
        uploaded_by_id=actor.id, uploaded_at=now or utcnow(), document_date=document_date,
        valid_until=valid_until,
    )
    db.session.add(evidence)
    db.session.flush()
    new = {"name": checked.name, "size": len(data), "sha256": digest}
    if document_date:
        new["document_date"] = document_date.isoformat()
    if valid_until:
        new["valid_until"] = valid_until.isoformat()
    events.record("evidence_added", actor=actor, subject_type="evidence", subject_id=evidence.id,
                  audit_id=audit.id, new=new, note=assessment.criterion.code, at=now)
    return evidence


def open_evidence(evidence) -> storage.Download | None:
    """A stored upload ready to stream (evidence, a centre's document, a proof of a
    condition: any row with ``storage_key`` and ``sha256``), checked against its SHA-256;
    None when it is missing or (up to one chunk) no longer matches (logged)."""
    try:
        return storage.current().download(evidence.storage_key, evidence.sha256)
    except (storage.FileMissing, storage.CorruptFile):
        return None


def remove_evidence(audit: Audit, evidence: Evidence, *, actor: User) -> None:
    """Mark evidence as removed (the file stays for the record) and log it."""
    evidence.removed_at = utcnow()
    evidence.removed_by_id = actor.id
    db.session.flush()
    events.record("evidence_removed", actor=actor, subject_type="evidence", subject_id=evidence.id,
                  audit_id=audit.id, old={"name": evidence.original_name, "sha256": evidence.sha256},
                  note=evidence.assessment.criterion.code)
