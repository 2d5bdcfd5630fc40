"""A decided audit's documents: rendered after the decision commits, never inside it.

The decision's transaction reserves the certificate number and queues one
:class:`~audit_app.models.DocumentJob` per document (certificate and report, German and
English). Right after that transaction commits — in the same request or command, see
:func:`audit_app.extensions.after_commit` — :func:`render_pending` renders each document in
a transaction of its own. A failure never undoes the decision: it is logged, written to the
job (``failed``, with the reason and the number of attempts) and to the audit's timeline, the
audit page shows it, and the document is rendered again on its next download or by
``flask --app audit_app documents render-pending``. So a certificate is never silently
missing, and a slow or broken renderer never holds the decision's locks.

Unlike the other services, the functions that render commit (each document on its own):
call them outside a transaction of your own.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..extensions import after_commit, db
from ..models import Audit, Certificate, DocumentJob, DocumentKind, DocumentState, EventAction, User
from . import events
from .errors import RenderFailed

log = logging.getLogger(__name__)

LANGUAGES = ("de", "en")
OPEN = (DocumentState.PENDING, DocumentState.FAILED)
_QUEUED = "documents_to_render"


@dataclass(frozen=True)
class RenderSummary:
    done: int
    failed: int


def queue_for_decision(audit: Audit, certificate: Certificate | None, actor: User | None) -> None:
    """Queue the decided audit's documents (in the decision's transaction; flushes only).

    Certificate (if any) and report, each in German and English. They are rendered by
    :func:`render_pending` once this transaction has committed.
    """
    actor_id = getattr(actor, "id", actor)
    jobs = [DocumentJob(audit_id=audit.id, certificate_id=certificate.id,
                        kind=DocumentKind.CERTIFICATE, lang=lang, actor_id=actor_id)
            for lang in LANGUAGES] if certificate is not None else []
    jobs += [DocumentJob(audit_id=audit.id, kind=DocumentKind.REPORT, lang=lang,
                         actor_id=actor_id) for lang in LANGUAGES]
    db.session.add_all(jobs)
    db.session.flush()
    db.session.info.setdefault(_QUEUED, set()).add(audit.id)
    after_commit("documents", _render_queued)


def _render_queued() -> None:
    """After the decision's commit: render the documents its transaction queued."""
    audit_ids = db.session.info.pop(_QUEUED, set())
    for audit_id in sorted(audit_ids):
        render_pending(audit_id=audit_id)


def withdraw_pending(audit: Audit) -> None:
    """The audit was reopened: documents not rendered yet are no longer wanted (flushes)."""
    db.session.execute(
        sa.update(DocumentJob)
        .where(DocumentJob.audit_id == audit.id, DocumentJob.state.in_(OPEN),
               DocumentJob.kind == DocumentKind.REPORT)
        .values(state=DocumentState.OBSOLETE)
        .execution_options(synchronize_session="fetch")
    )


def render_pending(*, audit_id: int | None = None) -> RenderSummary:
    """Render every pending or failed document (of one audit, or of all); commits each.

    Returns how many were rendered and how many failed (again).
    """
    query = sa.select(DocumentJob.id).where(DocumentJob.state.in_(OPEN)).order_by(DocumentJob.id)
    if audit_id is not None:
        query = query.where(DocumentJob.audit_id == audit_id)
    ids = list(db.session.scalars(query))
    db.session.commit()  # end the reading transaction: each document gets one of its own
    done = failed = 0
    for job_id in ids:
        if render_job(db.session.get(DocumentJob, job_id)):
            done += 1
        else:
            failed += 1
    return RenderSummary(done, failed)


def _render(job: DocumentJob) -> None:
    from . import certificates, reports

    actor = db.session.get(User, job.actor_id) if job.actor_id else None
    if job.kind is DocumentKind.CERTIFICATE:
        certificate = db.session.get(Certificate, job.certificate_id)
        if certificates.stored_pdf(certificate, job.lang) is None:
            certificates.render_and_store(certificate, job.lang, actor)
    else:
        audit = db.session.get(Audit, job.audit_id)
        reports.report_pdf(audit, job.lang, actor)  # renders and stores it when missing


def render_job(job: DocumentJob) -> bool:
    """Render and store one document, then commit; on failure record it and commit that.

    Returns whether the document is stored now. Never raises for a render failure.
    """
    job_id = job.id
    try:
        _render(job)
        job.state = DocumentState.DONE
        job.attempts += 1
        job.last_error = ""
        db.session.commit()
        return True
    except Exception as exc:
        db.session.rollback()
        log.error("document %s failed to render", job_id, exc_info=not isinstance(exc, RenderFailed))
        job = db.session.get(DocumentJob, job_id)
        job.state = DocumentState.FAILED
        job.attempts += 1
        detail = exc.detail if isinstance(exc, RenderFailed) else f"{type(exc).__name__}: {exc}"
        job.last_error = detail[:500]
        events.record(EventAction.DOCUMENT_RENDER_FAILED, actor=job.actor_id, subject_type="document",
                      subject_id=job.id, audit_id=job.audit_id,
                      new={"kind": job.kind.value, "lang": job.lang, "attempts": job.attempts})
        db.session.commit()
        return False


def certificate_pdf(certificate: Certificate, lang: str, actor: User | None = None) -> bytes | None:
    """The certificate's stored PDF in ``lang``, rendered now when it is still missing.

    A pending or failed document is retried here (a download is the next chance); so is the
    English PDF of a certificate issued before English existed. Returns None when the
    certificate has no PDF in ``lang`` and none is due; raises :class:`RenderFailed` (the
    failure recorded) when rendering fails again.
    """
    from .certificates import stored_pdf

    data = stored_pdf(certificate, lang)
    if data is not None:
        return data
    job = db.session.scalar(
        sa.select(DocumentJob).where(
            DocumentJob.certificate_id == certificate.id, DocumentJob.lang == lang,
            DocumentJob.kind == DocumentKind.CERTIFICATE, DocumentJob.state.in_(OPEN)))
    if job is None:
        if lang == "de" or certificate.pdf_storage_key is None:
            return None
        # Issued before English existed: render the English PDF once (German stays the original).
        job = DocumentJob(audit_id=certificate.audit_id, certificate_id=certificate.id,
                          kind=DocumentKind.CERTIFICATE, lang=lang,
                          actor_id=getattr(actor, "id", None))
        db.session.add(job)
        db.session.flush()
    if not render_job(job):
        raise RenderFailed(_l("The certificate PDF could not be created yet. The decision is "
                              "saved; please try again later or tell the association office."))
    return stored_pdf(db.session.get(Certificate, certificate.id), lang)


@dataclass(frozen=True)
class DocumentStatus:
    """A document of the audit that is not stored yet, for the audit page."""

    kind: DocumentKind
    lang: str
    state: DocumentState
    attempts: int


def open_documents(audit: Audit) -> list[DocumentStatus]:
    """The audit's documents still pending or failed (one query)."""
    return [DocumentStatus(j.kind, j.lang, j.state, j.attempts) for j in db.session.scalars(
        sa.select(DocumentJob).where(DocumentJob.audit_id == audit.id,
                                     DocumentJob.state.in_(OPEN))
        .order_by(DocumentJob.kind, DocumentJob.lang))]
