"""Forms of the audits area: planning, transitions, checklist cards, review rows, evidence.

Each is a :class:`~audit_app.blueprints.forms.ServiceForm`: text limits from the input
module, and the service's own checks in ``validate()`` where the form can know them.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DateField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Optional

from ...services import audits as audit_service
from ...services import inputs
from ...services.audits import AnswerInput
from ...workflow import AuditKind, Decision
from ..forms import MultiCheckboxField, ServiceForm


class PlanAuditForm(ServiceForm):
    centre_id = SelectField(_l("Centre"), coerce=int, validators=[DataRequired()])
    catalog_id = SelectField(_l("Criteria catalogue"), coerce=int, validators=[DataRequired()])
    kind = SelectField(_l("Kind of audit"), choices=[], validators=[DataRequired()])
    planned_on = DateField(_l("Planned start"), validators=[DataRequired()])
    visit_on = DateField(_l("Site visit"), validators=[Optional()])
    due_on = DateField(_l("Checklist due"), validators=[Optional()])
    lead_auditor_id = SelectField(_l("Lead auditor"), coerce=int, validators=[DataRequired()])
    auditor_ids = MultiCheckboxField(_l("Auditors"), coerce=int)
    guest_id = SelectField(_l("Guest auditor (optional)"), coerce=int, validators=[Optional()])
    previous_audit_id = SelectField(_l("Previous cycle (renewal audits)"), coerce=int,
                                    validators=[Optional()])

    #: Service field → form field.
    FIELD_NAMES = {"team": "auditor_ids", "auditors": "auditor_ids", "guest": "guest_id",
                   "catalog": "catalog_id", "centre": "centre_id",
                   "previous_audit": "previous_audit_id"}

    def __init__(self, *args, centres, catalogs, auditors, guests, kind_labels, previous=None,
                 **kwargs):
        if previous is not None:  # the defaults of a renewal that starts from it
            kwargs.setdefault("centre_id", previous.centre_id)
            kwargs.setdefault("kind", AuditKind.RENEWAL.value)
            kwargs.setdefault("previous_audit_id", previous.id)
        super().__init__(*args, **kwargs)
        self._previous = previous
        self.previous_audit_id.choices = [(0, _l("automatic: the centre's latest decided audit"))]
        if previous is not None:
            self.previous_audit_id.choices.append(
                (previous.id, f"{previous.number} · {previous.centre.name}"))
        self._centres = {c.id: c for c in centres}
        self._people = {u.id: u for u in [*auditors, *guests]}
        self.centre_id.choices = [(c.id, f"{c.name} ({c.city})") for c in centres]
        self.catalog_id.choices = [(c.id, c.title_label) for c in catalogs]
        self.kind.choices = [(k.value, kind_labels[k]) for k in AuditKind]
        self.lead_auditor_id.choices = [(u.id, u.name) for u in auditors]
        self.auditor_ids.choices = [(u.id, u.name) for u in auditors]
        self.guest_id.choices = [(0, "–")] + [(u.id, u.name) for u in guests]

    def previous(self, audit_id):
        """The offered previous audit with this id (None for "automatic" and anything else)."""
        previous = self._previous
        return previous if previous is not None and audit_id == previous.id else None

    def person(self, user_id):
        """The offered person with this id (None for anything else)."""
        return self._people.get(user_id)

    def centre(self, centre_id):
        """The offered centre with this id (None for anything else)."""
        return self._centres.get(centre_id)

    def validate(self, extra_validators=None) -> bool:
        """The field checks, then the service's team rules (:func:`team_problems`)."""
        valid = super().validate(extra_validators)
        problems = audit_service.team_problems(
            self._centres.get(self.centre_id.data), self.person(self.lead_auditor_id.data),
            [u for u in map(self.person, self.auditor_ids.data or []) if u is not None],
            self.person(self.guest_id.data) if self.guest_id.data else None,
        )
        if problems:
            for message in self.add_service_errors(problems, self.FIELD_NAMES):
                self.auditor_ids.errors = [*self.auditor_ids.errors, message]
            valid = False
        return valid


class NoteForm(ServiceForm):
    """A transition with an optional or required note (the service checks which)."""

    limits = {"note": "transition.note"}
    note = TextAreaField(_l("Note"))


class DecisionForm(ServiceForm):
    limits = {"note": "transition.note", "override_reason": "transition.override_reason"}
    decision = SelectField(_l("Decision"), validators=[DataRequired()])
    note = TextAreaField(_l("Decision note"))
    override_reason = TextAreaField(
        _l("Justification (required when the decision differs from the computed outcome)"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.decision.choices = [(d.value, d.value) for d in Decision]  # views label them


class EvidenceForm(ServiceForm):
    file = FileField(_l("File"), validators=[FileRequired(_l("Choose a file."))])
    document_date = DateField(_l("Date of the document (optional)"), validators=[Optional()])
    valid_until = DateField(_l("Valid until (optional)"), validators=[Optional()])


class CarryForm(ServiceForm):
    """Carry a file of the previous cycle forward: only with the „noch gültig“ confirmation."""

    limits = {"evidence_id": "answer.value"}
    evidence_id = HiddenField()
    still_valid = BooleanField(_l("still valid"))
    valid_until = DateField(_l("valid until"), validators=[Optional()])


class AnswerForm(ServiceForm):
    """One checklist card as posted: the answer and the version it was based on.

    The values stay text here; the service parses them (ASCII digits, decimals within the
    column) and checks them against the criterion, so web and API refuse the same input.
    """

    class Meta:
        csrf = False  # checked for every POST by CSRFProtect already

    limits = {"points": "answer.value", "value": "answer.value", "na_reason": "answer.na_reason",
              "comment": "answer.comment", "finding": "answer.finding",
              "finding_severity": "answer.value", "version": "answer.value",
              "not_applicable": "answer.value"}
    points = StringField()
    value = StringField()
    not_applicable = StringField()
    na_reason = TextAreaField()
    comment = TextAreaField()
    finding = TextAreaField()
    finding_severity = StringField()
    version = StringField()

    def answer(self) -> tuple[AnswerInput, int | None, dict[str, str]]:
        """The answer for :func:`~audit_app.services.audits.save_assessment`, the version it
        was based on, and the problems found before the service runs."""
        self.validate()
        errors = {name: str(field.errors[0]) for name, field in self._fields.items()
                  if field.errors}
        try:
            version = inputs.parse_whole(self.version.data, 0, inputs.MAX_ID)
        except inputs.InputError:
            version = None
        if version is None:
            errors["version"] = "missing"
        answer = AnswerInput(
            points=(self.points.data or "").strip() or None,
            value=(self.value.data or "").strip() or None,
            not_applicable=self.not_applicable.data == "1",
            na_reason=self.na_reason.data or "",
            comment=self.comment.data or "",
            finding=self.finding.data or "",
            finding_severity=self.finding_severity.data or None,
        )
        return answer, version, errors


class ReviewForm(ServiceForm):
    """One review row as posted: agree, or adjust with points or a value and a reason."""

    class Meta:
        csrf = False  # checked for every POST by CSRFProtect already

    limits = {"agree": "answer.value", "points": "answer.value", "value": "answer.value",
              "reason": "review.reason"}
    agree = StringField()
    points = StringField()
    value = StringField()
    reason = TextAreaField()

    def adjustment(self) -> dict:
        """Keyword arguments of :func:`~audit_app.services.audits.adjust_assessment`."""
        return {"agree": self.agree.data == "1",
                "points": (self.points.data or "").strip() or None,
                "value": (self.value.data or "").strip() or None,
                "reason": self.reason.data or ""}


def parse_answer(formdata) -> tuple[AnswerInput, int | None, dict[str, str]]:
    """Read a checklist card's POST data (see :meth:`AnswerForm.answer`)."""
    return AnswerForm(formdata).answer()


class AuditFilterForm:
    """The audits list's search, filters and sort from the query string (GET, no token).

    Reads forgivingly: an unknown status, year, person or sort is simply not applied (a
    bookmarked or hand-edited link never fails). ``years`` and ``people`` are the choices
    offered (people only to those who see every audit).
    """

    def __init__(self, args, *, years: list[int], people: list):
        self.years = years
        self.people = people
        self.statuses = list(audit_service.AuditStatus)
        self.sorts = audit_service.AUDIT_SORTS
        q = args.get("q", "")
        self.q = inputs.normalise(q)[: inputs.limit("search.q")] if isinstance(q, str) else ""
        if inputs.text_problem(self.q, max_length=inputs.limit("search.q")):
            self.q = ""
        raw_status = args.get("status", "")
        self.status = raw_status if raw_status in {s.value for s in self.statuses} else ""
        year = inputs.parse_id(args.get("year"))
        self.year = year if year in years else None
        person = inputs.parse_id(args.get("auditor"))
        self.auditor = person if person in {p.id for p in people} else None
        centre = inputs.parse_id(args.get("centre"))
        self.centre = centre
        raw_sort = args.get("sort", "")
        self.sort = raw_sort if raw_sort in self.sorts else self.sorts[0]

    def filters(self) -> tuple[audit_service.AuditFilters, str]:
        return audit_service.AuditFilters(
            status=audit_service.AuditStatus(self.status) if self.status else None,
            centre_id=self.centre, year=self.year, auditor_id=self.auditor, q=self.q,
        ), self.sort

    def args(self, **changes) -> dict:
        """The query arguments of this list (for paging and sort links), with ``changes``."""
        values = {"q": self.q or None, "status": self.status or None, "year": self.year,
                  "auditor": self.auditor, "centre": self.centre,
                  "sort": self.sort if self.sort != self.sorts[0] else None}
        values.update(changes)
        return {k: v for k, v in values.items() if v not in (None, "")}
