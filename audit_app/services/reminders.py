"""Renewal reminders: labels that expire soon, announced once per stage (12, 6, 3, 1 months).

No scheduler is needed: ``flask --app audit_app reminders`` is meant to run daily (cron or a
systemd timer). Each reminder that was sent is an event, so a stage is never sent twice.
"""
from __future__ import annotations

import smtplib
from dataclasses import dataclass
from datetime import date
from email.message import EmailMessage

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import Centre, Certificate, CertificateStatus, Event, EventAction, User
from ..workflow import Role
from . import events
from .certificates import not_renewed

#: Days before expiry at which a reminder is due, largest first.
STAGES = (365, 180, 90, 30)


@dataclass(frozen=True)
class Reminder:
    certificate: Certificate
    stage: int  # days before expiry
    days_left: int
    recipients: tuple[str, ...]


def _sent_stages(certificate_ids: list[int]) -> dict[int, set[int]]:
    sent: dict[int, set[int]] = {}
    if not certificate_ids:
        return sent
    for subject_id, note in db.session.execute(
        sa.select(Event.subject_id, Event.note).where(
            Event.subject_type == "certificate", Event.action == EventAction.REMINDER_SENT,
            Event.subject_id.in_(certificate_ids),
        )
    ):
        if note.isdigit():
            sent.setdefault(subject_id, set()).add(int(note))
    return sent


def due_reminders(today: date) -> list[Reminder]:
    """Valid certificates expiring within a year whose current stage was not announced yet.

    Only the latest valid certificate of a centre counts (a centre that has renewed is not
    reminded of its old one). Recipients: the centre's contact e-mail and its contact users.
    """
    candidates = list(db.session.scalars(
        sa.select(Certificate)
        .where(Certificate.status == CertificateStatus.VALID, Certificate.valid_from <= today,
               Certificate.valid_until >= today,
               Certificate.valid_until <= date.fromordinal(today.toordinal() + STAGES[0]),
               not_renewed())
        .options(joinedload(Certificate.centre).selectinload(Centre.contacts)
                 .selectinload(User.role_rows))
        .order_by(Certificate.valid_until)
    ))
    sent = _sent_stages([c.id for c in candidates])
    due = []
    for certificate in candidates:
        days_left = (certificate.valid_until - today).days
        stage = min(s for s in STAGES if days_left <= s)
        if stage in sent.get(certificate.id, set()):
            continue
        centre = certificate.centre
        recipients = {u.email for u in centre.contacts if u.active and u.has_role(Role.CONTACT)}
        if centre.contact_email:
            recipients.add(centre.contact_email.lower())
        due.append(Reminder(certificate, stage, days_left, tuple(sorted(recipients))))
    return due


def message_for(reminder: Reminder, *, sender: str, association: str, base_url: str) -> EmailMessage:
    """The reminder e-mail in German (the association's working language)."""
    c = reminder.certificate
    message = EmailMessage()
    message["Subject"] = (f"Siegel „Anerkanntes Innovationszentrum“ läuft am "
                          f"{c.valid_until.strftime('%d.%m.%Y')} ab – {c.centre.name}")
    message["From"] = sender
    message["To"] = ", ".join(reminder.recipients)
    message.set_content(
        f"Sehr geehrte Damen und Herren,\n\n"
        f"das Qualitätssiegel „Anerkanntes Innovationszentrum“ des {c.centre.name} "
        f"(Urkunde {c.number}) ist gültig bis {c.valid_until.strftime('%d.%m.%Y')} – "
        f"noch {reminder.days_left} Tage.\n\n"
        f"Für eine Verlängerung ist ein neues, vollständiges Audit nötig. Bitte wenden Sie sich "
        f"rechtzeitig an die Geschäftsstelle, damit wir das Wiederholungsaudit planen können.\n\n"
        f"Status der Urkunde: {base_url.rstrip('/')}/verify/{c.number}\n\n"
        f"Mit freundlichen Grüßen\n{association}\n"
    )
    return message


def send(reminders: list[Reminder], config: dict) -> int:
    """Send the reminders over SMTP and record each as an event; returns how many were sent.

    Reminders without a recipient are skipped (and reported by the command). The events are
    flushed only for messages the server accepted.
    """
    sent = 0
    with smtplib.SMTP(config["MAIL_SERVER"], int(config["MAIL_PORT"]), timeout=30) as smtp:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
        for reminder in reminders:
            if not reminder.recipients:
                continue
            smtp.send_message(message_for(reminder, sender=config["MAIL_SENDER"],
                                          association=config["ASSOCIATION_NAME"],
                                          base_url=config["BASE_URL"]))
            events.record(EventAction.REMINDER_SENT, subject_type="certificate",
                          subject_id=reminder.certificate.id, note=str(reminder.stage),
                          new={"recipients": list(reminder.recipients),
                               "valid_until": reminder.certificate.valid_until.isoformat()})
            sent += 1
    db.session.flush()
    return sent
