"""Certificate figures P6, P7 and P9 of PERFORMANCE.md (P8, the report, sits with the others).

P6  issuing: everything ``issue_for`` does (number, supersession check, context from the
    database, German and English render, storing, events), rolled back after each call,
    divided by rendering the same two certificates from a prepared context.
P7  downloading an issued certificate (stored bytes, checked against its SHA-256) ÷ hello.
P9  resident memory growth over many certificate renders in one process (< 10 MB).
"""
from __future__ import annotations

import gc

from .harness import MemoryFigure, measure


def decided_audit(audit_id: int, lead_id: int):
    """Review and decide the (submitted) audit as an award; returns its certificate."""
    from audit_app.extensions import db
    from audit_app.models import Audit, User
    from audit_app.services import audits as svc
    from audit_app.services import certificates
    from audit_app.workflow import Action, Decision

    audit = db.session.get(Audit, audit_id)
    lead = db.session.get(User, lead_id)
    svc.transition(audit, Action.BEGIN_REVIEW, lead)
    svc.agree_with_remaining(audit, actor=lead)  # decide needs every row reviewed
    svc.transition(audit, Action.DECIDE, lead, decision=Decision.AWARD,
                   override_reason="Benchmark: Vergabe unabhängig vom Ergebnis")
    db.session.commit()
    return certificates.for_audit(audit)[0]


def rss_bytes() -> int:
    """The process's current resident set size (Linux /proc)."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def figures(app, add, *, client, hello, audit_id: int, lead_id: int, pairs: int,
            renders: int) -> None:
    from audit_app.extensions import db
    from audit_app.models import Audit, Certificate, User
    from audit_app.pdf.certificate import certificate_context, render_certificate
    from audit_app.services import certificates

    with app.app_context():
        certificate = decided_audit(audit_id, lead_id)
        number, certificate_id = certificate.number, certificate.id
        static = {lang: certificate_context(certificate, lang) for lang in ("de", "en")}

        def static_renders():
            for lang in ("de", "en"):
                render_certificate(static[lang])

        def issue():
            audit = db.session.get(Audit, audit_id)
            lead = db.session.get(User, lead_id)
            try:
                certificate = certificates.issue_for(audit, lead)
                for lang in certificates.LANGUAGES:  # rendered after the decision's commit
                    certificates.render_and_store(certificate, lang, lead)
            finally:
                db.session.rollback()
                db.session.expire_all()

        with app.test_request_context(method="POST"):
            add(measure("P6", "issuing a certificate (de + en PDF, stored)", "static",
                        static_renders, issue, target=1.5, pairs=max(3, pairs // 3), repeat=1,
                        warmup=1))

    add(measure("P7", "downloading an issued certificate PDF", "hello", hello,
                _download(client, f"/certificates/{number}.pdf"), target=2, pairs=pairs))

    with app.app_context():
        context = certificate_context(db.session.get(Certificate, certificate_id), "de")
        for _ in range(20):  # caches, fonts and allocator arenas settle first
            render_certificate(context)
        gc.collect()
        before = rss_bytes()
        for _ in range(renders):
            render_certificate(context)
        gc.collect()
        add(MemoryFigure("P9", f"RSS growth over {renders} certificate renders",
                         growth=rss_bytes() - before, limit=10 * 1024 * 1024))


def _download(client, path: str):
    def call():
        response = client.get(path)
        assert response.status_code == 200 and response.mimetype == "application/pdf", path
        response.close()
    return call
