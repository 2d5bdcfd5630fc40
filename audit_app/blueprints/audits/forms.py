"""Forms of the audits area. Checklist cards are parsed by :func:`parse_answer`."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, SelectField, SelectMultipleField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from ...services.audits import AnswerInput
from ...workflow import AuditKind


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class PlanAuditForm(FlaskForm):
    centre_id = SelectField(_l("Centre"), coerce=int, validators=[DataRequired()])
    catalog_id = SelectField(_l("Criteria catalogue"), coerce=int, validators=[DataRequired()])
    kind = SelectField(_l("Kind of audit"), choices=[], validators=[DataRequired()])
    planned_on = DateField(_l("Planned start"), validators=[DataRequired()])
    visit_on = DateField(_l("Site visit"), validators=[Optional()])
    due_on = DateField(_l("Checklist due"), validators=[Optional()])
    lead_auditor_id = SelectField(_l("Lead auditor"), coerce=int, validators=[DataRequired()])
    auditor_ids = MultiCheckboxField(_l("Auditors"), coerce=int)
    guest_id = SelectField(_l("Guest auditor (optional)"), coerce=int, validators=[Optional()])

    def __init__(self, *args, centres, catalogs, auditors, guests, kind_labels, **kwargs):
        super().__init__(*args, **kwargs)
        self.centre_id.choices = [(c.id, f"{c.name} ({c.city})") for c in centres]
        self.catalog_id.choices = [(c.id, c.title_label) for c in catalogs]
        self.kind.choices = [(k.value, kind_labels[k]) for k in AuditKind]
        self.lead_auditor_id.choices = [(u.id, u.name) for u in auditors]
        self.auditor_ids.choices = [(u.id, u.name) for u in auditors]
        self.guest_id.choices = [(0, "–")] + [(u.id, u.name) for u in guests]

    def validate_auditor_ids(self, field):
        if not field.data:
            raise ValidationError(_l("Choose at least one auditor besides the lead auditor."))
        if self.lead_auditor_id.data in field.data:
            raise ValidationError(_l("The lead auditor is already on the team."))


class NoteForm(FlaskForm):
    """A transition with an optional or required note (the service checks which)."""

    note = TextAreaField(_l("Note"), validators=[Length(max=5000)])


class DecisionForm(FlaskForm):
    decision = SelectField(_l("Decision"), validators=[DataRequired()])
    note = TextAreaField(_l("Decision note"), validators=[Length(max=5000)])
    override_reason = TextAreaField(
        _l("Justification (required when the decision differs from the computed outcome)"),
        validators=[Length(max=5000)],
    )


class EvidenceForm(FlaskForm):
    file = FileField(_l("File"), validators=[FileRequired(_l("Choose a file."))])


def parse_answer(form) -> tuple[AnswerInput, int | None, dict[str, str]]:
    """Read a checklist card's POST data: the answer, the version it was based on, parse errors."""
    errors: dict[str, str] = {}
    points = None
    raw_points = (form.get("points") or "").strip()
    if raw_points:
        try:
            points = int(raw_points)
        except ValueError:
            errors["points"] = "must be a whole number"
    try:
        version = int(form.get("version", ""))
    except ValueError:
        version = None
        errors["version"] = "missing"
    answer = AnswerInput(
        points=points,
        value=(form.get("value") or "").strip() or None,
        not_applicable=form.get("not_applicable") == "1",
        na_reason=form.get("na_reason", ""),
        comment=form.get("comment", ""),
        finding=form.get("finding", ""),
        finding_severity=(form.get("finding_severity") or None),
    )
    return answer, version, errors
