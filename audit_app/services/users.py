"""Creating and changing users."""
from __future__ import annotations

import re

import sqlalchemy as sa

from ..extensions import db
from ..models import Centre, User
from ..workflow import Role
from . import events
from .errors import ValidationFailed

MIN_PASSWORD_LENGTH = 12
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def validate_password(password: str) -> str | None:
    """A message when the password is too weak, else None."""
    if len(password or "") < MIN_PASSWORD_LENGTH:
        return f"must be at least {MIN_PASSWORD_LENGTH} characters long"
    return None


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
    fields: dict[str, str] = {}
    email = normalise_email(email)
    name = (name or "").strip()
    if not _EMAIL.match(email) or len(email) > 254:
        fields["email"] = "is not a valid e-mail address"
    elif db.session.scalar(sa.select(User.id).where(sa.func.lower(User.email) == email)):
        fields["email"] = "is already registered"
    if not name:
        fields["name"] = "is required"
    elif len(name) > 120:
        fields["name"] = "must be at most 120 characters"
    if problem := validate_password(password):
        fields["password"] = problem
    try:
        role_set = {Role(r) for r in roles}
    except ValueError:
        valid = ", ".join(r.value for r in Role)
        fields["roles"] = f"unknown role; valid roles: {valid}"
        role_set = set()
    if not role_set and "roles" not in fields:
        fields["roles"] = "at least one role is required"
    if Role.CONTACT in role_set:
        if centre_id is None:
            fields["centre_id"] = "a centre contact needs a centre"
        elif db.session.get(Centre, centre_id) is None:
            fields["centre_id"] = "no such centre"
    elif centre_id is not None:
        fields["centre_id"] = "only centre contacts are linked to a centre"
    if language not in ("de", "en"):
        fields["language"] = "must be de or en"
    if fields:
        raise ValidationFailed("the user was not created", fields=fields)
    user = User(email=email, name=name, centre_id=centre_id, language=language)
    user.set_password(password)
    user.set_roles(role_set)
    db.session.add(user)
    db.session.flush()
    events.record(
        "user_created",
        actor=actor,
        subject_type="user",
        subject_id=user.id,
        new={"email": email, "name": name, "roles": sorted(r.value for r in role_set)},
    )
    return user


def find_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))
