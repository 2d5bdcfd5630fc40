"""Users and their roles."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask import current_app, has_app_context
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from ..workflow import Role
from ._types import enum_column_type
from .base import Base, UTCDateTime, utcnow

if TYPE_CHECKING:
    from .centre import Centre


def password_hash_method() -> str:
    """The configured hashing method (``PASSWORD_HASH_METHOD``; scrypt unless a test says otherwise)."""
    if has_app_context():
        return current_app.config.get("PASSWORD_HASH_METHOD") or "scrypt"
    return "scrypt"


class User(UserMixin, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    language: Mapped[str] = mapped_column(sa.String(5), default="de", server_default="de")
    centre_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("centres.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Raised on every password change or reset and on deactivation: every session and
    #: remember-me token begun under an older value ends (see models.security.UserSession).
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")

    role_rows: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )
    centre: Mapped[Centre | None] = relationship(back_populates="contacts")

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(r.role for r in self.role_rows)

    def has_role(self, *roles: Role) -> bool:
        return bool(self.roles & set(roles))

    def set_roles(self, roles) -> None:
        wanted = {Role(r) for r in roles}
        self.role_rows = [r for r in self.role_rows if r.role in wanted] + [
            UserRole(role=r) for r in sorted(wanted - self.roles)
        ]

    def set_password(self, password: str) -> None:
        # scrypt (Werkzeug's default) with a per-password salt; the test configuration
        # chooses a cheap method, because hashing dominated the test suite's run time.
        self.password_hash = generate_password_hash(password, method=password_hash_method())
        self.end_all_sessions()

    def end_all_sessions(self) -> None:
        """End every session and remember-me token of this user (the next request of each
        finds its generation outdated); sessions begun afterwards are not affected."""
        self.session_version = (self.session_version or 0) + 1

    def get_id(self) -> str:  # Flask-Login: the session also holds its server-side session id
        return str(self.id)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # Flask-Login: inactive users cannot sign in
        return self.active

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"


class UserRole(Base):
    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[Role] = mapped_column(enum_column_type(Role, "role"), primary_key=True)

    user: Mapped[User] = relationship(back_populates="role_rows")
