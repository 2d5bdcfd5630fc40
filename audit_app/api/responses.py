"""The API's response bodies as pydantic models: one source for the JSON and its description.

Each model says what a response holds and in which JSON types; its ``of`` class method
builds it from the domain objects, and routes answer with :func:`audit_app.api.helpers.respond`.
:func:`response_schemas` turns the models in :data:`RESPONSES` into the OpenAPI components,
so the description cannot drift from what is sent (``tests/api`` validates every response
against it, and ``tests/api/test_spec.py`` fails for a response schema not generated here).

Values keep their JSON spelling in one place each: dates and times as ISO 8601
(``isoformat()``), decimals as plain decimal text, percents rounded *down* to one decimal
by :func:`audit_app.scoring.percent_1dp` (the function behind every percent on the pages
and in the PDFs). Enums are the domain's enums; a response never carries a key that is not
described (``extra="forbid"``) unless its model says more may follow.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    WithJsonSchema,
)

from ..catalog import MAX_POINTS, LineageKind, ScoringType
from ..catalog.questionnaire import QuestionType
from ..labels import event_label
from ..models import (
    CatalogStatus,
    CertificateStatus,
    ConditionState,
    ConditionStatus,
    DocumentReviewStatus,
    PublicStatus,
    ResponseOutcome,
)
from ..scoring import FindingKind, Outcome, ReasonCode, ScoreResult, Severity, percent_1dp
from ..services.audit_actions import available_actions
from ..services.centres import stored_values
from ..services.label_status import LabelStatus
from ..templating import current_lang
from ..workflow import Action, AuditKind, AuditStatus, Decision, Role, TeamRole
from .components import component_schemas
from .helpers import MAX_PER_PAGE

# --- JSON spellings -------------------------------------------------------------------------


def _iso(value: date | datetime) -> str:
    return value.isoformat()


def _decimal_text(value: Decimal) -> str:
    return format(value, "f")


def _hundredths_text(value: Decimal) -> str:
    return format(value.quantize(Decimal("0.01")), "f")


DECIMAL_PATTERN = r"^-?\d+(\.\d+)?$"
PERCENT_PATTERN = r"^\d{1,3}\.\d$"

#: A calendar day, "2026-11-02".
Day = Annotated[date, PlainSerializer(_iso, return_type=str),
                WithJsonSchema({"type": "string", "format": "date"})]
#: A moment with its offset, "2026-11-02T09:30:00+00:00".
Moment = Annotated[datetime, PlainSerializer(_iso, return_type=str),
                   WithJsonSchema({"type": "string", "format": "date-time"})]
#: An exact decimal as text, "87.5" (never a float).
DecimalText = Annotated[Decimal, PlainSerializer(_decimal_text, return_type=str),
                        WithJsonSchema({"type": "string", "pattern": DECIMAL_PATTERN})]
#: A stored two-decimal value (assessments' numbers), always with two places, "1234.50".
Hundredths = Annotated[Decimal, PlainSerializer(_hundredths_text, return_type=str),
                       WithJsonSchema({"type": "string", "pattern": DECIMAL_PATTERN})]
#: A percent from the scoring engine (an exact fraction), rounded down to one decimal.
Percent = Annotated[Decimal, BeforeValidator(percent_1dp), PlainSerializer(str, return_type=str),
                    WithJsonSchema({"type": "string", "pattern": PERCENT_PATTERN,
                                    "description": "A percent with one decimal place, rounded "
                                                   "down (\"64.9\")."})]
Points = Annotated[int, Field(ge=0, le=MAX_POINTS)]


def _is_none(value: Any) -> bool:
    return value is None


def _never_null(schema: dict) -> None:
    """The described type of a field that is left out rather than sent as null."""
    schema.pop("default", None)
    options = [s for s in schema.pop("anyOf", []) if s != {"type": "null"}]
    if len(options) == 1:
        schema.update(options[0])
    elif options:
        schema["anyOf"] = options


def omitted_when_none(**kw) -> Any:
    """An optional field left out of the JSON when it is None (never sent as null)."""
    return Field(default=None, exclude_if=_is_none, json_schema_extra=_never_null, **kw)


class ResponseModel(BaseModel):
    """Base of every response: no key that is not described."""

    model_config = ConfigDict(extra="forbid")


T = TypeVar("T")


class Paged(ResponseModel, Generic[T]):
    """One page of a list (`?page=`, `?per_page=`)."""

    items: list[T]
    page: Annotated[int, Field(ge=1)]
    per_page: Annotated[int, Field(ge=1, le=MAX_PER_PAGE)]
    total: Annotated[int, Field(ge=0)]


# --- errors ---------------------------------------------------------------------------------


class ErrorDetail(ResponseModel):
    code: Annotated[str, Field(description="A machine code, e.g. not_found, validation_failed, "
                                           "version_conflict, not_allowed_from_status.")]
    message: Annotated[str, Field(description="German or English per Accept-Language.")]
    fields: Annotated[dict[str, str], Field(description="Each bad field with its message.")]
    details: list[str] | None = omitted_when_none(
        description="E.g. the missing criteria of an incomplete checklist.")


class Error(ResponseModel):
    """Every error: `{"error": {code, message, fields}}`; some carry more keys beside it."""

    model_config = ConfigDict(extra="allow")

    error: ErrorDetail

    @classmethod
    def of(cls, code: str, message: str, fields: dict[str, str], details=None,
           extra: dict | None = None) -> Error:
        detail = ErrorDetail(code=code, message=message, fields=fields,
                             details=None if details is None else [str(d) for d in details])
        return cls(error=detail, **(extra or {}))


# --- people and catalogues ------------------------------------------------------------------


class User(ResponseModel):
    """A user with their roles."""

    id: int
    name: str
    email: str
    roles: list[Role]
    active: bool
    centre_id: int | None

    @classmethod
    def of(cls, user, **more) -> User:
        return cls(id=user.id, name=user.name, email=user.email,
                   roles=sorted(r.value for r in user.roles), active=user.active,
                   centre_id=user.centre_id, **more)


class Me(User):
    """The token's user."""

    language: str

    @classmethod
    def of(cls, user, **more) -> Me:
        return super().of(user, language=user.language, **more)


class UserPage(Paged[User]):
    """One page of users."""


class CatalogSummary(ResponseModel):
    """A catalogue version."""

    key: str
    version: str
    title_de: str
    title_en: str
    status: CatalogStatus

    @classmethod
    def of(cls, row, **more) -> CatalogSummary:
        return cls(key=row.key, version=row.version, title_de=row.title_de,
                   title_en=row.title_en, status=row.status, **more)


class CatalogPage(Paged[CatalogSummary]):
    """One page of catalogue versions."""


class CatalogRules(ResponseModel):
    overall_minimum: DecimalText
    category_minimum: DecimalText
    knockout_minimum: int
    na_warning_percent: DecimalText
    condition_deadline_months: int
    validity_years: int


class CatalogReportBand(ResponseModel):
    minimum: DecimalText
    label_de: str
    label_en: str


class CriterionBand(ResponseModel):
    start: DecimalText
    points: Points


class CatalogCriterionOut(ResponseModel):
    code: str
    title_de: str
    title_en: str
    guidance_de: str
    guidance_en: str
    evidence_de: str
    evidence_en: str
    type: ScoringType
    weight: int
    knockout: bool
    na_allowed: bool
    bands: list[CriterionBand]
    unit: str | None
    minimum: DecimalText | None
    maximum: DecimalText | None


class CatalogCategoryOut(ResponseModel):
    code: str
    title_de: str
    title_en: str
    weight: int
    criteria: list[CatalogCriterionOut]


#: How each scoring type gives points (the catalogue's criteria name their type).
SCORING_TYPES = {
    ScoringType.SCALE.value: {"points": [0, 1, 2, 3]},
    ScoringType.YESNO.value: {"points": [0, 3]},
    ScoringType.NUMBER.value: {"points": "by the criterion's bands"},
}


class CatalogDetail(CatalogSummary):
    """One catalogue version with categories, criteria, scoring types, bands and rules."""

    rules: CatalogRules
    bands: list[CatalogReportBand]
    scoring_types: dict[str, Any]
    categories: list[CatalogCategoryOut]

    @classmethod
    def of(cls, row, catalog) -> CatalogDetail:  # type: ignore[override]
        rules = catalog.rules
        return super().of(
            row,
            rules=CatalogRules(
                overall_minimum=rules.overall_minimum, category_minimum=rules.category_minimum,
                knockout_minimum=rules.knockout_minimum,
                na_warning_percent=rules.na_warning_percent,
                condition_deadline_months=rules.condition_deadline_months,
                validity_years=rules.validity_years),
            bands=[CatalogReportBand(minimum=b.minimum, label_de=b.label.de, label_en=b.label.en)
                   for b in rules.report_bands],
            scoring_types=SCORING_TYPES,
            categories=[
                CatalogCategoryOut(
                    code=cat.code, title_de=cat.title.de, title_en=cat.title.en,
                    weight=cat.weight,
                    criteria=[
                        CatalogCriterionOut(
                            code=c.code, title_de=c.title.de, title_en=c.title.en,
                            guidance_de=c.guidance.de, guidance_en=c.guidance.en,
                            evidence_de=c.evidence.de, evidence_en=c.evidence.en,
                            type=c.type, weight=c.weight, knockout=c.knockout,
                            na_allowed=c.na_allowed,
                            bands=[CriterionBand(start=b.start, points=b.points)
                                   for b in c.bands],
                            unit=c.unit, minimum=c.minimum, maximum=c.maximum)
                        for c in cat.criteria
                    ])
                for cat in catalog.categories
            ])


# --- centres --------------------------------------------------------------------------------


class _CentreFields(ResponseModel):
    """The stored fields of a centre (``services.centres.FIELDS``, checked by ``extra``)."""

    id: int
    name: str
    operating_company: str
    street: str
    postcode: str
    city: str
    federal_state: str
    founded_year: int | None
    space_m2: int | None
    tenant_count: int | None
    occupancy_percent: DecimalText | None
    staff_count: int | None
    website: str
    contact_name: str
    contact_email: str
    contact_phone: str
    member_since: Day | None
    active: bool


class Centre(_CentreFields):
    """A centre; `label_status` is null where it was not worked out (create, change)."""

    label_status: LabelStatus | None
    label_until: Day | None

    @classmethod
    def of(cls, centre, *, label_status=None, label_until=None) -> Centre:
        return cls(id=centre.id, **stored_values(centre), label_status=label_status,
                   label_until=label_until)


class CentrePage(Paged[Centre]):
    """One page of centres."""


class CentreAudit(ResponseModel):
    id: int
    number: str
    status: AuditStatus
    kind: AuditKind
    planned_on: Day
    overall_percent: Percent | None
    outcome: Outcome


class CentreCertificate(ResponseModel):
    number: str
    status: Annotated[CertificateStatus | Literal[PublicStatus.EXPIRED], Field(
        description="The stored status, or \"expired\" past its end date.")]
    valid_from: Day
    valid_until: Day


class CentreDetail(_CentreFields):
    """One centre with its label status, the audits the user may see and its certificates."""

    label_status: LabelStatus
    label_until: Day | None
    audits: list[CentreAudit]
    certificates: list[CentreCertificate]

    @classmethod
    def of(cls, detail) -> CentreDetail:
        """From :class:`audit_app.services.centres.CentreDetail`."""
        return cls(
            id=detail.centre.id, **stored_values(detail.centre),
            label_status=detail.label_status, label_until=detail.label_until,
            audits=[CentreAudit(id=line.audit.id, number=line.audit.number,
                                status=line.audit.status, kind=line.audit.kind,
                                planned_on=line.audit.planned_on,
                                overall_percent=line.result.overall_percent,
                                outcome=line.result.outcome)
                    for line in detail.audits],
            certificates=[CentreCertificate(number=line.certificate.number, status=line.status,
                                            valid_from=line.certificate.valid_from,
                                            valid_until=line.certificate.valid_until)
                          for line in detail.certificates])


# --- audits ---------------------------------------------------------------------------------


class CentreRef(ResponseModel):
    id: int
    name: str
    city: str

    @classmethod
    def of(cls, centre) -> CentreRef:
        return cls(id=centre.id, name=centre.name, city=centre.city)


class CatalogRef(ResponseModel):
    key: str
    version: str

    @classmethod
    def of(cls, catalog) -> CatalogRef:
        return cls(key=catalog.key, version=catalog.version)


class TeamMember(ResponseModel):
    user_id: int
    name: str
    team_role: TeamRole


class IssuedCertificate(ResponseModel):
    number: str
    status: CertificateStatus


class _AuditFields(ResponseModel):
    id: int
    number: str
    status: AuditStatus
    kind: AuditKind
    centre: CentreRef
    catalog: CatalogRef
    planned_on: Day
    visit_on: Day | None
    due_on: Day | None
    decision: Decision | None
    decided_at: Moment | None
    team: list[TeamMember]
    certificate: Annotated[IssuedCertificate | None, Field(
        description="The certificate the audit's decision issued (null for none).")]

    @staticmethod
    def fields_of(audit) -> dict[str, Any]:
        newest = audit.certificates[0] if audit.certificates else None
        return {
            "id": audit.id, "number": audit.number, "status": audit.status, "kind": audit.kind,
            "centre": CentreRef.of(audit.centre), "catalog": CatalogRef.of(audit.catalog),
            "planned_on": audit.planned_on, "visit_on": audit.visit_on, "due_on": audit.due_on,
            "decision": audit.decision, "decided_at": audit.decided_at,
            "team": [TeamMember(user_id=m.user_id, name=m.user.name, team_role=m.team_role)
                     for m in audit.members],
            "certificate": None if newest is None else IssuedCertificate(
                number=newest.number, status=newest.status),
        }


class AuditSummary(_AuditFields):
    """An audit in a list, with its overall percent and computed outcome."""

    overall_percent: Percent | None
    outcome: Outcome

    @classmethod
    def of(cls, audit, result: ScoreResult) -> AuditSummary:
        return cls(**cls.fields_of(audit), overall_percent=result.overall_percent,
                   outcome=result.outcome)


class AuditPage(Paged[AuditSummary]):
    """One page of audits."""


class Assessment(ResponseModel):
    """The team's answer for one criterion and the review's adjustment, with its version."""

    code: str
    points: Points | None
    value: Hundredths | None
    not_applicable: bool
    reason: str
    comment: str
    finding: str
    finding_severity: Severity | None
    adjusted_points: Points | None
    adjusted_value: Hundredths | None
    adjustment_reason: str
    answered: bool
    updated_at: Moment | None
    reviewed_at: Moment | None
    version: Annotated[int, Field(ge=1)]

    @classmethod
    def of(cls, code: str, row) -> Assessment:
        return cls(
            code=code, points=row.points, value=row.value, not_applicable=row.not_applicable,
            reason=row.na_reason, comment=row.comment, finding=row.finding,
            finding_severity=row.finding_severity, adjusted_points=row.adjusted_points,
            adjusted_value=row.adjusted_value, adjustment_reason=row.adjustment_reason,
            answered=row.answered, updated_at=row.updated_at, reviewed_at=row.reviewed_at,
            version=row.version)


class VersionConflict(Error):
    """A 409: with `current` (the stored assessment) on a version conflict."""

    current: Assessment | None = omitted_when_none()


class CategoryScore(ResponseModel):
    code: str
    percent: Percent | None
    dropped: bool
    below_minimum: bool
    answered: int
    total: int


class ScoreFinding(ResponseModel):
    criterion: str | None
    category: str | None
    kind: FindingKind
    text: str


class Findings(ResponseModel):
    major: list[ScoreFinding]
    minor: list[ScoreFinding]
    observations: list[ScoreFinding]


class ScoreReason(ResponseModel):
    code: ReasonCode
    text: str


class ScoreBand(ResponseModel):
    minimum: DecimalText
    label: str


class Score(ResponseModel):
    """The audit's score (percents rounded down to one decimal), texts in the request's
    language."""

    overall_percent: Percent | None
    categories: list[CategoryScore]
    knockouts_failed: list[str]
    findings: Findings
    missing: list[str]
    outcome: Outcome
    reasons: list[ScoreReason]
    band: ScoreBand | None

    @classmethod
    def of(cls, result: ScoreResult) -> Score:
        lang = current_lang()

        def findings(severity: Severity) -> list[ScoreFinding]:
            return [ScoreFinding(criterion=f.criterion_code, category=f.category_code,
                                 kind=f.kind, text=f.text(lang))
                    for f in result.findings if f.severity == severity]

        band = result.band
        return cls(
            overall_percent=result.overall_percent,
            categories=[CategoryScore(code=c.code, percent=c.percent, dropped=c.dropped,
                                      below_minimum=c.below_minimum, answered=c.answered,
                                      total=c.total) for c in result.categories],
            knockouts_failed=[k.code for k in result.knockouts if k.met is False],
            findings=Findings(major=findings(Severity.MAJOR), minor=findings(Severity.MINOR),
                              observations=findings(Severity.OBSERVATION)),
            missing=list(result.missing),
            outcome=result.outcome,
            reasons=[ScoreReason(code=r.code, text=r.text(lang)) for r in result.reasons],
            band=None if band is None else ScoreBand(minimum=band.minimum,
                                                     label=band.label.get(lang)))


class AuditAction(ResponseModel):
    action: Action
    enabled: bool
    needs_note: bool
    blocked_by: list[str]


class EvidenceFile(ResponseModel):
    """A file of an assessment (evidence): its document dates, whether it has expired, and
    the previous cycle's file it was carried forward from."""

    id: int
    name: str
    size: int
    media_type: str
    sha256: str
    uploaded_at: Moment
    document_date: Day | None
    valid_until: Day | None
    expired: bool
    carried_from_id: int | None

    @classmethod
    def of(cls, evidence, today: date) -> EvidenceFile:
        return cls(id=evidence.id, name=evidence.original_name, size=evidence.size,
                   media_type=evidence.media_type, sha256=evidence.sha256,
                   uploaded_at=evidence.uploaded_at, document_date=evidence.document_date,
                   valid_until=evidence.valid_until, expired=evidence.expired(today),
                   carried_from_id=evidence.carried_from_id)


class PreviousCondition(ResponseModel):
    id: int
    state: ConditionState
    text_de: str
    text_en: str
    deadline: Day


class PreviousValue(ResponseModel):
    """One criterion of the previous cycle: its final values (the reviewer's adjustment
    wins), comment, finding, files and conditions."""

    code: str
    points: Points | None
    value: Hundredths | None
    not_applicable: bool
    comment: str
    finding: str
    finding_severity: Severity | None
    evidence: list[EvidenceFile]
    conditions: list[PreviousCondition]


class PreviousCriterion(ResponseModel):
    """What the previous cycle says about one criterion: how it continues the older
    criteria (``kind``) and their values (none for a new criterion)."""

    code: str
    kind: LineageKind
    values: list[PreviousValue]


class PreviousAudit(ResponseModel):
    """The previous cycle a renewal audit starts from."""

    id: int
    number: str
    year: int
    decided_at: Moment | None
    catalog: CatalogRef
    mapped: Annotated[bool, Field(description="A catalogue mapping connects the versions "
                                              "(false: criteria matched by their code).")]


class AuditDetail(_AuditFields):
    """One audit: status, team, dates, every assessment with its version, score, actions;
    for a renewal the previous cycle beside every criterion."""

    decision_note: str
    override_reason: str
    created_at: Moment
    assessments: list[Assessment]
    score: Score
    actions: list[AuditAction]
    previous_audit: PreviousAudit | None
    previous: Annotated[list[PreviousCriterion], Field(
        description="Per criterion the previous cycle's values (empty without one).")]

    @classmethod
    def of(cls, audit, sheet, user, today: date | None = None) -> AuditDetail:
        """From the audit, its scored sheet (``services.checklist.audit_sheet``) and the
        user the actions are offered to."""
        from ..services.certificates import today_in_berlin
        from ..services.conditions import state_of

        today = today or today_in_berlin()
        cycle = sheet.previous
        previous_audit = None
        previous = []
        if cycle is not None:
            previous_audit = PreviousAudit(
                id=cycle.audit.id, number=cycle.audit.number, year=cycle.year,
                decided_at=cycle.audit.decided_at, catalog=CatalogRef.of(cycle.audit.catalog),
                mapped=cycle.mapped)
            previous = [
                PreviousCriterion(code=code, kind=item.previous.kind, values=[
                    PreviousValue(
                        code=e.code, points=e.points, value=e.value,
                        not_applicable=e.not_applicable, comment=e.comment, finding=e.finding,
                        finding_severity=e.finding_severity,
                        evidence=[EvidenceFile.of(ev, today) for ev in e.evidence],
                        conditions=[PreviousCondition(id=c.id, state=state_of(c, today),
                                                      text_de=c.text_de, text_en=c.text_en,
                                                      deadline=c.deadline)
                                    for c in e.conditions])
                    for e in item.previous.entries])
                for code, item in sheet.items.items() if item.previous is not None]
        return cls(
            **cls.fields_of(audit), decision_note=audit.decision_note,
            override_reason=audit.override_reason, created_at=audit.created_at,
            assessments=[Assessment.of(code, item.assessment)
                         for code, item in sheet.items.items()],
            score=Score.of(sheet.result),
            actions=[AuditAction(action=a.action, enabled=a.enabled, needs_note=a.needs_note,
                                 blocked_by=list(a.blocked_by))
                     for a in available_actions(audit, user, sheet.result)],
            previous_audit=previous_audit, previous=previous)


class EventActor(ResponseModel):
    id: int
    name: str


class Event(ResponseModel):
    """One entry of the audit trail; `label` is the action in the request's language."""

    id: int
    action: str
    label: str
    occurred_at: Moment
    actor: EventActor | None
    subject_type: str
    subject_id: int | None
    old: Any
    new: Any
    note: str

    @classmethod
    def of(cls, event) -> Event:
        return cls(id=event.id, action=event.action, label=event_label(event.action),
                   occurred_at=event.occurred_at,
                   actor=None if event.actor is None else EventActor(id=event.actor.id,
                                                                     name=event.actor.name),
                   subject_type=event.subject_type, subject_id=event.subject_id,
                   old=event.old, new=event.new, note=event.note)


class EventPage(Paged[Event]):
    """One page of the audit trail."""


# --- the centre's side: application, questionnaire, self-assessment, documents -----------------


class Person(ResponseModel):
    id: int
    name: str

    @classmethod
    def of(cls, user) -> Person | None:
        return None if user is None else cls(id=user.id, name=user.name)


def _answer_json(value) -> str | bool | None:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


class QuestionnaireAnswer(ResponseModel):
    """The centre's answer to one question, with its version (file questions: see
    `documents`). `value`: text, a decimal as text ("3200.00"), true/false, a date
    "YYYY-MM-DD", or null."""

    key: str
    type: QuestionType
    value: str | bool | None
    answered: bool
    updated_at: Moment | None
    version: Annotated[int, Field(ge=1)]

    @classmethod
    def of(cls, question_type, row) -> QuestionnaireAnswer:
        return cls(key=row.question_key, type=question_type, value=_answer_json(row.value),
                   answered=row.answered, updated_at=row.updated_at, version=row.version)


class AnswerConflict(Error):
    """A 409: with `current` (the stored answer) on a version conflict."""

    current: QuestionnaireAnswer | None = omitted_when_none()


class HandedInFile(ResponseModel):
    """A file the centre handed in (download: `files/{file_id}`)."""

    id: int
    key: str
    name: str
    size: int
    media_type: str
    sha256: str
    uploaded_at: Moment

    @classmethod
    def of(cls, document) -> HandedInFile:
        return cls(id=document.id, key=document.document_key, name=document.original_name,
                   size=document.size, media_type=document.media_type, sha256=document.sha256,
                   uploaded_at=document.uploaded_at)


class DocumentMark(ResponseModel):
    status: DocumentReviewStatus
    note: str
    reviewed_at: Moment
    reviewed_by: Person | None


class RequiredDocumentState(ResponseModel):
    """A required document: the files handed in and the team's mark (null before)."""

    key: str
    required: bool
    criteria: list[str]
    files: list[HandedInFile]
    review: DocumentMark | None

    @classmethod
    def of(cls, line) -> RequiredDocumentState:
        review = line.review
        return cls(key=line.document.key, required=line.document.required,
                   criteria=list(line.document.criteria),
                   files=[HandedInFile.of(f) for f in line.files],
                   review=None if review is None else DocumentMark(
                       status=review.status, note=review.note, reviewed_at=review.reviewed_at,
                       reviewed_by=Person.of(review.reviewed_by)))


class SelfScore(ResponseModel):
    """The centre's own score of one criterion, with its version."""

    code: str
    points: Points | None
    value: Hundredths | None
    not_applicable: bool
    comment: str
    answered: bool
    version: Annotated[int, Field(ge=1)]

    @classmethod
    def of(cls, code: str, row) -> SelfScore:
        return cls(code=code, points=row.points, value=row.value,
                   not_applicable=row.not_applicable, comment=row.comment,
                   answered=row.answered, version=row.version)


class SelfScoreConflict(Error):
    """A 409: with `current` (the stored score) on a version conflict."""

    current: SelfScore | None = omitted_when_none()


class QuestionnaireState(ResponseModel):
    answered: int
    total: int
    missing: Annotated[list[str], Field(description="Required questions without an answer.")]
    missing_documents: Annotated[list[str], Field(
        description="Required documents without a file.")]


class ApplicationSummary(ResponseModel):
    """An application (the audit it begins, by its id): status, centre, wished period."""

    id: int
    number: str
    status: AuditStatus
    kind: AuditKind
    centre: CentreRef
    catalog: CatalogRef
    preferred_from: Day
    preferred_until: Day
    applied_at: Moment

    @staticmethod
    def fields_of(audit, application) -> dict[str, Any]:
        return {"id": audit.id, "number": audit.number, "status": audit.status,
                "kind": audit.kind, "centre": CentreRef.of(audit.centre),
                "catalog": CatalogRef.of(audit.catalog),
                "preferred_from": application.preferred_from,
                "preferred_until": application.preferred_until,
                "applied_at": application.applied_at}

    @classmethod
    def of(cls, audit) -> ApplicationSummary:
        return cls(**cls.fields_of(audit, audit.application))


class ApplicationPage(Paged[ApplicationSummary]):
    """One page of applications."""


class ApplicationDetail(ApplicationSummary):
    """An application with the centre's whole part: answers (with versions), documents with
    the team's marks, the self-assessment (with versions) and the engine's result of it."""

    message: str
    applied_by: Person | None
    answered_at: Moment | None
    decline_reason: str
    submitted_at: Moment | None
    planned_on: Day
    visit_on: Day | None
    due_on: Day | None
    team: list[TeamMember]
    questionnaire: QuestionnaireState
    answers: list[QuestionnaireAnswer]
    documents: list[RequiredDocumentState]
    self_assessment: list[SelfScore]
    self_assessment_score: Score

    @classmethod
    def of(cls, audit, sheet, selfs) -> ApplicationDetail:  # type: ignore[override]
        """From the audit, its centre sheet and self sheet (``services.centre_side``)."""
        application = sheet.application
        questions = sheet.questionnaire
        return cls(
            **cls.fields_of(audit, application), message=application.message,
            applied_by=Person.of(application.applied_by), answered_at=application.answered_at,
            decline_reason=application.decline_reason, submitted_at=application.submitted_at,
            planned_on=audit.planned_on, visit_on=audit.visit_on, due_on=audit.due_on,
            team=[TeamMember(user_id=m.user_id, name=m.user.name, team_role=m.team_role)
                  for m in audit.members],
            questionnaire=QuestionnaireState(answered=sheet.answered, total=sheet.total,
                                             missing=list(sheet.missing),
                                             missing_documents=list(sheet.missing_documents)),
            answers=[QuestionnaireAnswer.of(questions.question(key).type, row)
                     for key, row in sheet.answers.items() if questions.has_question(key)],
            documents=[RequiredDocumentState.of(line) for line in sheet.documents],
            self_assessment=[SelfScore.of(code, item.row) for code, item in selfs.items.items()],
            self_assessment_score=Score.of(selfs.result))


# --- certificates and the public ------------------------------------------------------------


class Condition(ResponseModel):
    criterion: str | None
    text_de: str
    text_en: str
    deadline: Day | None


class Certificate(ResponseModel):
    """A certificate: stored status, the status as the public sees it, validity, conditions."""

    number: str
    status: CertificateStatus
    public_status: PublicStatus
    status_reason: str
    audit_id: int
    centre: CentreRef
    catalog: CatalogRef
    issued_at: Moment
    valid_from: Day
    valid_until: Day
    conditions: list[Condition]
    pdf_sha256: str | None

    @classmethod
    def of(cls, certificate, public_status: PublicStatus) -> Certificate:
        return cls(
            number=certificate.number, status=certificate.status, public_status=public_status,
            status_reason=certificate.status_reason, audit_id=certificate.audit_id,
            centre=CentreRef.of(certificate.centre), catalog=CatalogRef.of(certificate.catalog),
            issued_at=certificate.issued_at, valid_from=certificate.valid_from,
            valid_until=certificate.valid_until,
            conditions=[Condition(criterion=x.get("criterion"), text_de=x.get("text_de", ""),
                                  text_en=x.get("text_en", ""), deadline=x.get("deadline"))
                        for x in (certificate.conditions or [])],
            pdf_sha256=certificate.pdf_sha256)


class ConditionProofFile(ResponseModel):
    """A proof file of an answer to a condition."""

    id: int
    name: str
    size: int
    media_type: str
    sha256: str
    uploaded_at: Moment


class ConditionAnswer(ResponseModel):
    """One answer of the centre and, once checked, its outcome."""

    id: int
    cause: str
    measure: str
    responded_by: EventActor
    responded_at: Moment
    outcome: ResponseOutcome | None
    checked_by: EventActor | None
    checked_at: Moment | None
    note: Annotated[str, Field(description="The reason of a rejection, or a note to an "
                                           "acceptance.")]
    proofs: list[ConditionProofFile]

    @classmethod
    def of(cls, r) -> ConditionAnswer:
        return cls(
            id=r.id, cause=r.cause, measure=r.measure,
            responded_by=EventActor(id=r.responded_by.id, name=r.responded_by.name),
            responded_at=r.responded_at, outcome=r.outcome,
            checked_by=None if r.checked_by is None else EventActor(id=r.checked_by.id,
                                                                      name=r.checked_by.name),
            checked_at=r.checked_at, note=r.check_note,
            proofs=[ConditionProofFile(id=p.id, name=p.original_name, size=p.size,
                                       media_type=p.media_type, sha256=p.sha256,
                                       uploaded_at=p.uploaded_at) for p in r.proofs])


class ConditionSummary(ResponseModel):
    """A condition (Auflage): criterion, text, deadline, stored status and today's state
    (``overdue``: open after its deadline)."""

    id: int
    audit_id: int
    audit_number: str
    certificate: str | None
    centre: CentreRef
    criterion: str | None
    text_de: str
    text_en: str
    deadline: Day
    original_deadline: Day
    status: ConditionStatus
    state: ConditionState
    closed_at: Moment | None

    @staticmethod
    def fields_of(condition, today: date) -> dict[str, Any]:
        from ..services.conditions import state_of

        return {
            "id": condition.id, "audit_id": condition.audit_id,
            "audit_number": condition.audit.number,
            "certificate": condition.certificate.number if condition.certificate else None,
            "centre": CentreRef.of(condition.centre), "criterion": condition.criterion_code,
            "text_de": condition.text_de, "text_en": condition.text_en,
            "deadline": condition.deadline, "original_deadline": condition.original_deadline,
            "status": condition.status, "state": state_of(condition, today),
            "closed_at": condition.closed_at,
        }

    @classmethod
    def of(cls, condition, today: date) -> ConditionSummary:
        return cls(**cls.fields_of(condition, today))


class ConditionPage(Paged[ConditionSummary]):
    """One page of conditions."""


class ConditionDetail(ConditionSummary):
    """One condition with every answer, its proofs and checks."""

    answers: list[ConditionAnswer]

    @classmethod
    def of(cls, condition, today: date) -> ConditionDetail:  # type: ignore[override]
        return cls(**cls.fields_of(condition, today),
                   answers=[ConditionAnswer.of(r) for r in condition.responses])


class VerifiedCentre(ResponseModel):
    name: str
    city: str


class Verification(ResponseModel):
    """The record of /verify/<number>.json (more keys may follow)."""

    model_config = ConfigDict(extra="allow")

    number: str
    status: PublicStatus
    centre: VerifiedCentre
    label: str
    valid_from: Day
    valid_until: Day
    catalog: CatalogRef
    pdf_sha256: str | None
    superseded_by: str | None
    status_reason: str | None = omitted_when_none(
        description="Only for a certificate suspended because a condition was not fulfilled "
                    "in time (in the request's language).")

    @classmethod
    def of(cls, record: dict) -> Verification:
        """From ``services.certificates.verification_record`` (the one definition of the
        public record, also served as /verify/<number>.json)."""
        return cls.model_validate(record)


class RegisterEntry(ResponseModel):
    name: str
    city: str
    federal_state: str
    number: str
    valid_until: Day


class RegisterPage(Paged[RegisterEntry]):
    """One page of the register: centres holding the label today."""


class OpenApiDocument(ResponseModel):
    """An OpenAPI 3.1 description (this one)."""

    model_config = ConfigDict(extra="allow")

    openapi: str
    info: dict[str, Any]
    paths: dict[str, Any]
    components: dict[str, Any]


#: Every response body, in the order the description lists them.
RESPONSES: tuple[type[ResponseModel], ...] = (
    Error, VersionConflict, Me, User, UserPage, CatalogSummary, CatalogPage, CatalogDetail,
    Centre, CentrePage, CentreDetail, AuditSummary, AuditPage, AuditDetail, Assessment, Score,
    Event, EventPage, Certificate, Verification, RegisterEntry, RegisterPage, OpenApiDocument,
    ApplicationSummary, ApplicationPage, ApplicationDetail, QuestionnaireAnswer, AnswerConflict,
    SelfScore, SelfScoreConflict, HandedInFile, RequiredDocumentState,
    ConditionSummary, ConditionPage, ConditionDetail, EvidenceFile,
)


def response_schemas() -> dict[str, dict]:
    """The OpenAPI component schemas of every response model."""
    return component_schemas(RESPONSES, "serialization")
