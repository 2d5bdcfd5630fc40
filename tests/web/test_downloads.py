"""Downloads stream from either storage backend: same bytes, length, ETag, names with umlauts."""
from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from audit_app.extensions import db
from audit_app.models import AuditReport, Certificate, Evidence, FileChunk, StoredFile
from tests.conftest import csrf_token, fresh
from tests.ops.conftest import PDF_BYTES, populated, small_instance  # noqa: F401 (fixtures)

STORAGE = ("folder", "database")


@pytest.fixture(params=STORAGE)
def stored(request, app, catalog):
    """A populated instance whose files went to the ``STORAGE_BACKEND`` of the parameter."""
    app.config["STORAGE_BACKEND"] = request.param
    audit = request.getfixturevalue("populated")
    return request.param, audit


def _files_in_folder(app) -> list[Path]:
    folder = Path(app.config["FILES_FOLDER"])
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


def test_evidence_uploaded_and_downloaded_byte_for_byte(app, client, auth, stored):
    name, audit = stored
    auth.login(audit.lead_user.email)
    data = PDF_BYTES + "Prüfbericht – Müller & Söhne".encode() * 60_000  # two chunks
    token = csrf_token(client, f"/audits/{audit.id}/checklist")
    # Encoded here, in memory: the test client would spool a body this large to a temporary
    # file that it never closes.
    boundary, body = encode_multipart({
        "csrf_token": token,
        "file": FileStorage(io.BytesIO(data), filename="Prüfbericht Müller & Söhne.pdf",
                            content_type="application/pdf")})
    upload = client.post(f"/audits/{audit.id}/checklist/B1/evidence", data=body,
                         content_type=f"multipart/form-data; boundary={boundary}",
                         headers={"HX-Request": "true"})
    assert upload.status_code == 200
    fresh()
    evidence = db.session.scalars(sa.select(Evidence).order_by(Evidence.id.desc())).first()
    assert db.session.get(StoredFile, evidence.storage_key).backend == name
    in_folder = {p.relative_to(app.config["FILES_FOLDER"]).as_posix() for p in _files_in_folder(app)}
    assert (evidence.storage_key in in_folder) == (name == "folder")

    response = client.get(f"/audits/{audit.id}/evidence/{evidence.id}")
    assert response.status_code == 200 and response.data == data
    assert response.content_length == len(data)
    assert response.headers["ETag"] == f'"{evidence.sha256}"'
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="Prufbericht Muller & Sohne.pdf"; '
        "filename*=UTF-8''Pr%C3%BCfbericht%20M%C3%BCller%20&%20S%C3%B6hne.pdf")
    assert response.headers["Cache-Control"] == "private, no-cache"
    again = client.get(f"/audits/{audit.id}/evidence/{evidence.id}",
                       headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""


def test_certificate_and_report_pdfs_are_served_as_stored(app, client, auth, stored):
    name, audit = stored
    fresh()
    certificate = db.session.scalars(sa.select(Certificate)).one()
    reports = {r.lang: r for r in db.session.scalars(sa.select(AuditReport))}
    auth.login(audit.lead_user.email)
    for lang, digest in (("de", certificate.pdf_sha256), ("en", certificate.pdf_en_sha256)):
        response = client.get(f"/certificates/{certificate.number}.pdf?lang={lang}")
        assert response.status_code == 200, lang
        assert hashlib.sha256(response.data).hexdigest() == digest
        assert response.content_length == len(response.data)
        report = client.get(f"/audits/{certificate.audit_id}/report.pdf?lang={lang}")
        assert report.status_code == 200
        assert hashlib.sha256(report.data).hexdigest() == reports[lang].sha256
    chunks = db.session.scalar(sa.select(sa.func.count()).select_from(FileChunk))
    assert (chunks >= 6) == (name == "database")


def test_a_corrupted_stored_certificate_is_never_served(app, client, auth, stored):
    name, audit = stored
    fresh()
    certificate = db.session.scalars(sa.select(Certificate)).one()
    if name == "database":
        db.session.execute(sa.update(FileChunk).where(
            FileChunk.storage_key == certificate.pdf_storage_key).values(data=b"%PDF-1.7 falsch"))
        db.session.commit()
    else:
        (Path(app.config["FILES_FOLDER"]) / certificate.pdf_storage_key).write_bytes(b"%PDF-1.7")
    auth.login(audit.lead_user.email)
    assert client.get(f"/certificates/{certificate.number}.pdf").status_code == 404


def test_a_download_response_streams_its_chunks(app):
    from audit_app.storage import CHUNK_SIZE, Download
    from audit_app.storage.http import send_download

    data = b"%PDF-1.7 " + bytes(CHUNK_SIZE * 2)
    with app.test_request_context():
        response = send_download(Download.of_bytes(data), mimetype="application/pdf",
                                 filename="Auditbericht-A-2026-0001.pdf")
        assert response.is_streamed and response.content_length == len(data)
        pieces = list(response.response)
    assert [len(p) for p in pieces] == [CHUNK_SIZE, CHUNK_SIZE, 9]
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="Auditbericht-A-2026-0001.pdf"')
