"""Audit reports as PDF: a fresh draft while the audit is open, the stored one once decided.

Every function flushes, never commits. A decided audit's report is rendered once per
language, stored by SHA-256 like the certificates (:func:`certificates.store_pdf`) and
served byte for byte afterwards; reopening the audit marks those rows as no longer current.
"""
from __future__ import annotations

import logging

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from .. import storage
from ..extensions import db
from ..models import Audit, AuditReport, User
from ..workflow import AuditStatus
from . import events
from .certificates import open_stored, store_pdf
from .errors import ValidationFailed

log = logging.getLogger(__name__)

#: Languages a report is stored in at decision time.
LANGUAGES = ("de", "en")


class ReportRenderFailed(ValidationFailed):
    """The report PDF could not be rendered (a decision must roll back with it)."""


def _render(audit: Audit, lang: str) -> bytes:
    from ..pdf.report import render_report, report_context

    try:
        return render_report(report_context(audit, lang))
    except Exception:
        log.exception("audit report PDF (%s) for audit %s failed to render", lang, audit.id)
        raise ReportRenderFailed(
            _l("The audit report could not be created. "
               "Please try again or tell the association office.")
        ) from None


def _store(audit: Audit, lang: str, actor: User | None) -> tuple[AuditReport, bytes]:
    data = _render(audit, lang)
    digest, key = store_pdf(data, "reports")
    report = AuditReport(audit_id=audit.id, lang=lang, sha256=digest, storage_key=key,
                         current=True)
    db.session.add(report)
    db.session.flush()
    events.record(
        "report_pdf_stored", actor=actor, subject_type="audit_report", subject_id=report.id,
        audit_id=audit.id, new={"sha256": digest, "size": len(data), "lang": lang},
    )
    return report, data


def current_report(audit: Audit, lang: str) -> AuditReport | None:
    """The audit's current stored report in ``lang`` (the newest, should there be two)."""
    return db.session.scalar(
        sa.select(AuditReport)
        .where(AuditReport.audit_id == audit.id, AuditReport.lang == lang,
               AuditReport.current.is_(True))
        .order_by(AuditReport.id.desc()).limit(1)
    )


def open_report(audit: Audit, lang: str = "de", actor: User | None = None) -> storage.Download:
    """The report's PDF in ``lang`` ("de" or "en"), ready to stream.

    Decided audit: the stored current report, rendered and stored on first request when
    missing (or when its file is gone or no longer matches its hash), recorded as an event
    of ``actor``. Otherwise a fresh draft, not stored. Raises ReportRenderFailed when
    rendering fails.
    """
    lang = "en" if lang == "en" else "de"
    if audit.status is not AuditStatus.DECIDED:
        return storage.Download.of_bytes(_render(audit, lang))
    report = current_report(audit, lang)
    if report is not None:
        download = open_stored(report.storage_key, report.sha256, f"audit report {report.id}")
        if download is not None:
            return download
        report.current = False  # unreadable: replaced by a fresh render below
    return storage.Download.of_bytes(_store(audit, lang, actor)[1])


def report_pdf(audit: Audit, lang: str = "de", actor: User | None = None) -> bytes:
    """The bytes of :func:`open_report`."""
    return open_report(audit, lang, actor).read_all()


def store_for_decision(audit: Audit, actor: User | None = None) -> list[AuditReport]:
    """Render and store the report in every language when ``audit`` is decided.

    Called in the decision's transaction: ReportRenderFailed propagates so the caller
    rolls the decision back with it.
    """
    return [_store(audit, lang, actor)[0] for lang in LANGUAGES]


def invalidate_for(audit: Audit) -> int:
    """Mark the audit's stored reports as no longer current (the audit was reopened).

    The rows and files stay: the report a decision rested on remains retrievable.
    Returns the number of rows changed.
    """
    result = db.session.execute(
        sa.update(AuditReport)
        .where(AuditReport.audit_id == audit.id, AuditReport.current.is_(True))
        .values(current=False)
        .execution_options(synchronize_session="fetch")
    )
    return result.rowcount
