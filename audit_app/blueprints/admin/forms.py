"""Forms of the administration: users and catalogue files."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired, FileSize
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Optional, ValidationError

from ...labels import label
from ...services import inputs, users
from ...workflow import Role
from ..auth.forms import service_message
from ..forms import MultiCheckboxField, ServiceForm

try:
    from wtforms import SelectChoice
except ImportError:  # WTForms < 3.3 takes plain (value, label) tuples (3.3 deprecates them)
    def SelectChoice(value, label):
        return (value, label)

#: Largest catalogue file accepted for upload (the real catalogue has about 50 KB).
MAX_CATALOG_BYTES = 1024 * 1024


def language_choices() -> list:
    # Each language in its own name, as language pickers usually show them.
    return [SelectChoice("de", "Deutsch"), SelectChoice("en", "English")]


def role_choices() -> list:
    return [SelectChoice(role.value, label(role)) for role in Role]


def password_rule(form, field) -> None:
    """The services' password rule (length), with the message in the user's language."""
    if field.data and (problem := users.validate_password(field.data)):
        raise ValidationError(service_message(problem))


def at_least_one(form, field) -> None:
    # Not DataRequired: its "required" flag would put `required` on every checkbox, which
    # browsers read as "tick them all".
    if not field.data:
        raise ValidationError(service_message(users.MSG_ROLES_REQUIRED))


class UserFilterForm(ServiceForm):
    """Filters of the user list (GET parameters, so no CSRF token)."""

    class Meta:
        csrf = False

    role = SelectField(_l("Role"), validators=[Optional()])
    active = SelectField(_l("Status"), validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = [SelectChoice("", _l("All roles")), *role_choices()]
        self.active.choices = [
            SelectChoice("", _l("Active and deactivated")),
            SelectChoice("yes", _l("active")),
            SelectChoice("no", _l("deactivated")),
        ]

    @property
    def selected_role(self) -> Role | None:
        return Role(self.role.data) if self.role.data in {r.value for r in Role} else None

    @property
    def selected_active(self) -> bool | None:
        return {"yes": True, "no": False}.get(self.active.data)


class UserForm(ServiceForm):
    """A user's profile and roles.

    ``centres`` are ``(id, label)`` pairs for the centre select; ``user`` is the account being
    edited (None for a new one) and ``actor`` the administrator. :meth:`validate` also runs
    the service's checks (duplicate e-mail, centre rules, own administrator role), so that
    every problem shows at once.
    """

    limits = {"name": "user.name", "email": "user.email"}
    names = frozenset({"name"})

    name = StringField(
        _l("Name"),
        validators=[DataRequired(_l("Please enter the name."))],
        filters=[lambda v: v.strip() if isinstance(v, str) else v],
    )
    email = EmailField(_l("E-mail"), validators=[DataRequired(_l("Please enter the e-mail address."))])
    roles = MultiCheckboxField(
        _l("Roles"),
        validators=[at_least_one],
        description=_l("Administrators manage users, centres and catalogues; working-group leads "
                       "plan, review and decide audits; auditors fill in the audits they are on; "
                       "centre contacts see their own centre's results."),
    )
    centre_id = SelectField(
        _l("Centre"),
        validators=[Optional()],
        description=_l("Only for centre contacts: the centre whose results they may see."),
    )
    language = SelectField(_l("Language"), default="de")
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, centres: list[tuple[int, str]], user=None, actor=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._user, self._actor = user, actor
        self.roles.choices = role_choices()
        self.language.choices = language_choices()
        self.centre_id.choices = [SelectChoice("", _l("– no centre –"))] + [
            SelectChoice(str(cid), name) for cid, name in centres
        ]

    @property
    def centre_id_value(self) -> int | None:
        return inputs.parse_id(self.centre_id.data or "")

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        problems = users.profile_problems(
            email=self.email.data or "", name=self.name.data or "", roles=self.roles.data or [],
            centre_id=self.centre_id_value, language=self.language.data or "",
            user=self._user, actor=self._actor,
        )
        for name, message in problems.items():
            field = self._fields.get(name)
            if field is not None and not field.errors:  # one message per field is enough
                field.errors.append(service_message(message))
                valid = False
        return valid


class UserCreateForm(UserForm):
    """A new user; an empty password field means "generate one"."""

    limits = {**UserForm.limits, "password": "user.password"}

    password = PasswordField(
        _l("Initial password"),
        validators=[Optional(), password_rule],
        description=_l("At least %(num)s characters. Leave empty to generate a random password, "
                       "which is shown once after saving.", num=users.MIN_PASSWORD_LENGTH),
    )
    submit = SubmitField(_l("Create user"))


class PasswordResetForm(ServiceForm):
    """An administrator sets a new password for a user, typed or generated; the user's
    sessions end, and their API tokens too if asked."""

    limits = {"password": "user.password"}

    password = PasswordField(
        _l("New password"),
        validators=[Optional(), password_rule],
        description=_l("At least %(num)s characters. Leave empty to generate a random password, "
                       "which is shown once after saving.", num=users.MIN_PASSWORD_LENGTH),
    )
    revoke_tokens = BooleanField(
        _l("Also revoke this user's API tokens"),
        description=_l("Advisable if the account may have been misused: scripts and tools "
                       "using the tokens stop working."),
    )
    submit = SubmitField(_l("Reset password"))


class CatalogUploadForm(ServiceForm):
    """A catalogue file (YAML) to validate and import."""

    file = FileField(
        _l("Catalogue file (YAML)"),
        validators=[
            FileRequired(_l("Please choose a catalogue file.")),
            FileAllowed(["yaml", "yml"], _l("Please choose a YAML file (.yaml or .yml).")),
            FileSize(MAX_CATALOG_BYTES,
                     message=_l("The file is larger than 1 MB; a catalogue file is much smaller.")),
        ],
        description=_l("The file is checked first; if it has errors, each is listed with its line "
                       "and nothing is stored. A valid file is imported as a draft."),
    )
    submit = SubmitField(_l("Check and import"))


class TokenCreateForm(ServiceForm):
    """A new API token for one user; the label says what it is for."""

    limits = {"label": "token.label"}

    user_id = SelectField(_l("User"), coerce=int, validators=[DataRequired()])
    label = StringField(
        _l("Label"), validators=[Optional()],
        description=_l("What the token is used for, e.g. „Mitgliederabgleich Geschäftsstelle“."),
    )

    def __init__(self, *args, users, **kwargs):
        super().__init__(*args, **kwargs)
        self.user_id.choices = [SelectChoice(u.id, f"{u.name} <{u.email}>") for u in users]
