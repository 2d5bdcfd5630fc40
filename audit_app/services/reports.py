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
from ..models import Audit, AuditReport, DocumentJob, DocumentKind, DocumentState, EventAction, User
from ..workflow import AuditStatus
from . import events
from .certificates import open_stored, store_pdf
from .errors import RenderFailed

log = logging.getLogger(__name__)

#: Languages a report is stored in at decision time.
LANGUAGES = ("de", "en")


class ReportRenderFailed(RenderFailed):
    """The report PDF could not be rendered (logged; a decided audit's report is retried)."""

    code = "report_unavailable"


def report_source(audit: Audit):
    """Everything the report shows, as a :class:`~audit_app.pdf.report.ReportSource`.

    The scored sheet, the team with names, the last submission, the newest certificate's
    conditions and the decider: a fixed number of queries whatever the number of criteria.
    """
    from flask import current_app
    from sqlalchemy.orm import joinedload

    from ..models import AuditMember, Certificate, Event, EventAction
    from ..pdf.report import ReportSource
    from ..workflow import Decision
    from .certificates import BERLIN, decision_day
    from .checklist import audit_sheet

    members = list(db.session.scalars(
        sa.select(AuditMember).where(AuditMember.audit_id == audit.id)
        .options(joinedload(AuditMember.user)).order_by(AuditMember.position)
    ))
    submitted_at = db.session.scalar(
        sa.select(sa.func.max(Event.occurred_at))
        .where(Event.audit_id == audit.id, Event.action == EventAction.AUDIT_SUBMIT)
    )
    newest = db.session.execute(
        sa.select(Certificate.number, Certificate.conditions)
        .where(Certificate.audit_id == audit.id).order_by(Certificate.id.desc()).limit(1)
    ).first()
    conditions = (newest.conditions or []) if (
        newest is not None and audit.decision is Decision.AWARD_WITH_CONDITIONS) else []
    decided = audit.status is AuditStatus.DECIDED and audit.decided_at is not None
    # By id, not through audit.decided_by: within the deciding transaction that relationship
    # may still hold what it was loaded as before the decision.
    decided_by = db.session.get(User, audit.decided_by_id) if decided and audit.decided_by_id else None
    sheet = audit_sheet(audit)
    renewal = None
    if sheet.previous is not None:
        from .certificates import today_in_berlin
        from .renewal import comparison

        renewal = comparison(sheet.previous, sheet.catalog, sheet.result, today_in_berlin())
    selfs = None
    if audit.application is not None:
        from .centre_side import self_sheet

        selfs = self_sheet(audit)
    return ReportSource(
        audit=audit,
        sheet=sheet,
        renewal=renewal,
        members=[(m.team_role, m.user.name) for m in members],
        submitted_on=decision_day(submitted_at) if submitted_at else None,
        decided=decided,
        decided_on=decision_day(audit.decided_at) if decided else None,
        decided_at_local=audit.decided_at.astimezone(BERLIN) if decided else None,
        decided_by_name=decided_by.name if decided_by is not None else "",
        conditions=conditions,
        certificate_number=newest.number if newest is not None and audit.decision is not None
        and audit.decision is not Decision.REFUSE else "",
        association_name=current_app.config["ASSOCIATION_NAME"],
        self_result=selfs.result if selfs is not None and selfs.answered else None,
        self_answered=selfs.answered if selfs is not None else 0,
    )


def report_context(audit: Audit, lang: str = "de") -> dict:
    """Plain values for the report template (:func:`audit_app.pdf.report.build_context`)."""
    from ..pdf.report import build_context

    return build_context(report_source(audit), lang)


def _render(audit: Audit, lang: str) -> bytes:
    from ..pdf.report import render_report

    try:
        return render_report(report_context(audit, lang))
    except Exception as exc:
        log.exception("audit report PDF (%s) for audit %s failed to render", lang, audit.id)
        failure = ReportRenderFailed(
            _l("The audit report could not be created. "
               "Please try again or tell the association office.")
        )
        failure.detail = f"{type(exc).__name__}: {exc}"
        raise failure from None


def _store(audit: Audit, lang: str, actor: User | None) -> tuple[AuditReport, bytes]:
    data = _render(audit, lang)
    digest, key = store_pdf(data, "reports")
    report = AuditReport(audit_id=audit.id, lang=lang, sha256=digest, storage_key=key,
                         current=True)
    db.session.add(report)
    db.session.execute(  # a download stored it: the job for it is done
        sa.update(DocumentJob)
        .where(DocumentJob.audit_id == audit.id, DocumentJob.kind == DocumentKind.REPORT,
               DocumentJob.lang == lang,
               DocumentJob.state.in_((DocumentState.PENDING, DocumentState.FAILED)))
        .values(state=DocumentState.DONE)
        .execution_options(synchronize_session="fetch")
    )
    db.session.flush()
    events.record(
        EventAction.REPORT_PDF_STORED, actor=actor, subject_type="audit_report", subject_id=report.id,
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
