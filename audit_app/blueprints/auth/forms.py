"""Sign-in, password and POST-button forms, and the translation of service messages."""
from __future__ import annotations

from flask import flash
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SubmitField
from wtforms.validators import DataRequired, EqualTo, ValidationError

from ...services import users
from ...services.errors import ValidationFailed
from ..forms import ServiceForm


class LoginForm(ServiceForm):
    limits = {"email": "user.email", "password": "user.password"}
    email = EmailField(_l("E-mail"), validators=[DataRequired()])
    password = PasswordField(_l("Password"), validators=[DataRequired()])
    remember = BooleanField(_l("Stay signed in"))
    submit = SubmitField(_l("Sign in"))


class EmptyForm(ServiceForm):
    """A form with only the CSRF token, for POST-only buttons."""


class PasswordChangeForm(ServiceForm):
    """Change one's own password: the current one, the new one twice.

    ``user`` is the signed-in user; the form checks the current password (with
    ``check_current``, the throttled check, when given) and the new one's rules itself so
    that every problem shows at once (the service checks again).
    """

    current_password = PasswordField(
        _l("Current password"),
        validators=[DataRequired(_l("Please enter your current password.")),
],
    )
    new_password = PasswordField(
        _l("New password"),
        validators=[DataRequired(_l("Please enter a new password.")),
],
        description=_l("At least %(num)s characters. A short sentence is easy to remember.",
                       num=users.MIN_PASSWORD_LENGTH),
    )
    new_password_repeat = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(_l("Please repeat the new password.")),
                    EqualTo("new_password", _l("The two new passwords are not the same."))],
    )
    revoke_tokens = BooleanField(
        _l("Also revoke my API tokens"),
        description=_l("Scripts and tools using them stop working; an administrator can give "
                       "you new ones."),
    )
    submit = SubmitField(_l("Change password"))

    limits = {"current_password": "user.password", "new_password": "user.password",
              "new_password_repeat": "user.password"}

    def __init__(self, *args, user, check_current=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._user = user
        # The view passes the throttled check (services.users.check_current_password).
        self._check_current = check_current or user.check_password

    def validate_current_password(self, field) -> None:
        if not self._check_current(field.data or ""):
            raise ValidationError(service_message(users.MSG_PASSWORD_WRONG))

    def validate_new_password(self, field) -> None:
        if problem := users.validate_password(field.data):
            raise ValidationError(service_message(problem))
        if field.data == self.current_password.data:
            raise ValidationError(service_message(users.MSG_PASSWORD_UNCHANGED))


#: The services' field messages (plain English, see ``services.users.MSG_*``) for the user.
SERVICE_MESSAGES = {
    users.MSG_EMAIL_INVALID: _l("This is not a valid e-mail address."),
    users.MSG_EMAIL_TAKEN: _l("This e-mail address is already registered."),
    users.MSG_REQUIRED: _l("Please fill in this field."),
    users.MSG_NAME_TOO_LONG: _l("The name may have at most 120 characters."),
    users.MSG_NAME_CHARACTERS: _l("The name contains invisible or text-direction characters; "
                                  "please type it plainly."),
    users.MSG_PASSWORD_TOO_SHORT: _l(
        "The password must have at least %(num)s characters.", num=users.MIN_PASSWORD_LENGTH
    ),
    users.MSG_PASSWORD_TOO_LONG: _l(
        "The password may have at most %(num)s characters.", num=users.MAX_PASSWORD_LENGTH
    ),
    users.MSG_PASSWORD_WRONG: _l("The current password is wrong."),
    users.MSG_PASSWORD_UNCHANGED: _l("The new password must differ from the current one."),
    users.MSG_ROLE_UNKNOWN: _l("Please choose only the roles offered."),
    users.MSG_ROLES_REQUIRED: _l("Please choose at least one role."),
    users.MSG_OWN_ADMIN_ROLE: _l("You cannot take away your own administrator role."),
    users.MSG_CENTRE_REQUIRED: _l("A centre contact needs a centre."),
    users.MSG_CENTRE_UNKNOWN: _l("This centre does not exist."),
    users.MSG_CENTRE_NOT_CONTACT: _l("Only centre contacts are linked to a centre."),
    users.MSG_LANGUAGE: _l("Please choose German or English."),
    users.MSG_SELF_DEACTIVATION: _l("You cannot deactivate your own account."),
}


def service_message(message: str) -> str:
    """The user's-language text of a service's field message (the message itself if unknown)."""
    return str(SERVICE_MESSAGES.get(message, message))


def apply_service_errors(
    form: FlaskForm, exc: ValidationFailed, field_names: dict[str, str] | None = None
) -> None:
    """Show a service's field messages next to the form's fields (``field_names`` maps the
    service's names to the form's); messages for fields the form lacks become a flash."""
    field_names = field_names or {}
    for name, message in exc.fields.items():
        field = form._fields.get(field_names.get(name, name))
        if field is None:
            flash(service_message(message), "error")
        else:
            field.errors = [*field.errors, service_message(message)]
