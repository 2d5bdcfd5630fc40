"""A recording stand-in for WeasyPrint, for tests whose subject is not the PDF itself.

Rendering is about 40 % of the web tests' time (every decision renders four PDFs). Tests in
``tests/pdf/``, ``tests/security/``, ``tests/browser/`` and every test marked ``real_pdf``
keep the real WeasyPrint; all others get this renderer through the ``PDF_RENDERER`` setting.
It records each HTML it was asked to render and returns a small, valid one-page PDF whose
bytes (and so whose SHA-256) differ with the HTML, as real renderings do.
"""
from __future__ import annotations

import hashlib
import threading


def minimal_pdf(marker: str) -> bytes:
    """A valid one-page PDF 1.4 (pypdf reads it) carrying ``marker`` in its Info dictionary."""
    marker = "".join(ch for ch in marker if ch.isalnum())[:64]
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
        b"<< /Producer (audit-app test renderer) /Title (" + marker.encode("ascii") + b") >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += (b"trailer\n<< /Size %d /Root 1 0 R /Info 4 0 R >>\nstartxref\n%d\n%%%%EOF\n"
            % (len(objects) + 1, xref))
    return bytes(out)


class FakePdfRenderer:
    """Callable like ``audit_app.pdf.render.weasyprint_pdf``: HTML in, PDF bytes out."""

    def __init__(self):
        self.calls: list[str] = []
        self._lock = threading.Lock()

    def __call__(self, html: str) -> bytes:
        with self._lock:
            self.calls.append(html)
        return minimal_pdf(hashlib.sha256(html.encode("utf-8")).hexdigest())

    def rendered(self, needle: str) -> list[str]:
        """The recorded HTML documents that contain ``needle``."""
        return [html for html in self.calls if needle in html]


class CertificatesOnly:
    """Real WeasyPrint for certificates, the recording fake for everything else.

    For tests whose subject is the certificate: a decision also renders the 13-page report
    in two languages (about a second), which tests/pdf/test_reports.py reads for real.
    """

    def __init__(self):
        self.fake = FakePdfRenderer()

    def __call__(self, html: str) -> bytes:
        if 'data-document="certificate"' in html[:400]:
            from audit_app.pdf.render import weasyprint_pdf

            return weasyprint_pdf(html)
        return self.fake(html)
