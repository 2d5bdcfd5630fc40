"""Writing to the append-only event log."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from ..extensions import db
from ..models import Event, EventAction


def record(
    action: EventAction | str,
    *,
    actor=None,
    subject_type: str,
    subject_id: int | None = None,
    audit_id: int | None = None,
    old: Any = None,
    new: Any = None,
    note: str = "",
    at: datetime | None = None,
) -> Event:
    """Add one event to the session (flushed with the change it describes).

    ``at`` is the moment the event happened when the caller states it (a decision entered
    with its meeting date, demo data); otherwise now. ``action`` must be an
    :class:`~audit_app.models.EventAction` (a free string naming none raises ValueError).
    """
    action = EventAction(action)
    actor_id = getattr(actor, "id", actor)
    event = Event(
        action=action.value,
        actor_id=actor_id,
        subject_type=subject_type,
        subject_id=subject_id,
        audit_id=audit_id,
        old=old,
        new=new,
        note=note,
    )
    if at is not None:
        event.occurred_at = at
    db.session.add(event)
    return event
