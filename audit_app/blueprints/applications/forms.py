"""Forms of the centre's area: the application, the lead's answer to it, questionnaire
answers, self-assessment cards, documents and the team's marks on them.

Each is a :class:`~audit_app.blueprints.forms.ServiceForm`: text limits from the input
module, the service's own checks in ``validate()`` where the form can know them.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Optional

from ...services import audits as audit_service
from ...services import inputs
from ...services.centre_side import SelfInput
from ...workflow import AuditKind
from ..forms import MultiCheckboxField, ServiceForm


class ApplyForm(ServiceForm):
    """A centre applies (its contact, for the own centre; the office for any centre)."""

    limits = {"message": "application.message"}
    centre_id = SelectField(_l("Centre"), coerce=int, validators=[Optional()])
    kind = SelectField(_l("Kind of audit"), choices=[], validators=[DataRequired()])
    preferred_from = DateField(_l("Preferred period from"), validators=[DataRequired(
        _l("Please enter a date as DD.MM.YYYY."))])
    preferred_until = DateField(_l("Preferred period until"), validators=[DataRequired(
        _l("Please enter a date as DD.MM.YYYY."))])
    message = TextAreaField(_l("Message to the association (optional)"))

    #: Service field → form field.
    FIELD_NAMES = {"centre": "centre_id"}

    def __init__(self, *args, centres, kind_labels, **kwargs):
        super().__init__(*args, **kwargs)
        self._centres = {c.id: c for c in centres}
        self.centre_id.choices = [(c.id, f"{c.name} ({c.city})") for c in centres]
        self.kind.choices = [(k.value, kind_labels[k]) for k in AuditKind]

    def centre(self):
        """The chosen (or the only offered) centre; None for anything else."""
        if len(self._centres) == 1:
            return next(iter(self._centres.values()))
        return self._centres.get(self.centre_id.data)

    def kind_value(self) -> AuditKind | None:
        try:
            return AuditKind(self.kind.data)
        except ValueError:
            return None


class AcceptForm(ServiceForm):
    """A working-group lead accepts an application by planning the audit: dates and team."""

    planned_on = DateField(_l("Planned start"), validators=[DataRequired(
        _l("Please enter a date as DD.MM.YYYY."))])
    visit_on = DateField(_l("Site visit"), validators=[Optional()])
    due_on = DateField(_l("Checklist due"), validators=[Optional()])
    lead_auditor_id = SelectField(_l("Lead auditor"), coerce=int, validators=[DataRequired()])
    auditor_ids = MultiCheckboxField(_l("Auditors"), coerce=int)
    guest_id = SelectField(_l("Guest auditor (optional)"), coerce=int, validators=[Optional()])

    FIELD_NAMES = {"team": "auditor_ids", "auditors": "auditor_ids", "guest": "guest_id",
                   "lead_auditor": "lead_auditor_id"}

    def __init__(self, *args, centre, auditors, **kwargs):
        super().__init__(*args, **kwargs)
        self._centre = centre
        self._people = {u.id: u for u in auditors}
        self.lead_auditor_id.choices = [(u.id, u.name) for u in auditors]
        self.auditor_ids.choices = [(u.id, u.name) for u in auditors]
        self.guest_id.choices = [(0, "–")] + [(u.id, u.name) for u in auditors]

    def person(self, user_id):
        return self._people.get(user_id)

    def team(self) -> dict:
        """Keyword arguments of :func:`services.applications.accept` for the team."""
        return {"lead_auditor": self.person(self.lead_auditor_id.data),
                "auditors": [u for u in map(self.person, self.auditor_ids.data or []) if u],
                "guest": self.person(self.guest_id.data) if self.guest_id.data else None}

    def validate(self, extra_validators=None) -> bool:
        """The field checks, then the service's team rules."""
        valid = super().validate(extra_validators)
        team = self.team()
        problems = audit_service.team_problems(self._centre, team["lead_auditor"],
                                               team["auditors"], team["guest"])
        if problems:
            for message in self.add_service_errors(problems, self.FIELD_NAMES):
                self.auditor_ids.errors = [*self.auditor_ids.errors, message]
            valid = False
        return valid


class DeclineForm(ServiceForm):
    limits = {"reason": "transition.note"}
    reason = TextAreaField(_l("Reason (the centre reads it)"),
                           validators=[DataRequired(_l("Please give a reason."))])


class AnswerForm(ServiceForm):
    """One question as posted: the answer as typed and the version it was based on. The
    service parses the answer by the question's type."""

    class Meta:
        csrf = False  # checked for every POST by CSRFProtect already

    limits = {"value": "questionnaire.text", "version": "answer.value"}
    value = TextAreaField()
    version = StringField()

    def answer(self) -> tuple[str, int | None, dict[str, str]]:
        self.validate()
        errors = {name: str(field.errors[0]) for name, field in self._fields.items()
                  if field.errors}
        try:
            version = inputs.parse_whole(self.version.data, 0, inputs.MAX_ID)
        except inputs.InputError:
            version = None
        if version is None:
            errors["version"] = "missing"
        return self.value.data or "", version, errors


class SelfAssessmentForm(ServiceForm):
    """One self-assessment card as posted."""

    class Meta:
        csrf = False  # checked for every POST by CSRFProtect already

    limits = {"points": "answer.value", "value": "answer.value",
              "not_applicable": "answer.value", "comment": "self_assessment.comment",
              "version": "answer.value"}
    points = StringField()
    value = StringField()
    not_applicable = StringField()
    comment = TextAreaField()
    version = StringField()

    def answer(self) -> tuple[SelfInput, int | None, dict[str, str]]:
        self.validate()
        errors = {name: str(field.errors[0]) for name, field in self._fields.items()
                  if field.errors}
        try:
            version = inputs.parse_whole(self.version.data, 0, inputs.MAX_ID)
        except inputs.InputError:
            version = None
        if version is None:
            errors["version"] = "missing"
        data = SelfInput(points=(self.points.data or "").strip() or None,
                         value=(self.value.data or "").strip() or None,
                         not_applicable=self.not_applicable.data == "1",
                         comment=self.comment.data or "")
        return data, version, errors


class DocumentForm(ServiceForm):
    file = FileField(_l("File"), validators=[FileRequired(_l("Choose a file."))])


class DocumentReviewForm(ServiceForm):
    """The team's mark on one document (the service checks the choice and the note)."""

    class Meta:
        csrf = False  # checked for every POST by CSRFProtect already

    limits = {"status": "answer.value", "note": "document_review.note"}
    status = StringField()
    note = TextAreaField()
