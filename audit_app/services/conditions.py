"""Conditions (Auflagen): set at the decision, answered by the centre, checked by a lead, and
followed to their deadline by the daily command.

Every function takes the actor and the day or moment as arguments, flushes and never
commits. Rules, in one place:

- a decision „award with conditions“ turns each minor finding into a condition with the
  deadline of the catalogue (``condition_deadline_months`` after the decision day);
- the centre's contact answers an *open* condition (cause, measure, proof files); more proofs
  may follow while the answer waits for its check; a closed or cancelled condition takes
  neither (:class:`ConditionRefused`);
- a working-group lead or the audit's lead auditor accepts an answer (closed) or rejects it
  with a reason (open again, the deadline unchanged or extended with a reason, never into
  the past and never earlier than it was);
- a condition is *overdue* while it is open after its deadline (an answer received in time
  counts; a rejected one is open again). More than ``CONDITION_GRACE_DAYS`` overdue, the
  daily command suspends its certificate (reason „Auflage nicht fristgerecht erfüllt“);
  once every condition is closed a lead may reinstate it;
- reminders go out 30 and 7 days before the deadline, each claimed by a unique row first so
  that it is sent once even when the command runs on two servers at the same time.
"""
from __future__ import annotations

import smtplib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from email.message import EmailMessage

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import joinedload, selectinload

from ..extensions import db
from ..models import (
    SUSPENDED_FOR_CONDITIONS,
    Audit,
    Centre,
    Certificate,
    CertificateStatus,
    Condition,
    ConditionProof,
    ConditionReminderSent,
    ConditionResponse,
    ConditionState,
    ConditionStatus,
    EventAction,
    ResponseOutcome,
    User,
    utcnow,
)
from ..permissions import audit_filter
from ..workflow import Role
from . import events
from .errors import ServiceError, ValidationFailed
from .inputs import InputError, clean_text

#: Days before the deadline at which a reminder is due, largest first.
REMINDER_STAGES = (30, 7)
#: The reason a certificate suspended by the daily command carries (German, the
#: association's working language; pages show it translated, see labels).
SUSPENSION_REASON = "Auflage nicht fristgerecht erfüllt"
#: Conditions still to be fulfilled.
ACTIVE = (ConditionStatus.OPEN, ConditionStatus.ANSWERED)


class ConditionRefused(ServiceError):
    """The step is not possible in the condition's state (closed, cancelled, answered ...)."""

    code = "condition_refused"


# --- states --------------------------------------------------------------------------------


def state_of(condition: Condition, today: date) -> ConditionState:
    """The condition as people read it on ``today``: overdue from the day after its deadline."""
    if condition.status is ConditionStatus.OPEN:
        return ConditionState.OVERDUE if today > condition.deadline else ConditionState.OPEN
    return ConditionState(condition.status.value)


def days_overdue(condition: Condition, today: date) -> int:
    """Whole days past the deadline (0 on the deadline and before)."""
    return max(0, (today - condition.deadline).days)


def suspension_due(condition: Condition, today: date, grace_days: int) -> bool:
    """Whether the condition suspends its certificate on ``today``: open and more than
    ``grace_days`` past its deadline (on deadline + grace it still does not)."""
    return (condition.status is ConditionStatus.OPEN
            and today > condition.deadline + timedelta(days=grace_days))


# --- setting conditions at the decision -----------------------------------------------------


def create_for(audit: Audit, certificate: Certificate, conditions: list[dict], actor) -> list[Condition]:
    """One condition per entry of the certificate's ``conditions`` (criterion, texts,
    deadline), each recorded on the audit's timeline. Called by the decision's transaction."""
    created = []
    for position, entry in enumerate(conditions):
        deadline = date.fromisoformat(entry["deadline"])
        condition = Condition(
            audit_id=audit.id, certificate_id=certificate.id, centre_id=audit.centre_id,
            position=position, criterion_code=entry.get("criterion"),
            text_de=entry.get("text_de", ""), text_en=entry.get("text_en", ""),
            original_deadline=deadline, deadline=deadline, status=ConditionStatus.OPEN,
        )
        db.session.add(condition)
        created.append(condition)
    db.session.flush()
    for condition in created:
        events.record(EventAction.CONDITION_SET, actor=actor, subject_type="condition",
                      subject_id=condition.id, audit_id=audit.id,
                      new={"criterion": condition.criterion_code,
                           "deadline": condition.deadline.isoformat(),
                           "certificate": certificate.number},
                      note=condition.criterion_code or "")
    return created


def cancel_for_certificate(certificate: Certificate, actor, reason: str) -> int:
    """Cancel the certificate's conditions still to be fulfilled (it was superseded,
    withdrawn or invalidated); each is recorded. Returns how many."""
    rows = db.session.scalars(
        sa.select(Condition).where(Condition.certificate_id == certificate.id,
                                   Condition.status.in_(ACTIVE)).order_by(Condition.position)
    ).all()
    for condition in rows:
        old = condition.status
        condition.status = ConditionStatus.CANCELLED
        events.record(EventAction.CONDITION_CANCELLED, actor=actor, subject_type="condition",
                      subject_id=condition.id, audit_id=condition.audit_id, old=old.value,
                      new=ConditionStatus.CANCELLED.value, note=reason)
    db.session.flush()
    return len(rows)


# --- reading --------------------------------------------------------------------------------


def condition_filter(user) -> sa.ColumnElement[bool]:
    """SQL condition on ``Condition``: the conditions of the audits ``user`` may see."""
    return Condition.audit_id.in_(sa.select(Audit.id).where(audit_filter(user)))


#: The list's filters: which states each keeps ("active": everything still to be done).
STATE_FILTERS = ("active", "overdue", "open", "answered", "closed", "cancelled", "all")


def _state_condition(state: str, today: date) -> sa.ColumnElement[bool]:
    if state == "active":
        return Condition.status.in_(ACTIVE)
    if state == "overdue":
        return sa.and_(Condition.status == ConditionStatus.OPEN, Condition.deadline < today)
    if state == "open":
        return sa.and_(Condition.status == ConditionStatus.OPEN, Condition.deadline >= today)
    if state in ("answered", "closed", "cancelled"):
        return Condition.status == ConditionStatus(state)
    return sa.true()


def _listing(user, today: date, *, state: str = "active", centre_id: int | None = None,
             audit_id: int | None = None) -> sa.Select:
    conditions = [condition_filter(user), _state_condition(state, today)]
    if centre_id is not None:
        conditions.append(Condition.centre_id == centre_id)
    if audit_id is not None:
        conditions.append(Condition.audit_id == audit_id)
    return (
        sa.select(Condition).where(*conditions)
        .options(joinedload(Condition.centre), joinedload(Condition.audit),
                 joinedload(Condition.certificate))
        .order_by(Condition.deadline, Condition.audit_id, Condition.position, Condition.id)
    )


def list_conditions(user, today: date, page: int = 1, per_page: int = 50, *, state="active",
                    centre_id=None, audit_id=None, clamp: bool = True):
    """One page of the conditions ``user`` may see, by deadline (three queries at most)."""
    from .paging import page_of

    return page_of(_listing(user, today, state=state, centre_id=centre_id, audit_id=audit_id),
                   page, per_page, clamp=clamp)


def for_audit(audit: Audit) -> list[Condition]:
    """The audit's conditions in order, with their answers and proofs (three queries)."""
    return list(db.session.scalars(
        sa.select(Condition).where(Condition.audit_id == audit.id)
        .options(selectinload(Condition.responses).selectinload(ConditionResponse.proofs),
                 selectinload(Condition.responses).joinedload(ConditionResponse.responded_by),
                 selectinload(Condition.responses).joinedload(ConditionResponse.checked_by))
        .order_by(Condition.position, Condition.id)
    ))


def load(condition_id: int) -> Condition | None:
    """A condition with its audit (team), centre, certificate, answers and proofs."""
    from ..models import AuditMember

    return db.session.scalar(
        sa.select(Condition).where(Condition.id == condition_id)
        .options(joinedload(Condition.audit).selectinload(Audit.members)
                 .joinedload(AuditMember.user),
                 joinedload(Condition.audit).joinedload(Audit.catalog),
                 joinedload(Condition.centre), joinedload(Condition.certificate),
                 selectinload(Condition.responses).selectinload(ConditionResponse.proofs),
                 selectinload(Condition.responses).joinedload(ConditionResponse.responded_by),
                 selectinload(Condition.responses).joinedload(ConditionResponse.checked_by))
    )


def pending_response(condition: Condition) -> ConditionResponse | None:
    """The latest answer when it still waits for its check."""
    last = condition.responses[-1] if condition.responses else None
    return last if last is not None and last.outcome is None else None


@dataclass
class Overview:
    """The lead's dashboard: overdue, waiting for a check, and open conditions (by deadline)."""

    overdue: list[Condition]
    answered: list[Condition]
    open: list[Condition]
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        """Conditions still to be fulfilled: overdue, answered and open."""
        return sum(self.counts.values())


def overview(today: date, *, limit: int = 10) -> Overview:
    """The conditions still to be fulfilled across all centres (four queries)."""
    base = (sa.select(Condition).options(joinedload(Condition.centre), joinedload(Condition.audit))
            .order_by(Condition.deadline, Condition.id))
    overdue = list(db.session.scalars(base.where(
        Condition.status == ConditionStatus.OPEN, Condition.deadline < today).limit(limit)))
    answered = list(db.session.scalars(base.where(
        Condition.status == ConditionStatus.ANSWERED).limit(limit)))
    open_ = list(db.session.scalars(base.where(
        Condition.status == ConditionStatus.OPEN, Condition.deadline >= today).limit(limit)))
    state = sa.case(
        (sa.and_(Condition.status == ConditionStatus.OPEN, Condition.deadline < today), "overdue"),
        else_=Condition.status)
    counts = {str(k): int(v) for k, v in db.session.execute(
        sa.select(state, sa.func.count()).where(Condition.status.in_(ACTIVE)).group_by(state))}
    return Overview(overdue, answered, open_, {k: counts.get(k, 0)
                                               for k in ("overdue", "answered", "open")})


# --- the centre answers ---------------------------------------------------------------------


@dataclass(frozen=True)
class ProofUpload:
    """A proof file as received: its name and bytes."""

    filename: str
    data: bytes


def _refuse_if_done(condition: Condition) -> None:
    if condition.status is ConditionStatus.CLOSED:
        raise ConditionRefused(_l("This condition is closed: it takes no further answers or "
                                  "proofs."))
    if condition.status is ConditionStatus.CANCELLED:
        raise ConditionRefused(_l("This condition has been cancelled: it takes no further "
                                  "answers or proofs."))


def _text(value: str, key: str, field_name: str, fields: dict, required: bool = True) -> str:
    try:
        value = clean_text(value, key)
    except InputError as exc:
        fields[field_name] = exc.message
        return ""
    if required and not value.strip():
        fields[field_name] = _l("required")
    return value.strip()


def _store_proofs(response: ConditionResponse, proofs: Iterable[ProofUpload], actor: User,
                  max_bytes: int, now: datetime) -> list[ConditionProof]:
    """Check every file first (nothing is stored when one is refused), then store them."""
    from .evidence import check_file, store_file

    proofs = list(proofs)
    checked = []
    for proof in proofs:
        try:
            checked.append(check_file(proof.filename, proof.data, max_bytes,
                                      refused=_l("the proof was not stored")))
        except ValidationFailed as exc:
            reason = next(iter(exc.fields.values()), exc.message)
            name = proof.filename or "–"
            raise ValidationFailed(_l("the proof was not stored"), fields={
                "proofs": _l("“%(name)s”: %(reason)s", name=name, reason=reason)}) from None
    rows = []
    for proof, ok in zip(proofs, checked, strict=True):
        stored = store_file(proof.data)
        row = ConditionProof(response=response, original_name=ok.name, size=len(proof.data),
                             media_type=ok.media_type, sha256=stored.sha256,
                             storage_key=stored.key, uploaded_by_id=actor.id, uploaded_at=now)
        db.session.add(row)
        rows.append(row)
    return rows


def respond(condition: Condition, actor: User, *, cause: str, measure: str,
            proofs: Iterable[ProofUpload] = (), max_bytes: int, now: datetime | None = None
            ) -> ConditionResponse:
    """The centre's answer to an open condition: the cause found, the measure taken, proofs.

    Refuses (ConditionRefused) a closed or cancelled condition and one whose answer still
    waits for its check; (ValidationFailed) a missing cause or measure, texts over their
    limits and any refused file (nothing is stored then).
    """
    _refuse_if_done(condition)
    if condition.status is ConditionStatus.ANSWERED:
        raise ConditionRefused(_l("This condition has been answered already; the answer is "
                                  "being checked. Further proofs can still be attached."))
    fields: dict[str, str] = {}
    cause = _text(cause, "condition.cause", "cause", fields)
    measure = _text(measure, "condition.measure", "measure", fields)
    if fields:
        raise ValidationFailed(_l("the answer was not saved"), fields=fields)
    now = now or utcnow()
    response = ConditionResponse(condition=condition, cause=cause, measure=measure,
                                 responded_by_id=actor.id, responded_at=now, check_note="")
    db.session.add(response)
    stored = _store_proofs(response, proofs, actor, max_bytes, now)
    condition.status = ConditionStatus.ANSWERED
    db.session.flush()
    events.record(EventAction.CONDITION_RESPONDED, actor=actor, subject_type="condition",
                  subject_id=condition.id, audit_id=condition.audit_id, at=now,
                  new={"criterion": condition.criterion_code,
                       "proofs": [p.original_name for p in stored]},
                  note=condition.criterion_code or "")
    return response


def add_proof(condition: Condition, actor: User, proof: ProofUpload, *, max_bytes: int,
              now: datetime | None = None) -> ConditionProof:
    """One more proof for the answer that waits for its check.

    Refuses a closed or cancelled condition, and an open one (answer it first: a proof
    belongs to an answer with cause and measure).
    """
    _refuse_if_done(condition)
    response = pending_response(condition)
    if condition.status is not ConditionStatus.ANSWERED or response is None:
        raise ConditionRefused(_l("Please answer the condition first (cause and measure); "
                                  "proofs belong to an answer."))
    now = now or utcnow()
    row = _store_proofs(response, [proof], actor, max_bytes, now)[0]
    db.session.flush()
    events.record(EventAction.CONDITION_PROOF_ADDED, actor=actor, subject_type="condition",
                  subject_id=condition.id, audit_id=condition.audit_id, at=now,
                  new={"name": row.original_name, "sha256": row.sha256},
                  note=condition.criterion_code or "")
    return row


# --- a lead checks --------------------------------------------------------------------------


def _pending_or_refuse(condition: Condition) -> ConditionResponse:
    _refuse_if_done(condition)
    response = pending_response(condition)
    if condition.status is not ConditionStatus.ANSWERED or response is None:
        raise ConditionRefused(_l("There is no answer to check: the centre has not answered "
                                  "this condition yet."))
    return response


def accept(condition: Condition, actor: User, *, note: str = "",
           now: datetime | None = None) -> ConditionResponse:
    """Accept the pending answer: the fix works, the condition is closed."""
    response = _pending_or_refuse(condition)
    fields: dict[str, str] = {}
    note = _text(note, "condition.note", "note", fields, required=False)
    if fields:
        raise ValidationFailed(_l("the check was not saved"), fields=fields)
    now = now or utcnow()
    response.outcome = ResponseOutcome.ACCEPTED
    response.checked_by_id = actor.id
    response.checked_at = now
    response.check_note = note
    condition.status = ConditionStatus.CLOSED
    condition.closed_at = now
    db.session.flush()
    events.record(EventAction.CONDITION_ACCEPTED, actor=actor, subject_type="condition",
                  subject_id=condition.id, audit_id=condition.audit_id, at=now,
                  old=ConditionStatus.ANSWERED.value, new=ConditionStatus.CLOSED.value,
                  note=note)
    return response


def reject(condition: Condition, actor: User, *, reason: str, today: date,
           new_deadline: date | None = None, extension_reason: str = "",
           now: datetime | None = None) -> ConditionResponse:
    """Reject the pending answer with a reason: the condition is open again.

    The deadline stays, or is extended to ``new_deadline``, which needs
    ``extension_reason``, must lie after the current deadline and cannot be in the past
    (before ``today``).
    """
    response = _pending_or_refuse(condition)
    fields: dict[str, str] = {}
    reason = _text(reason, "condition.note", "reason", fields)
    extension_reason = _text(extension_reason, "condition.extension_reason",
                             "extension_reason", fields, required=new_deadline is not None)
    if new_deadline is not None:
        if new_deadline < today:
            fields["new_deadline"] = _l("cannot be in the past")
        elif new_deadline <= condition.deadline:
            fields["new_deadline"] = _l("must be after the current deadline")
    elif extension_reason and "extension_reason" not in fields:
        fields["new_deadline"] = _l("the new deadline is missing")
    if fields:
        raise ValidationFailed(_l("the check was not saved"), fields=fields)
    now = now or utcnow()
    response.outcome = ResponseOutcome.REJECTED
    response.checked_by_id = actor.id
    response.checked_at = now
    response.check_note = reason
    condition.status = ConditionStatus.OPEN
    db.session.flush()
    events.record(EventAction.CONDITION_REJECTED, actor=actor, subject_type="condition",
                  subject_id=condition.id, audit_id=condition.audit_id, at=now,
                  old=ConditionStatus.ANSWERED.value, new=ConditionStatus.OPEN.value,
                  note=reason)
    if new_deadline is not None:
        old = condition.deadline
        condition.deadline = new_deadline
        db.session.flush()
        events.record(EventAction.CONDITION_EXTENDED, actor=actor, subject_type="condition",
                      subject_id=condition.id, audit_id=condition.audit_id, at=now,
                      old={"deadline": old.isoformat()},
                      new={"deadline": new_deadline.isoformat()}, note=extension_reason)
    return response


def reinstate_blocked(certificate: Certificate) -> bool:
    """Whether a certificate suspended for overdue conditions still has a condition to fulfil
    (then it cannot be reinstated yet)."""
    if certificate.suspension_cause != SUSPENDED_FOR_CONDITIONS:
        return False
    return bool(db.session.scalar(
        sa.select(sa.func.count()).select_from(Condition)
        .where(Condition.certificate_id == certificate.id, Condition.status.in_(ACTIVE))))


# --- the daily command ----------------------------------------------------------------------


@dataclass(frozen=True)
class Reminder:
    condition: Condition
    stage: int  # days before the deadline
    days_left: int
    recipients: tuple[str, ...]


def due_reminders(today: date) -> list[Reminder]:
    """Open conditions whose deadline is at most 30 (then 7) days away and whose stage was not
    announced yet; only conditions of a valid or suspended certificate. Recipients: the
    centre's contact e-mail and its contact users."""
    last_stage = REMINDER_STAGES[0]
    candidates = list(db.session.scalars(
        sa.select(Condition)
        .join(Certificate, Certificate.id == Condition.certificate_id)
        .where(Condition.status == ConditionStatus.OPEN, Condition.deadline >= today,
               Condition.deadline <= today + timedelta(days=last_stage),
               Certificate.status.in_((CertificateStatus.VALID, CertificateStatus.SUSPENDED)))
        .options(joinedload(Condition.centre).selectinload(Centre.contacts)
                 .selectinload(User.role_rows), joinedload(Condition.audit))
        .order_by(Condition.deadline, Condition.id)
    ))
    sent: dict[int, set[int]] = {}
    if candidates:
        for condition_id, stage in db.session.execute(
                sa.select(ConditionReminderSent.condition_id, ConditionReminderSent.stage)
                .where(ConditionReminderSent.condition_id.in_([c.id for c in candidates]))):
            sent.setdefault(condition_id, set()).add(stage)
    due = []
    for condition in candidates:
        days_left = (condition.deadline - today).days
        stage = min(s for s in REMINDER_STAGES if days_left <= s)
        if stage in sent.get(condition.id, set()):
            continue
        centre = condition.centre
        recipients = {u.email for u in centre.contacts if u.active and u.has_role(Role.CONTACT)}
        if centre.contact_email:
            recipients.add(centre.contact_email.lower())
        due.append(Reminder(condition, stage, days_left, tuple(sorted(recipients))))
    return due


def claim(reminder: Reminder, now: datetime | None = None) -> bool:
    """Take ``reminder`` for sending: True when this transaction is the one to send it (the
    unique (condition, stage) row, as :func:`audit_app.services.reminders.claim`). Flushes."""
    dialect = db.session.get_bind().dialect.name
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(
        ConditionReminderSent)
    condition_id = sa.inspect(reminder.condition).identity[0]
    claimed = db.session.execute(
        insert.values(condition_id=condition_id, stage=reminder.stage, sent_at=now or utcnow())
        .on_conflict_do_nothing(index_elements=["condition_id", "stage"])
        .returning(ConditionReminderSent.id)
    ).first()
    return claimed is not None


def message_for(reminder: Reminder, *, sender: str, association: str,
                base_url: str) -> EmailMessage:
    """The reminder e-mail in German (the association's working language)."""
    c = reminder.condition
    deadline = c.deadline.strftime("%d.%m.%Y")
    message = EmailMessage()
    message["Subject"] = (f"Auflage {c.criterion_code or ''} – Frist {deadline} – "
                          f"{c.centre.name}").replace("  ", " ")
    message["From"] = sender
    message["To"] = ", ".join(reminder.recipients)
    message.set_content(
        "Sehr geehrte Damen und Herren,\n\n"
        f"für das Qualitätssiegel „Anerkanntes Innovationszentrum“ des {c.centre.name} ist "
        f"die folgende Auflage bis zum {deadline} zu erfüllen – noch {reminder.days_left} "
        f"Tage:\n\n{c.criterion_code or ''} {c.text_de}\n\n"
        "Bitte beantworten Sie die Auflage mit Ursache, Maßnahme und Nachweisen unter\n"
        f"{base_url.rstrip('/')}/conditions/{c.id}\n\n"
        "Wird eine Auflage nicht fristgerecht erfüllt, wird die Urkunde ausgesetzt.\n\n"
        f"Mit freundlichen Grüßen\n{association}\n"
    )
    return message


def send_reminders(reminders: list[Reminder], config: dict,
                   after_each: Callable[[], None] = lambda: None,
                   now: datetime | None = None) -> int:
    """Claim, send and record each reminder; returns how many this call sent (reminders
    without a recipient, or claimed by another run, are skipped)."""
    sent = 0
    with smtplib.SMTP(config["MAIL_SERVER"], int(config["MAIL_PORT"]), timeout=30) as smtp:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
        for reminder in reminders:
            if not reminder.recipients or not claim(reminder, now):
                continue
            smtp.send_message(message_for(reminder, sender=config["MAIL_SENDER"],
                                          association=config["ASSOCIATION_NAME"],
                                          base_url=config["BASE_URL"]))
            c = reminder.condition
            events.record(EventAction.CONDITION_REMINDER_SENT, subject_type="condition",
                          subject_id=c.id, audit_id=c.audit_id, note=str(reminder.stage),
                          new={"recipients": list(reminder.recipients),
                               "deadline": c.deadline.isoformat()}, at=now)
            db.session.flush()
            sent += 1
            after_each()
    return sent


@dataclass(frozen=True)
class Suspension:
    """A certificate the rule suspends: its overdue conditions (past the grace period)."""

    certificate: Certificate
    conditions: tuple[Condition, ...]


def due_suspensions(today: date, grace_days: int) -> list[Suspension]:
    """Valid, current certificates with a condition open more than ``grace_days`` past its
    deadline (two queries)."""
    limit = today - timedelta(days=grace_days)
    rows = db.session.execute(
        sa.select(Certificate, Condition)
        .join(Condition, Condition.certificate_id == Certificate.id)
        .where(Certificate.status == CertificateStatus.VALID, Certificate.valid_from <= today,
               Certificate.valid_until >= today, Condition.status == ConditionStatus.OPEN,
               Condition.deadline < limit)
        .options(joinedload(Certificate.centre))
        .order_by(Certificate.id, Condition.position)
    ).all()
    found: dict[int, tuple[Certificate, list[Condition]]] = {}
    for certificate, condition in rows:
        found.setdefault(certificate.id, (certificate, []))[1].append(condition)
    return [Suspension(c, tuple(conds)) for c, conds in found.values()]


def suspend(suspension: Suspension, now: datetime | None = None) -> bool:
    """Suspend the certificate by the overdue-conditions rule: True when this call did it.

    One conditional UPDATE (only while it is still valid), so that two runs at the same time
    suspend it once and record one event.
    """
    certificate = suspension.certificate
    certificate_id = sa.inspect(certificate).identity[0]
    changed = db.session.execute(
        sa.update(Certificate)
        .where(Certificate.id == certificate_id, Certificate.status == CertificateStatus.VALID)
        .values(status=CertificateStatus.SUSPENDED, status_reason=SUSPENSION_REASON,
                suspension_cause=SUSPENDED_FOR_CONDITIONS)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not changed:
        return False
    db.session.expire(certificate, ["status", "status_reason", "suspension_cause"])
    events.record(EventAction.CERTIFICATE_SUSPEND, actor=None, subject_type="certificate",
                  subject_id=certificate_id, audit_id=certificate.audit_id,
                  old=CertificateStatus.VALID.value, new=CertificateStatus.SUSPENDED.value,
                  note=SUSPENSION_REASON, at=now)
    db.session.flush()
    return True
