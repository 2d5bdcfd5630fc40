"""The one form pattern of the web pages, and the form pieces every area shares.

A :class:`ServiceForm` receives its context as constructor arguments (never from ``g`` or
``current_user``), names for each text field its limit in
:data:`audit_app.services.inputs.LIMITS`, and runs the service's own checks in ``validate()``
(as ``UserForm`` always did), so that every problem shows next to its field at once and the
service, called afterwards, refuses exactly the same input.

What every form gets from the base class: text normalised to NFC, NUL and other control
characters refused (PostgreSQL cannot store NUL), invisible and text-direction characters
refused in names, and each text field's one length limit.
"""
from __future__ import annotations

from typing import ClassVar

from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectMultipleField, TextAreaField
from wtforms.widgets import CheckboxInput, ListWidget

from ..services import inputs

#: Field types whose data is not text typed by the user (files, checkboxes, choices).
_NOT_TEXT = ("FileField", "MultipleFileField", "BooleanField", "SelectField",
             "SelectMultipleField", "MultiCheckboxField", "DateField", "SubmitField",
             "CSRFTokenField")


class MultiCheckboxField(SelectMultipleField):
    """Several choices as checkboxes (roles, the audit team)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def is_text_field(field) -> bool:
    """Whether the user types this field's value (its data is checked as text)."""
    return type(field).__name__ not in _NOT_TEXT and not any(
        base.__name__ in _NOT_TEXT for base in type(field).__mro__)


class ServiceForm(FlaskForm):
    """Base of every form: text rules from :mod:`audit_app.services.inputs`, service errors.

    ``limits`` maps each text field to its key in :data:`~audit_app.services.inputs.LIMITS`
    (a test checks that every text field of every form has one); ``names`` lists the fields
    that name someone or something.
    """

    limits: ClassVar[dict[str, str]] = {}
    names: ClassVar[frozenset[str]] = frozenset()

    def max_length(self, name: str) -> int:
        return inputs.LIMITS[self.limits[name]]

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for name, field in self._fields.items():
            if not is_text_field(field) or not isinstance(field.data, str):
                continue
            if not isinstance(field, PasswordField):  # a password is hashed as typed
                field.data = inputs.normalise(field.data)
            try:
                inputs.clean_text(field.data, self.max_length(name), name=name in self.names,
                                  one_line=not isinstance(field, (TextAreaField, PasswordField)))
            except inputs.InputError as exc:
                # This rule comes first: what cannot be stored is not checked further.
                field.errors = [str(exc.message)]
                valid = False
        return valid

    def add_service_errors(self, fields: dict, mapping: dict[str, str] | None = None) -> list[str]:
        """Show a service's field messages next to the fields (``mapping``: service name →
        form field); returns the messages for which the form has no field."""
        mapping = mapping or {}
        leftover = []
        for key, message in fields.items():
            field = self._fields.get(mapping.get(key, key))
            if field is None:
                leftover.append(str(message))
            elif str(message) not in map(str, field.errors):
                field.errors = [*field.errors, str(message)]
        return leftover
