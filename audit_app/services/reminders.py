"""Renewal reminders: labels that expire soon, announced once per stage (12, 6, 3, 1 months).

No scheduler is needed: ``flask --app audit_app reminders`` is meant to run daily (cron or a
systemd timer). Each reminder is claimed by a unique row (``reminders_sent``) before it is
sent and recorded as an event, so a stage is never sent twice — not even when the command
runs on two servers at the same moment: the second claim of a reminder waits for the first
server's transaction and then finds the row.
"""
from __future__ import annotations

import smtplib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from email.message import EmailMessage

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import Centre, Certificate, CertificateStatus, EventAction, ReminderSent, User, utcnow
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
    for certificate_id, stage in db.session.execute(
        sa.select(ReminderSent.certificate_id, ReminderSent.stage)
        .where(ReminderSent.certificate_id.in_(certificate_ids))
    ):
        sent.setdefault(certificate_id, set()).add(stage)
    return sent


def claim(reminder: Reminder, now: datetime | None = None) -> bool:
    """Take ``reminder`` for sending: True when this transaction is the one to send it.

    Inserts its (certificate, stage) row unless one exists. On PostgreSQL a concurrent
    transaction that inserted the same row makes this one wait until it commits (then
    False: sent there) or rolls back (then True: the other send failed). Flushes.
    """
    dialect = db.session.get_bind().dialect.name
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(ReminderSent)
    # The id from the identity map: no SELECT of an expired certificate may start the
    # transaction, the INSERT must (a SQLite reader cannot become a writer later).
    certificate_id = sa.inspect(reminder.certificate).identity[0]
    claimed = db.session.execute(
        insert.values(certificate_id=certificate_id, stage=reminder.stage,
                      sent_at=now or utcnow())
        .on_conflict_do_nothing(index_elements=["certificate_id", "stage"])
        .returning(ReminderSent.id)
    ).first()
    return claimed is not None


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


def send(reminders: list[Reminder], config: dict,
         after_each: Callable[[], None] = lambda: None) -> int:
    """Claim, send and record each reminder; returns how many this call sent.

    Reminders without a recipient are skipped (and reported by the command); so are those
    another run claimed first. ``after_each`` is called after every sent reminder (the
    command commits there, so each claim is released as soon as its mail is out and a
    later failure cannot undo the record of a mail already sent).
    """
    sent = 0
    with smtplib.SMTP(config["MAIL_SERVER"], int(config["MAIL_PORT"]), timeout=30) as smtp:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
        for reminder in reminders:
            if not reminder.recipients or not claim(reminder):
                continue
            smtp.send_message(message_for(reminder, sender=config["MAIL_SENDER"],
                                          association=config["ASSOCIATION_NAME"],
                                          base_url=config["BASE_URL"]))
            events.record(EventAction.REMINDER_SENT, subject_type="certificate",
                          subject_id=reminder.certificate.id, note=str(reminder.stage),
                          new={"recipients": list(reminder.recipients),
                               "valid_until": reminder.certificate.valid_until.isoformat()})
            db.session.flush()
            sent += 1
            after_each()
    return sent
