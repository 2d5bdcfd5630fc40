"""The API's request bodies as pydantic models: one source for validation and description.

Each model is strict (a string is not a number, a number not a boolean) and refuses unknown
keys; text limits come from :data:`audit_app.services.inputs.LIMITS`, enums from the domain's
enums. :func:`body_schemas` turns the models into the OpenAPI components, and
:func:`parse_body` validates a request's JSON object against one, answering 422 with one
translated message per bad field in the API's error shape.
"""
from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from flask_babel import gettext as _
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, WithJsonSchema

from ..errors import ApiError
from ..models.application import DocumentReviewStatus
from ..scoring import Severity
from ..services.inputs import LIMITS, MAX_ID
from ..workflow import Action, AuditKind, Decision
from .components import component_schemas


def _iso_day(value: Any) -> Any:
    """A JSON date is a string "YYYY-MM-DD" (no timestamps, no other formats)."""
    if not isinstance(value, str) or len(value) != 10:
        raise ValueError("date")
    return date.fromisoformat(value)


Id = Annotated[int, Field(ge=1, le=MAX_ID)]


def choice(enum):
    """One of a domain enum's values (JSON sends the value; lax only for this conversion)."""
    return Annotated[enum, Field(strict=False)]


Day = Annotated[date, BeforeValidator(_iso_day)]
Points = Annotated[int, Field(ge=0, le=3)]
Number = int | float | Annotated[str, Field(max_length=LIMITS["answer.value"])]


def text(key: str, **kw) -> Any:
    return Field(max_length=LIMITS[key], **kw)


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class PlanAudit(Body):
    """Plan an audit: centre, catalogue version, kind, dates and team."""

    centre_id: Id
    catalog_key: Annotated[str, text("catalog.key", examples=["aiz"])]
    catalog_version: Annotated[str, text("catalog.version", examples=["2026"])]
    kind: choice(AuditKind)
    planned_on: Day
    visit_on: Day | None = None
    due_on: Day | None = None
    lead_auditor_id: Id
    auditor_ids: Annotated[list[Id], Field(min_length=1)]
    guest_auditor_id: Id | None = None


class AssessmentInput(Body):
    """The team's answer for one criterion; ``version`` is the version it is based on."""

    points: Points | None = None
    value: Number | None = None
    not_applicable: bool = False
    reason: Annotated[str, text("answer.na_reason",
                                description="Required with not_applicable.")] = ""
    comment: Annotated[str, text("answer.comment")] = ""
    finding: Annotated[str, text("answer.finding")] = ""
    finding_severity: choice(Severity) | None = None
    version: Annotated[int, Field(ge=0, le=MAX_ID,
                                  description="The version the answer is based on.")]


class ReviewInput(Body):
    """A working-group lead adjusts one criterion with a reason, or agrees with the team."""

    points: Points | None = None
    value: Number | None = None
    reason: Annotated[str, text("review.reason")] = ""
    agree: Annotated[bool, Field(description="Agree with the team (undo an adjustment).")] = False


class TransitionInput(Body):
    """A workflow action; ``decide`` needs ``decision``, a deviation ``override_reason``."""

    action: choice(Action)
    note: Annotated[str, text("transition.note")] = ""
    decision: choice(Decision) | None = None
    override_reason: Annotated[str, text("transition.override_reason")] = ""


class StatusChange(Body):
    """Suspend, withdraw or reinstate a certificate: the reason is required."""

    reason: Annotated[str, Field(min_length=1, max_length=LIMITS["certificate.reason"])]


class ConditionResponseInput(Body):
    """The centre's answer to a condition: the cause found and the measure taken (proof files
    follow with ``POST /conditions/{condition_id}/proofs``)."""

    cause: Annotated[str, Field(min_length=1, max_length=LIMITS["condition.cause"],
                                examples=["Qualifizierungsangebote waren nicht geplant."])]
    measure: Annotated[str, Field(min_length=1, max_length=LIMITS["condition.measure"],
                                  examples=["Seminarreihe mit der IHK seit März vereinbart."])]


class ConditionAcceptInput(Body):
    """Accept the pending answer: the condition is fulfilled."""

    note: Annotated[str, text("condition.note")] = ""


class ConditionRejectInput(Body):
    """Reject the pending answer with a reason; optionally extend the deadline (with a
    reason, after the current deadline, not in the past)."""

    reason: Annotated[str, Field(min_length=1, max_length=LIMITS["condition.note"],
                                 examples=["Der Nachweis zeigt nur die Planung, nicht die "
                                           "Durchführung."])]
    new_deadline: Day | None = None
    extension_reason: Annotated[str, text("condition.extension_reason")] = ""


class PlanRenewal(Body):
    """Plan the renewal audit of the audit in the path: catalogue version, dates, team."""

    catalog_key: Annotated[str, text("catalog.key", examples=["aiz"])]
    catalog_version: Annotated[str, text("catalog.version", examples=["2027"])]
    planned_on: Day
    visit_on: Day | None = None
    due_on: Day | None = None
    lead_auditor_id: Id
    auditor_ids: Annotated[list[Id], Field(min_length=1)]
    guest_auditor_id: Id | None = None


class CarryEvidenceInput(Body):
    """Carry a file of the previous cycle forward: never without ``still_valid``; an
    expired file needs a new ``valid_until``."""

    evidence_id: Id
    still_valid: Annotated[bool, Field(description="The explicit „noch gültig“ "
                                                   "confirmation.")]
    valid_until: Day | None = None


_Whole = int | Annotated[str, text("centre.number")]


class CentreInput(Body):
    """The fields of the centre form, checked by the same rules (text or typed values)."""

    name: Annotated[str, Field(min_length=1, max_length=LIMITS["centre.name"],
                               examples=["Technologiezentrum Göttingen"])]
    operating_company: Annotated[str, text("centre.operating_company")] | None = None
    street: Annotated[str, text("centre.street")] | None = None
    postcode: Annotated[str, text("centre.postcode")] | None = None
    city: Annotated[str, text("centre.city", examples=["Göttingen"])]
    federal_state: Annotated[str, text(
        "centre.federal_state", examples=["NI", "Niedersachsen"],
        description="A code such as NI or a name such as Niedersachsen.")]
    founded_year: _Whole | None = None
    space_m2: _Whole | None = None
    tenant_count: _Whole | None = None
    occupancy_percent: int | float | Annotated[str, text("centre.number")] | None = None
    staff_count: _Whole | None = None
    website: Annotated[str, text("centre.website")] | None = None
    contact_name: Annotated[str, text("centre.contact_name")] | None = None
    contact_email: Annotated[str, text("centre.contact_email")] | None = None
    contact_phone: Annotated[str, text("centre.contact_phone")] | None = None
    member_since: Annotated[str, text("centre.number",
                                      description="YYYY-MM-DD or DD.MM.YYYY")] | None = None
    active: bool | Annotated[str, text("centre.number")] = True


class CentrePatch(Body):
    """Only the fields to change; each is checked as in the form."""

    name: Annotated[str, Field(min_length=1, max_length=LIMITS["centre.name"])] | None = None
    operating_company: Annotated[str, text("centre.operating_company")] | None = None
    street: Annotated[str, text("centre.street")] | None = None
    postcode: Annotated[str, text("centre.postcode")] | None = None
    city: Annotated[str, text("centre.city")] | None = None
    federal_state: Annotated[str, text("centre.federal_state")] | None = None
    founded_year: _Whole | None = None
    space_m2: _Whole | None = None
    tenant_count: _Whole | None = None
    occupancy_percent: int | float | Annotated[str, text("centre.number")] | None = None
    staff_count: _Whole | None = None
    website: Annotated[str, text("centre.website")] | None = None
    contact_name: Annotated[str, text("centre.contact_name")] | None = None
    contact_email: Annotated[str, text("centre.contact_email")] | None = None
    contact_phone: Annotated[str, text("centre.contact_phone")] | None = None
    member_since: Annotated[str, text("centre.number")] | None = None
    active: bool | Annotated[str, text("centre.number")] | None = None


# --- the centre's side (issue 15) -------------------------------------------------------------


class ApplicationInput(Body):
    """A centre applies for an audit (its contact for the own centre; leads and admins on a
    centre's behalf); the preferred period must not begin in the past."""

    centre_id: Id
    kind: choice(AuditKind)
    preferred_from: Day
    preferred_until: Day
    message: Annotated[str, text("application.message")] = ""


class AcceptApplication(Body):
    """A working-group lead accepts an application by planning the audit: dates and team."""

    planned_on: Day
    visit_on: Day | None = None
    due_on: Day | None = None
    lead_auditor_id: Id
    auditor_ids: Annotated[list[Id], Field(min_length=1)]
    guest_auditor_id: Id | None = None


class DeclineApplication(Body):
    """A working-group lead declines an application; the centre reads the reason."""

    reason: Annotated[str, Field(min_length=1, max_length=LIMITS["transition.note"],
                                 examples=["Die Auflagen des letzten Audits sind offen."])]


AnswerValue = (bool | int | float
               | Annotated[str, Field(max_length=LIMITS["questionnaire.text"])])


class QuestionnaireAnswerInput(Body):
    """The centre's answer to one question: text, a number (or its text, "3.200", "91,5"),
    true/false, a date "YYYY-MM-DD"; null clears it. ``version`` as last read."""

    value: AnswerValue | None = None
    version: Annotated[int, Field(ge=0, le=MAX_ID,
                                  description="The version the answer is based on.")]


class SelfAssessmentInput(Body):
    """The centre's own score of one criterion (the auditors' scale; number criteria take
    their value); N/A where the catalogue allows it, with a comment saying why."""

    points: Points | None = None
    value: Number | None = None
    not_applicable: bool = False
    comment: Annotated[str, text("self_assessment.comment")] = ""
    version: Annotated[int, Field(ge=0, le=MAX_ID,
                                  description="The version the score is based on.")]


class DocumentReviewInput(Body):
    """The team's mark on a required document; incomplete and missing need a note."""

    status: choice(DocumentReviewStatus)
    note: Annotated[str, text("document_review.note")] = ""


#: Every request body, by its name in the description.
BODIES: dict[str, type[Body]] = {m.__name__: m for m in (
    CentreInput, CentrePatch, PlanAudit, AssessmentInput, ReviewInput, TransitionInput,
    StatusChange, ApplicationInput, AcceptApplication, DeclineApplication,
    QuestionnaireAnswerInput, SelfAssessmentInput, DocumentReviewInput,
    ConditionResponseInput, ConditionAcceptInput, ConditionRejectInput,
    PlanRenewal, CarryEvidenceInput)}


class DocumentUpload(BaseModel):
    """A file handed in (multipart/form-data, field `file`): a PDF, image or office document
    (its type is checked from its content, as for evidence)."""

    model_config = ConfigDict(extra="forbid")

    file: Annotated[bytes, WithJsonSchema({"type": "string", "format": "binary"})]


#: Request bodies that are not JSON (file uploads), described beside :data:`BODIES`.
UPLOADS: dict[str, type[BaseModel]] = {"DocumentUpload": DocumentUpload}


def body_schemas() -> dict[str, dict]:
    """The OpenAPI component schemas of every body (enums inlined, no titles)."""
    return component_schemas([*BODIES.values(), *UPLOADS.values()], "validation")


def _message(error: dict) -> str:
    kind, ctx = error["type"], error.get("ctx") or {}
    if kind == "missing":
        return _("This field is required.")
    if kind == "extra_forbidden":
        return _("unknown field")
    if kind in ("string_too_long", "too_long"):
        limit = ctx.get("max_length")
        return _("must be at most %(limit)s characters", limit=limit)
    if kind in ("string_too_short", "too_short"):
        return _("This field is required.")
    if kind in ("greater_than_equal", "less_than_equal"):
        return _("must be between %(low)s and %(high)s", low=ctx.get("ge", "…"),
                 high=ctx.get("le", "…"))
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return _("must be a whole number")
    if kind == "bool_type":
        return _("must be true or false")
    if kind in ("enum", "literal_error"):
        return _("must be one of %(allowed)s", allowed=ctx.get("expected", ""))
    if kind in ("list_type",):
        return _("must be a list of ids")
    if kind in ("value_error", "date_type", "date_parsing", "date_from_datetime_parsing"):
        return _("must be a date as YYYY-MM-DD")
    if kind in ("string_type",):
        return _("must be a string")
    return _("invalid value")


#: Lists of ids, and fields that take a number or its text, get one message each.
_LIST_FIELDS = {"auditor_ids"}
_NUMBERS = {"value"}


def parse_body(model: type[Body], data: dict) -> Body:
    """``data`` (a JSON object) validated against ``model``; 422 naming each bad field."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors: dict[str, list[dict]] = {}
        for error in exc.errors(include_url=False):
            field = str(error["loc"][0]) if error["loc"] else "body"
            errors.setdefault(field, []).append(error)
        raise ApiError(422, "validation_failed", None,
                       fields={field: _field_message(field, found)
                               for field, found in errors.items()}) from None


#: Refusals that say more than "not one of the accepted types", most telling first.
_TELLING = ("missing", "extra_forbidden", "string_too_long", "too_long", "too_short",
            "string_too_short", "greater_than_equal", "less_than_equal", "enum")


def _field_message(field: str, errors: list[dict]) -> str:
    """One message per field; of a union's refusals the most telling one."""
    for kind in _TELLING:
        for error in errors:
            if error["type"] == kind:
                return _message(error)
    error = errors[0]
    if field in _LIST_FIELDS and len(error["loc"]) > 1:
        return _("must be a list of ids")
    if len(errors) > 1 or (len(error["loc"]) > 1 and isinstance(error["loc"][1], str)):
        return _("must be a number") if field in _NUMBERS else _("invalid value")
    return _message(error)


__all__ = ["BODIES", "UPLOADS", "Body", "body_schemas", "parse_body"]
