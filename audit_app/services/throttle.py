"""Slowing down repeated failed sign-ins, per e-mail address and per client address.

Every sign-in attempt is stored in ``login_attempts`` (e-mail as typed, normalised, whether
the account exists or not; the client address; the time; success). Before a password is
checked, :func:`locked_until` looks at the recent attempts:

* **per account**: ``LOGIN_MAX_FAILURES_ACCOUNT`` failures for the same e-mail within
  ``LOGIN_LOCK_MINUTES`` lock that e-mail; a successful sign-in clears the account's failures
  (only failures after the latest success count);
* **per address**: ``LOGIN_MAX_FAILURES_ADDRESS`` failures from the same client address within
  ``LOGIN_LOCK_MINUTES`` lock that address, whichever e-mails were tried (successes do not
  clear these, so an attacker cannot reset the counter with an account of their own).

A lock lasts ``LOGIN_LOCK_MINUTES`` from the failure that reached the threshold. Refused
attempts are not recorded, so a lock ends on time even while someone keeps trying; the
attacker's rate stays at the threshold per lock period. Attempts older than a day are
pruned opportunistically. Every function takes ``now`` so that tests can fix the clock.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from ..extensions import db
from ..models import LoginAttempt, utcnow

#: Attempts older than this are deleted by :func:`prune`.
KEEP_FOR = timedelta(days=1)
#: A failed attempt prunes old rows when its id is a multiple of this; a success always does.
PRUNE_EVERY = 50


@dataclass(frozen=True)
class Limits:
    """The throttle's thresholds: failures per account, per address, and the lock's length."""

    account: int
    address: int
    lock: timedelta

    @classmethod
    def from_config(cls) -> Limits:
        config = current_app.config
        return cls(
            account=int(config["LOGIN_MAX_FAILURES_ACCOUNT"]),
            address=int(config["LOGIN_MAX_FAILURES_ADDRESS"]),
            lock=timedelta(minutes=int(config["LOGIN_LOCK_MINUTES"])),
        )


def clock() -> datetime:
    """The current time (UTC). Views read the time here, so tests can replace it."""
    return utcnow()


def locked_until(
    email: str, address: str, *, now: datetime, limits: Limits | None = None
) -> datetime | None:
    """When the lock on this e-mail or this client address ends, or None if neither is locked.

    ``email`` must be normalised (see ``services.users.normalise_email``). The lock is the same
    for known and unknown e-mails, so it reveals nothing about which accounts exist. Two
    indexed queries, each reading at most a few dozen rows (refused attempts are not stored).
    """
    limits = limits or Limits.from_config()
    # A lock still running at ``now`` began at a failure after now - lock, and the failures
    # that reached the threshold lie within one window (= lock) before that.
    since = now - 2 * limits.lock
    account_rows = db.session.execute(
        sa.select(LoginAttempt.attempted_at, LoginAttempt.succeeded)
        .where(
            LoginAttempt.email == email,
            LoginAttempt.attempted_at > since,
            LoginAttempt.attempted_at <= now,
        )
        .order_by(LoginAttempt.attempted_at, LoginAttempt.id)
    ).all()
    account_failures: list[datetime] = []
    for attempted_at, succeeded in account_rows:
        if succeeded:
            account_failures.clear()  # a successful sign-in clears the account's failures
        else:
            account_failures.append(attempted_at)
    address_failures = list(
        db.session.scalars(
            sa.select(LoginAttempt.attempted_at)
            .where(
                LoginAttempt.address == address,
                LoginAttempt.succeeded.is_(False),
                LoginAttempt.attempted_at > since,
                LoginAttempt.attempted_at <= now,
            )
            .order_by(LoginAttempt.attempted_at)
        )
    )
    ends = [
        end
        for end in (
            _lock_end(account_failures, limits.account, limits.lock),
            _lock_end(address_failures, limits.address, limits.lock),
        )
        if end is not None and end > now
    ]
    return max(ends) if ends else None


def _lock_end(failures: list[datetime], threshold: int, window: timedelta) -> datetime | None:
    """The end of the latest lock: ``window`` after a failure that completed ``threshold``
    failures within ``window`` (``failures`` sorted ascending)."""
    if threshold < 1:
        return None
    end = None
    for i in range(threshold - 1, len(failures)):
        if failures[i] - failures[i - threshold + 1] < window:
            end = failures[i] + window
    return end


def record_attempt(email: str, address: str, *, succeeded: bool, now: datetime) -> LoginAttempt:
    """Store one sign-in attempt (never the password) and prune old ones now and then.

    Flushes; the caller commits. ``email`` is cut to the column's 254 characters.
    """
    attempt = LoginAttempt(
        email=email[:254], address=(address or "")[:64], attempted_at=now, succeeded=succeeded
    )
    db.session.add(attempt)
    db.session.flush()
    # Pruning scans the table, so failures (which an attacker controls) only prune every
    # PRUNE_EVERY-th time; successful sign-ins of real users always do.
    if succeeded or attempt.id % PRUNE_EVERY == 0:
        prune(now)
    return attempt


def prune(now: datetime) -> int:
    """Delete attempts older than :data:`KEEP_FOR` before ``now``; returns how many."""
    result = db.session.execute(
        sa.delete(LoginAttempt)
        .where(LoginAttempt.attempted_at < now - KEEP_FOR)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0
