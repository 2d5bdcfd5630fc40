"""E-mails to a centre about its application: received, accepted (with the dates), declined
(with the reason), documents reviewed (with what the team asks for).

Built from the committed state and sent by the caller after its commit, so a mail never
announces a step that was rolled back. Without ``MAIL_SERVER`` nothing is sent. A mail that
cannot be sent is logged and never undoes the step; each sent mail is an event.
"""
from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage

from ..models import Audit, EventAction
from ..workflow import AuditStatus, Role
from . import events

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Notice:
    """One e-mail to a centre's contacts about one step of its application."""

    audit_id: int
    step: str
    recipients: tuple[str, ...]
    subject: str
    body: str


def recipients_for(audit: Audit) -> tuple[str, ...]:
    """The centre's active contact users and its contact address, sorted."""
    centre = audit.centre
    found = {u.email for u in centre.contacts if u.active and u.has_role(Role.CONTACT)}
    if centre.contact_email:
        found.add(centre.contact_email.lower())
    return tuple(sorted(found))


def _day(value) -> str:
    return value.strftime("%d.%m.%Y") if value else "–"


def notice_for(audit: Audit, *, base_url: str, association: str, sheet=None) -> Notice | None:
    """The e-mail for the step ``audit`` has just reached (None when that step sends none or
    the centre has no address). German: the association's working language. ``sheet`` (the
    centre's :class:`~audit_app.services.centre_side.CentreSheet`) names the documents the
    team asks for after its review."""
    from .centre_side import application_of

    recipients = recipients_for(audit)
    application = application_of(audit)
    if not recipients or application is None:
        return None
    link = f"{base_url.rstrip('/')}/applications/{audit.id}"
    greeting = "Sehr geehrte Damen und Herren,\n\n"
    closing = f"\n\nMit freundlichen Grüßen\n{association}\n"
    name = audit.centre.name
    if audit.status is AuditStatus.APPLIED:
        subject = f"Antrag auf ein Audit eingegangen – {name}"
        text = (f"wir haben Ihren Antrag auf ein Audit für das Qualitätssiegel „Anerkanntes "
                f"Innovationszentrum“ erhalten (Wunschzeitraum {_day(application.preferred_from)}"
                f" bis {_day(application.preferred_until)}). Sie können den Fragebogen und die "
                f"Selbsteinschätzung bereits ausfüllen:\n{link}")
    elif audit.status is AuditStatus.QUESTIONNAIRE_OPEN:
        subject = f"Audit geplant – {name}"
        lead = audit.lead_auditor
        text = (f"Ihr Antrag wurde angenommen, das Audit {audit.number} ist geplant: Beginn "
                f"{_day(audit.planned_on)}, Vor-Ort-Termin {_day(audit.visit_on)}"
                + (f", leitende Auditorin/leitender Auditor: {lead.name}" if lead else "")
                + f".\n\nBitte füllen Sie den Fragebogen aus, laden Sie die Unterlagen hoch und "
                f"reichen Sie den Fragebogen ein:\n{link}")
    elif audit.status is AuditStatus.DECLINED:
        subject = f"Antrag auf ein Audit abgelehnt – {name}"
        text = (f"Ihr Antrag auf ein Audit wurde leider abgelehnt. Begründung:\n\n"
                f"{application.decline_reason}\n\nBei Fragen wenden Sie sich bitte an die "
                f"Geschäftsstelle.")
    elif audit.status is AuditStatus.DOCUMENTS_REVIEWED:
        subject = f"Unterlagen geprüft – {name}"
        requests = sheet.requests if sheet is not None else []
        if requests:
            lines = "\n".join(f"- {d.document.title.de}: {d.review.note}" for d in requests)
            text = (f"das Auditteam hat Ihre Unterlagen geprüft und bittet bis zum Vor-Ort-"
                    f"Termin am {_day(audit.visit_on or audit.planned_on)} um Folgendes:\n\n"
                    f"{lines}\n\nBitte laden Sie die Unterlagen hier hoch:\n{link}")
        else:
            text = (f"das Auditteam hat Ihre Unterlagen geprüft; es fehlt nichts. Der Vor-Ort-"
                    f"Termin ist am {_day(audit.visit_on or audit.planned_on)}.\n{link}")
    else:
        return None
    return Notice(audit.id, audit.status.value, recipients, subject, greeting + text + closing)


def deliver(notice: Notice | None, config) -> bool:
    """Send ``notice`` when ``MAIL_SERVER`` is configured and record it as an event (the
    caller commits); False when nothing was sent (no server, no notice, or a failure, which
    is logged)."""
    if notice is None or not config.get("MAIL_SERVER"):
        return False
    message = EmailMessage()
    message["Subject"] = notice.subject
    message["From"] = config["MAIL_SENDER"]
    message["To"] = ", ".join(notice.recipients)
    message.set_content(notice.body)
    try:
        with smtplib.SMTP(config["MAIL_SERVER"], int(config["MAIL_PORT"]), timeout=30) as smtp:
            if config.get("MAIL_USE_TLS"):
                smtp.starttls()
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException):
        log.exception("e-mail about audit %s (%s) could not be sent", notice.audit_id,
                      notice.step)
        return False
    events.record(EventAction.APPLICATION_MAIL_SENT, subject_type="audit",
                  subject_id=notice.audit_id, audit_id=notice.audit_id,
                  new={"step": notice.step, "recipients": list(notice.recipients)},
                  note=notice.subject)
    return True
