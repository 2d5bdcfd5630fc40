"""Users: creating and changing accounts, passwords and signing in.

Every function validates all of its input first and raises :class:`ValidationFailed` with
one message per bad field before anything changes; it only flushes, the caller commits.
Messages are plain English (see the ``MSG_*`` constants), for the command line and the API;
the web views translate them. Passwords never reach the event log or the logs.
"""
from __future__ import annotations

import logging
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db
from ..models import Centre, EventAction, User, UserRole, utcnow
from ..models.user import password_hash_method
from ..workflow import Role
from . import events, inputs, throttle, tokens
from .errors import ValidationFailed
from .paging import Page, page_of

log = logging.getLogger(__name__)

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = inputs.LIMITS["user.password"]
LANGUAGES = ("de", "en")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

# The messages of ValidationFailed.fields, one constant each so that views can translate them.
MSG_EMAIL_INVALID = "is not a valid e-mail address"
MSG_EMAIL_TAKEN = "is already registered"
MSG_REQUIRED = "is required"
MSG_NAME_TOO_LONG = f"must be at most {inputs.LIMITS['user.name']} characters"
MSG_NAME_CHARACTERS = "contains characters that are not allowed in a name"
MSG_PASSWORD_TOO_SHORT = f"must be at least {MIN_PASSWORD_LENGTH} characters long"
MSG_PASSWORD_TOO_LONG = f"must be at most {MAX_PASSWORD_LENGTH} characters long"
MSG_PASSWORD_WRONG = "is wrong"
MSG_PASSWORD_UNCHANGED = "must differ from the current password"
MSG_ROLE_UNKNOWN = "unknown role; valid roles: " + ", ".join(r.value for r in Role)
MSG_ROLES_REQUIRED = "at least one role is required"
MSG_OWN_ADMIN_ROLE = "you cannot take away your own administrator role"
MSG_CENTRE_REQUIRED = "a centre contact needs a centre"
MSG_CENTRE_UNKNOWN = "no such centre"
MSG_CENTRE_NOT_CONTACT = "only centre contacts are linked to a centre"
MSG_LANGUAGE = "must be de or en"
MSG_SELF_DEACTIVATION = "you cannot deactivate your own account"

# Generated passwords: 4 groups of 5 characters without look-alikes (0/O, 1/l/I),
# about 100 bits of randomness, easy to read out or type from a note.
_PASSWORD_ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
_PASSWORD_GROUPS, _PASSWORD_GROUP_LENGTH = 4, 5


def normalise_email(email: str) -> str:
    return inputs.normalise(email or "").strip().lower()


def normalise_name(name: str) -> str:
    """A person's name as stored: NFC, without surrounding spaces."""
    return inputs.normalise(name or "").strip()


def validate_password(password: str) -> str | None:
    """A message when the password is too weak (or absurdly long), else None."""
    if len(password or "") < MIN_PASSWORD_LENGTH:
        return MSG_PASSWORD_TOO_SHORT
    if len(password) > MAX_PASSWORD_LENGTH:
        return MSG_PASSWORD_TOO_LONG
    return None


def generate_password() -> str:
    """A random password like ``k7QzR-mPw4d-…`` (23 characters, from :mod:`secrets`)."""
    return "-".join(
        "".join(secrets.choice(_PASSWORD_ALPHABET) for _ in range(_PASSWORD_GROUP_LENGTH))
        for _ in range(_PASSWORD_GROUPS)
    )


def profile_problems(
    *, email: str, name: str, roles, centre_id: int | None, language: str,
    user: User | None = None, actor=None,
) -> dict[str, str]:
    """Every problem with a user's profile and roles as ``{field: message}`` (empty: all fine).

    The checks of :func:`create_user` (``user`` None) and :func:`update_user` (``user`` the
    account being edited, changed by ``actor``), for forms that want to show every problem
    at once. Nothing is changed.
    """
    return _check_profile(
        email=normalise_email(email), name=normalise_name(name), roles=roles,
        centre_id=centre_id, language=language, user=user, actor=actor,
    )[0]


def _check_profile(
    *, email: str, name: str, roles, centre_id: int | None, language: str, user: User | None,
    actor=None,
) -> tuple[dict[str, str], set[Role]]:
    """Check the fields shared by create and update; returns the problems and the role set.

    ``email`` and ``name`` must already be normalised; ``user`` is the account being edited
    (its own e-mail address is not a duplicate). An administrator editing their own account
    may not drop their administrator role (they would lock themselves out).
    """
    fields: dict[str, str] = {}
    if (not _EMAIL.match(email) or len(email) > inputs.LIMITS["user.email"]
            or inputs.text_problem(email, name=True, multiline=False)):
        fields["email"] = MSG_EMAIL_INVALID
    else:
        query = sa.select(User.id).where(sa.func.lower(User.email) == email)
        if user is not None:
            query = query.where(User.id != user.id)
        if db.session.scalar(query) is not None:
            fields["email"] = MSG_EMAIL_TAKEN
    if not name:
        fields["name"] = MSG_REQUIRED
    elif len(name) > inputs.LIMITS["user.name"]:
        fields["name"] = MSG_NAME_TOO_LONG
    elif inputs.text_problem(name, name=True, multiline=False):
        fields["name"] = MSG_NAME_CHARACTERS
    try:
        role_set = {Role(r) for r in roles}
    except ValueError:
        fields["roles"] = MSG_ROLE_UNKNOWN
        role_set = set()
    if not role_set and "roles" not in fields:
        fields["roles"] = MSG_ROLES_REQUIRED
    elif (
        user is not None
        and _same_user(actor, user)
        and Role.ADMIN in user.roles
        and Role.ADMIN not in role_set
        and "roles" not in fields
    ):
        fields["roles"] = MSG_OWN_ADMIN_ROLE
    if Role.CONTACT in role_set:
        if centre_id is None:
            fields["centre_id"] = MSG_CENTRE_REQUIRED
        elif db.session.get(Centre, centre_id) is None:
            fields["centre_id"] = MSG_CENTRE_UNKNOWN
    elif centre_id is not None:
        fields["centre_id"] = MSG_CENTRE_NOT_CONTACT
    if language not in LANGUAGES:
        fields["language"] = MSG_LANGUAGE
    return fields, role_set


def create_user(
    *,
    email: str,
    name: str,
    password: str,
    roles,
    centre_id: int | None = None,
    language: str = "de",
    actor=None,
) -> User:
    """Create a user after checking every field; raises ValidationFailed with all problems."""
    email = normalise_email(email)
    name = normalise_name(name)
    fields, role_set = _check_profile(
        email=email, name=name, roles=roles, centre_id=centre_id, language=language, user=None
    )
    if problem := validate_password(password):
        fields["password"] = problem
    if fields:
        raise ValidationFailed("the user was not created", fields=fields)
    user = User(email=email, name=name, centre_id=centre_id, language=language)
    user.set_password(password)
    user.set_roles(role_set)
    db.session.add(user)
    db.session.flush()
    events.record(
        EventAction.USER_CREATED,
        actor=actor,
        subject_type="user",
        subject_id=user.id,
        new={"email": email, "name": name, "roles": sorted(r.value for r in role_set)},
    )
    return user


def update_user(
    user: User,
    *,
    email: str,
    name: str,
    roles,
    centre_id: int | None = None,
    language: str = "de",
    actor=None,
) -> dict[str, tuple]:
    """Change a user's profile and roles; returns ``{field: (old, new)}`` of what changed.

    Raises ValidationFailed (nothing changed) on bad input, and when an administrator would
    take away their own administrator role (so that they cannot lock themselves out).
    Records one "user_updated" event with the old and new values when anything changed.
    """
    email = normalise_email(email)
    name = normalise_name(name)
    fields, role_set = _check_profile(
        email=email, name=name, roles=roles, centre_id=centre_id, language=language, user=user,
        actor=actor,
    )
    if fields:
        raise ValidationFailed("the user was not changed", fields=fields)
    before = _profile(user)
    user.email, user.name, user.centre_id, user.language = email, name, centre_id, language
    user.set_roles(role_set)
    after = _profile(user)
    changes = {k: (before[k], after[k]) for k in before if before[k] != after[k]}
    if changes:
        db.session.flush()
        events.record(
            EventAction.USER_UPDATED,
            actor=actor,
            subject_type="user",
            subject_id=user.id,
            old={k: old for k, (old, _new) in changes.items()},
            new={k: new for k, (_old, new) in changes.items()},
        )
    return changes


def _profile(user: User) -> dict:
    return {
        "email": user.email,
        "name": user.name,
        "roles": sorted(r.value for r in user.roles),
        "centre_id": user.centre_id,
        "language": user.language,
    }


def _same_user(actor, user: User) -> bool:
    return actor is not None and getattr(actor, "id", actor) == user.id


def set_active(user: User, active: bool, *, actor=None, now: datetime | None = None) -> bool:
    """Deactivate or reactivate an account; returns False when it already was so.

    A deactivated user cannot sign in; every session and remember-me token of theirs ends
    (and stays ended after a reactivation), and every API token of theirs is revoked.
    Nobody can deactivate their own account. Records "user_deactivated" or
    "user_reactivated".
    """
    if not active and _same_user(actor, user):
        raise ValidationFailed("the account was not deactivated",
                               fields={"active": MSG_SELF_DEACTIVATION})
    if user.active is active:
        return False
    user.active = active
    if not active:
        user.end_all_sessions()
    db.session.flush()
    events.record(
        EventAction.USER_REACTIVATED if active else "user_deactivated",
        actor=actor,
        subject_type="user",
        subject_id=user.id,
        old={"active": not active},
        new={"active": active},
    )
    if not active:
        tokens.revoke_all_for(user, actor=actor, now=now or utcnow())
    return True


def reset_password(user: User, password: str | None = None, *, actor=None,
                   revoke_tokens: bool = False, now: datetime | None = None) -> str:
    """Give a user a new password: the typed one, or a generated one when ``password`` is empty.

    Returns the new password so that the administrator can pass it on (show it once, never
    store it anywhere else). Every session and remember-me token of the user ends; with
    ``revoke_tokens`` their API tokens are revoked too. Records "password_reset" with
    whether it was generated, never the password itself.
    """
    generated = not password
    if generated:
        password = generate_password()
    elif problem := validate_password(password):
        raise ValidationFailed("the password was not reset", fields={"password": problem})
    user.set_password(password)
    db.session.flush()
    events.record(
        EventAction.PASSWORD_RESET,
        actor=actor,
        subject_type="user",
        subject_id=user.id,
        new={"generated": generated},
    )
    if revoke_tokens:
        tokens.revoke_all_for(user, actor=actor, now=now or utcnow())
    return password


def change_password(user: User, current_password: str, new_password: str, *,
                    revoke_tokens: bool = False, now: datetime | None = None) -> None:
    """A user changes their own password; the current one must be given and right.

    Raises ValidationFailed with ``current_password`` (wrong) and/or ``new_password`` (too
    short, too long or unchanged). Re-hashes, ends every session and remember-me token of
    the user (the view starts a new one for the browser in use), revokes their API tokens
    with ``revoke_tokens``, and records "password_changed" without any password.
    """
    fields: dict[str, str] = {}
    if not user.check_password(current_password or ""):
        fields["current_password"] = MSG_PASSWORD_WRONG
    if problem := validate_password(new_password):
        fields["new_password"] = problem
    elif "current_password" not in fields and new_password == current_password:
        fields["new_password"] = MSG_PASSWORD_UNCHANGED
    if fields:
        raise ValidationFailed("the password was not changed", fields=fields)
    user.set_password(new_password)
    db.session.flush()
    events.record(EventAction.PASSWORD_CHANGED, actor=user, subject_type="user", subject_id=user.id)
    if revoke_tokens:
        tokens.revoke_all_for(user, actor=user, now=now or utcnow())


@dataclass(frozen=True)
class SignIn:
    """The result of :func:`authenticate`: the user, or why not (wrong, or refused by the
    throttle: locked or slowed down)."""

    user: User | None
    refused: throttle.Refusal | None = None

    @property
    def locked(self) -> bool:
        return self.refused is not None and self.refused.locked

    @property
    def slowed(self) -> bool:
        return self.refused is not None and not self.refused.locked


@lru_cache(maxsize=4)
def _dummy_hash(method: str) -> str:
    # Checked when the e-mail is unknown, so that a wrong e-mail takes as long as a wrong
    # password and the response time does not tell which accounts exist.
    return generate_password_hash(secrets.token_urlsafe(16), method=method)


def authenticate(email: str, password: str, *, address: str, now: datetime) -> SignIn:
    """Check a sign-in, throttle first: a refused attempt is not checked (nor recorded).

    Records the attempt (success or failure, never the password) and sets
    ``last_login_at`` on success. Unknown e-mails, wrong passwords and deactivated accounts
    all fail alike. Flushes; the caller commits (and signs the user in).
    """
    email = normalise_email(email)
    refused = throttle.check(email, address, now=now)
    if refused is not None:
        log.info("sign-in refused while %s (address %s)",
                 "locked" if refused.locked else "slowed down", address)
        return SignIn(None, refused=refused)
    user = find_by_email(email)
    if user is None:
        check_password_hash(_dummy_hash(password_hash_method()), password or "")
        ok = False
    else:
        ok = user.check_password(password or "") and user.active
    throttle.record_attempt(email, address, succeeded=ok, now=now)
    if not ok:
        if (after := throttle.check(email, address, now=now)) is not None and after.locked:
            log.warning("sign-in locked after repeated failures (address %s)", address)
        return SignIn(None)
    user.last_login_at = now
    return SignIn(user)


def check_current_password(user: User, password: str, *, address: str, now: datetime) -> bool:
    """A signed-in user's current password (before a change), throttled like a sign-in.

    The caller asks :func:`audit_app.services.throttle.check` first and does not call this
    while refused. The attempt is recorded under the user's e-mail and ``address``, so wrong
    guesses count towards the same locks as failed sign-ins. Flushes; the caller commits
    (also when the check failed).
    """
    ok = user.check_password(password or "")
    throttle.record_attempt(normalise_email(user.email), address, succeeded=ok, now=now)
    after = None if ok else throttle.check(normalise_email(user.email), address, now=now)
    if after is not None and after.locked:
        log.warning("password change locked after wrong current passwords (address %s)",
                    address)
    return ok


def find_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))


def list_users(
    *, role: Role | None = None, active: bool | None = None, page: int = 1, per_page: int = 50,
    clamp: bool = True,
) -> Page:
    """Users ordered by name, optionally only one role and/or only (in)active ones.

    Roles come with the users (select-in) and centres with a join: three queries per page,
    whatever its size.
    """
    query = sa.select(User)
    if role is not None:
        query = query.where(
            User.id.in_(sa.select(UserRole.user_id).where(UserRole.role == role))
        )
    if active is not None:
        query = query.where(User.active.is_(active))
    return page_of(query.options(joinedload(User.centre), selectinload(User.role_rows))
                   .order_by(User.name, User.id), page, per_page, clamp=clamp)


def centre_choices() -> list[tuple[int, str]]:
    """``(id, "name (city)")`` of every centre, by name, for linking a centre contact."""
    rows = db.session.execute(
        sa.select(Centre.id, Centre.name, Centre.city).order_by(Centre.name, Centre.id)
    ).all()
    return [(cid, f"{name} ({city})" if city else name) for cid, name, city in rows]


def active_users() -> list[User]:
    """Every active user by name (e.g. to create an API token for one)."""
    return list(db.session.scalars(
        sa.select(User).where(User.active.is_(True)).order_by(User.name, User.id)))
