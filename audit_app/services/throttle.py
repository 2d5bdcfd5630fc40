"""Slowing down repeated failed password checks: per account and address, per address, per account.

Every password check is stored in ``login_attempts`` (e-mail as typed, normalised, whether
the account exists or not; the client address; the time; success): the sign-in form's
and the current-password check of ``/auth/password``. Before a password is checked,
:func:`check` looks at the recent attempts, all within ``LOGIN_LOCK_MINUTES``:

* **per account and address** (the lock): ``LOGIN_MAX_FAILURES_ACCOUNT`` failures for the
  same e-mail from the same client address lock that pair. Other addresses are not locked
  out, so nobody can lock someone else's account by failing on purpose. A successful check
  clears the account's failures (only failures after the latest success count);
* **per address** (the lock): ``LOGIN_MAX_FAILURES_ADDRESS`` failures from the same client
  address lock that address, whichever e-mails were tried (successes do not clear these,
  so an attacker cannot reset the counter with an account of their own);
* **per account, from any address** (the ceiling, which slows rather than locks):
  ``LOGIN_SLOW_FAILURES_ACCOUNT`` failures for the same e-mail slow the account down: an
  address that has failed for it must wait ``LOGIN_SLOW_SECONDS`` after the account's
  latest failure before its next attempt is checked. An address without failures for the
  account is not slowed, so its owner can still sign in while someone guesses from many
  addresses, and the guessing from those is held to one attempt per ``LOGIN_SLOW_SECONDS``.

A lock lasts ``LOGIN_LOCK_MINUTES`` from the failure that reached the threshold. Refused
attempts are not recorded, so a lock ends on time even while someone keeps trying.
Attempts older than a day are pruned opportunistically. Every function takes ``now`` so
that tests can fix the clock.
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
    """The thresholds: failures per (account, address) and per address before a lock, the
    lock's length (also the counting window), and the account-wide ceiling with its delay."""

    pair: int
    address: int
    lock: timedelta
    ceiling: int
    slow: timedelta

    @classmethod
    def from_config(cls) -> Limits:
        config = current_app.config
        return cls(
            pair=config["LOGIN_MAX_FAILURES_ACCOUNT"],
            address=config["LOGIN_MAX_FAILURES_ADDRESS"],
            lock=timedelta(minutes=config["LOGIN_LOCK_MINUTES"]),
            ceiling=config["LOGIN_SLOW_FAILURES_ACCOUNT"],
            slow=timedelta(seconds=config["LOGIN_SLOW_SECONDS"]),
        )


@dataclass(frozen=True)
class Refusal:
    """Why an attempt is not checked, and until when: ``locked`` (the pair or the address,
    for minutes) or slowed down (the account, for seconds)."""

    until: datetime
    locked: bool


def clock() -> datetime:
    """The current time (UTC). Views read the time here, so tests can replace it."""
    return utcnow()


def check(email: str, address: str, *, now: datetime, limits: Limits | None = None
          ) -> Refusal | None:
    """Whether a password check for ``email`` from ``address`` must be refused at ``now``.

    ``email`` must be normalised (see ``services.users.normalise_email``). The answer is the
    same for known and unknown e-mails, so it reveals nothing about which accounts exist.
    Two indexed queries.
    """
    limits = limits or Limits.from_config()
    # A lock still running at ``now`` began at a failure after now - lock, and the failures
    # that reached the threshold lie within one window (= lock) before that.
    since = now - 2 * limits.lock
    account_rows = db.session.execute(
        sa.select(LoginAttempt.attempted_at, LoginAttempt.succeeded, LoginAttempt.address)
        .where(
            LoginAttempt.email == email,
            LoginAttempt.attempted_at > since,
            LoginAttempt.attempted_at <= now,
        )
        .order_by(LoginAttempt.attempted_at, LoginAttempt.id)
    ).all()
    account_failures: list[tuple[datetime, str]] = []
    for attempted_at, succeeded, from_address in account_rows:
        if succeeded:
            account_failures.clear()  # a successful check clears the account's failures
        else:
            account_failures.append((attempted_at, from_address))
    pair_failures = [at for at, from_address in account_failures if from_address == address]
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
            _lock_end(pair_failures, limits.pair, limits.lock),
            _lock_end(address_failures, limits.address, limits.lock),
        )
        if end is not None and end > now
    ]
    if ends:
        return Refusal(until=max(ends), locked=True)
    recent = [at for at, _address in account_failures if at > now - limits.lock]
    if len(recent) >= limits.ceiling and any(at > now - limits.lock for at in pair_failures):
        wait_until = recent[-1] + limits.slow
        if wait_until > now:
            return Refusal(until=wait_until, locked=False)
    return None


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
