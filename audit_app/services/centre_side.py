"""The centre's area of an audit: questionnaire answers, self-assessment, documents and the
team's review of them, and what the auditors' checklist, the review and the report show of it.

Page data is loaded in a fixed number of queries whatever the number of questions or
criteria. Saves follow the assessments' pattern: validated by the same parsers as every
input (:mod:`audit_app.services.inputs`), a stale ``version`` is refused with
:class:`VersionConflict`, every change is an event. Functions flush, never commit.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from ..catalog import Catalog, Category, Criterion, ScoringType
from ..catalog.questionnaire import Question, Questionnaire, QuestionType, RequiredDocument, Section
from ..extensions import db
from ..models import (
    Audit,
    AuditApplication,
    CatalogCriterion,
    CentreDocument,
    DocumentReview,
    DocumentReviewStatus,
    EventAction,
    KeyFigureRecord,
    QuestionnaireAnswer,
    SelfAssessment,
    User,
    utcnow,
)
from ..scoring import Answer, ScoreResult, Severity, score
from ..workflow import DOCUMENT_REVIEW, EDITABLE_BY_CENTRE
from . import events
from .audits import AnswerInput, validate_answer
from .catalogs import domain_catalog
from .errors import NotFound, ValidationFailed, VersionConflict
from .inputs import InputError, clean_text, parse_day, parse_decimal, parse_whole

# --- loading ----------------------------------------------------------------------------------


@dataclass
class QuestionLine:
    """One question on the questionnaire page: its answer (None for file questions) and files."""

    question: Question
    answer: QuestionnaireAnswer | None
    files: list[CentreDocument] = field(default_factory=list)

    @property
    def answered(self) -> bool:
        if self.question.type is QuestionType.FILE:
            return bool(self.files)
        return self.answer is not None and self.answer.answered


@dataclass
class DocumentLine:
    """A required document with the files handed in and the team's mark."""

    document: RequiredDocument
    files: list[CentreDocument]
    review: DocumentReview | None

    @property
    def new_since_review(self) -> bool:
        """A file came in after the team's mark (a replacement to look at)."""
        return self.review is not None and any(
            f.uploaded_at > self.review.reviewed_at for f in self.files)

    @property
    def requested(self) -> bool:
        """The team asked for this document (marked incomplete or missing)."""
        return self.review is not None and self.review.status is not DocumentReviewStatus.PRESENT


@dataclass
class CentreSheet:
    """Everything the centre's area shows of one audit."""

    audit: Audit
    application: AuditApplication
    catalog: Catalog
    answers: dict[str, QuestionnaireAnswer]
    files: dict[str, list[CentreDocument]]
    reviews: dict[str, DocumentReview]
    sections: list[tuple[Section, list[QuestionLine]]]
    documents: list[DocumentLine]

    @property
    def questionnaire(self) -> Questionnaire:
        return self.catalog.questionnaire

    @property
    def lines(self) -> list[QuestionLine]:
        return [line for _section, lines in self.sections for line in lines]

    @property
    def answered(self) -> int:
        return sum(1 for line in self.lines if line.answered)

    @property
    def total(self) -> int:
        return len(self.lines)

    @property
    def missing(self) -> tuple[str, ...]:
        """Keys of the required questions still without an answer, in order."""
        return tuple(line.question.key for line in self.lines
                     if line.question.required and not line.answered)

    @property
    def missing_documents(self) -> tuple[str, ...]:
        """Keys of the required documents without a file."""
        return tuple(d.document.key for d in self.documents if d.document.required and not d.files)

    @property
    def unreviewed_documents(self) -> tuple[str, ...]:
        """Keys of the required documents the team has not marked yet."""
        return tuple(d.document.key for d in self.documents
                     if d.document.required and d.review is None)

    @property
    def requests(self) -> list[DocumentLine]:
        """The documents the team asked for (incomplete or missing)."""
        return [d for d in self.documents if d.requested]

    def title_of(self, key: str, lang: str) -> str:
        """The question's or document's text for a key (the key itself when unknown)."""
        q = self.questionnaire
        if q.has_question(key):
            return q.question(key).text.get(lang)
        if q.has_document(key):
            return q.document(key).title.get(lang)
        return key


def application_of(audit: Audit) -> AuditApplication | None:
    """The audit's application (None for an audit planned without one); free when the loader
    joined it (``services.access``), one query otherwise."""
    return audit.application


def centre_sheet(audit: Audit) -> CentreSheet:
    """The audit's questionnaire with answers and files, its documents with the team's marks
    (four queries; the catalogue is cached)."""
    application = application_of(audit)
    if application is None:
        raise NotFound()
    catalog = domain_catalog(audit.catalog_id, checksum=audit.catalog.checksum)
    answers = {a.question_key: a for a in db.session.scalars(
        sa.select(QuestionnaireAnswer).where(QuestionnaireAnswer.audit_id == audit.id))}
    files: dict[str, list[CentreDocument]] = {}
    for doc in db.session.scalars(
            sa.select(CentreDocument)
            .where(CentreDocument.audit_id == audit.id, CentreDocument.removed_at.is_(None))
            .options(joinedload(CentreDocument.uploaded_by))
            .order_by(CentreDocument.uploaded_at, CentreDocument.id)):
        files.setdefault(doc.document_key, []).append(doc)
    reviews = {r.document_key: r for r in db.session.scalars(
        sa.select(DocumentReview).where(DocumentReview.audit_id == audit.id)
        .options(joinedload(DocumentReview.reviewed_by)))}
    questionnaire = catalog.questionnaire
    sections = [(section, [QuestionLine(q, answers.get(q.key), files.get(q.key, []))
                           for q in section.questions])
                for section in questionnaire.sections]
    documents = [DocumentLine(d, files.get(d.key, []), reviews.get(d.key))
                 for d in questionnaire.documents]
    return CentreSheet(audit=audit, application=application, catalog=catalog, answers=answers,
                       files=files, reviews=reviews, sections=sections, documents=documents)


# --- questionnaire answers -------------------------------------------------------------------

#: What a yes/no answer may be sent as (forms send "yes"/"no", JSON true/false).
_YES = {True, "yes", "ja", "true", "1"}
_NO = {False, "no", "nein", "false", "0"}
_EMPTY_ANSWER = {"text_value": None, "number_value": None, "bool_value": None, "date_value": None}


def _number_text(value: Decimal) -> str:
    return format(value.normalize(), "f") if value == value.to_integral() else str(value)


def parse_answer(question: Question, raw: Any) -> dict[str, Any]:
    """The stored columns of an answer to ``question`` (all None: no answer).

    Raises :class:`InputError` with a message for the field: a number outside the
    question's range or with more decimal places than it allows, a date that does not
    exist, anything but yes or no for a yes/no question, too long a text.
    """
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return dict(_EMPTY_ANSWER)
    kind = question.type
    if kind is QuestionType.TEXT:
        text = clean_text(raw, "questionnaire.text")
        return {**_EMPTY_ANSWER, "text_value": text or None}
    if kind is QuestionType.YESNO:
        value = raw.strip().lower() if isinstance(raw, str) else raw
        if isinstance(value, bool) or isinstance(value, str):
            if value in _YES:
                return {**_EMPTY_ANSWER, "bool_value": True}
            if value in _NO:
                return {**_EMPTY_ANSWER, "bool_value": False}
        raise InputError(_l("Please answer yes or no."))
    if kind is QuestionType.DATE:
        if not isinstance(raw, str):
            raise InputError(_l("Please enter a date as DD.MM.YYYY."))
        day = parse_day(raw)
        if not date(1900, 1, 1) <= day <= date(2100, 12, 31):
            raise InputError(_l("This date does not exist."))
        return {**_EMPTY_ANSWER, "date_value": day}
    if kind is QuestionType.NUMBER:
        if isinstance(raw, bool):
            raise InputError(_l("must be a number"))
        if isinstance(raw, float) and raw.is_integer() and question.decimals == 0:
            raw = int(raw)
        if question.decimals == 0 and not isinstance(raw, float):
            value = parse_whole(raw, grouping=True, message=_l("must be a whole number"))
            value = Decimal(value)
        else:
            value = parse_decimal(raw)
            if value.normalize().as_tuple().exponent < -question.decimals:
                raise InputError(_l("at most %(places)s decimal places", places=question.decimals)
                                 if question.decimals != 1 else _l("at most one decimal place"))
        low, high = question.minimum, question.maximum
        if (low is not None and value < low) or (high is not None and value > high):
            unit = f" {question.unit}" if question.unit else ""
            if low is not None and high is not None:
                raise InputError(_l("must be between %(low)s and %(high)s%(unit)s",
                                    low=_number_text(low), high=_number_text(high), unit=unit))
            if low is not None:
                raise InputError(_l("must be at least %(low)s%(unit)s", low=_number_text(low),
                                    unit=unit))
            raise InputError(_l("must be at most %(high)s%(unit)s", high=_number_text(high),
                                unit=unit))
        return {**_EMPTY_ANSWER, "number_value": value}
    raise InputError(_l("This question is answered by uploading a file."))


def _answer_json(values: dict) -> Any:
    for value in values.values():
        if value is not None:
            return value.isoformat() if isinstance(value, date) else (
                str(value) if isinstance(value, Decimal) else value)
    return None


def _same(stored: QuestionnaireAnswer, values: dict) -> bool:
    return all(getattr(stored, k) == v for k, v in values.items())


def save_answer(audit: Audit, key: str, raw: Any, *, expected_version: int,
                actor: User) -> QuestionnaireAnswer:
    """Store the centre's answer to one question, or refuse it and change nothing.

    ValidationFailed (field ``value``) for a bad answer or when the questionnaire can no
    longer be changed (submitted); VersionConflict when someone saved since
    ``expected_version`` was read (the stored answer is in ``current``).
    """
    if audit.status not in EDITABLE_BY_CENTRE:
        raise ValidationFailed(_l("The questionnaire can no longer be changed."))
    questionnaire = domain_catalog(audit.catalog_id, checksum=audit.catalog.checksum).questionnaire
    answer = db.session.scalar(sa.select(QuestionnaireAnswer).where(
        QuestionnaireAnswer.audit_id == audit.id, QuestionnaireAnswer.question_key == key))
    if answer is None or not questionnaire.has_question(key):
        raise NotFound()
    try:
        values = parse_answer(questionnaire.question(key), raw)
    except InputError as exc:
        raise ValidationFailed(_l("The answer was not saved."),
                               fields={"value": exc.message}) from None
    if answer.version != expected_version:
        if _same(answer, values):
            return answer  # a resend of what is stored: nothing would be overwritten
        raise VersionConflict(_l("someone else saved this answer meanwhile"), current=answer)
    if _same(answer, values):
        return answer
    old = _answer_json({k: getattr(answer, k) for k in values})
    with db.session.no_autoflush:
        for name, value in values.items():
            setattr(answer, name, value)
        answer.updated_by_id = actor.id
        answer.updated_at = utcnow()
    try:
        db.session.flush()
    except sa.orm.exc.StaleDataError:
        raise VersionConflict(_l("someone else saved this answer meanwhile"),
                              current=answer) from None
    events.record(EventAction.ANSWER_SAVED, actor=actor, subject_type="questionnaire_answer",
                  subject_id=answer.id, audit_id=audit.id, old={"value": old},
                  new={"value": _answer_json(values)}, note=key)
    return answer


# --- self-assessment -------------------------------------------------------------------------


@dataclass(frozen=True)
class SelfInput:
    """What the centre sends for one criterion of its self-assessment."""

    points: Any = None
    value: Any = None
    not_applicable: bool = False
    comment: str = ""


@dataclass
class SelfItem:
    criterion: Criterion
    row: SelfAssessment


@dataclass
class Blocker:
    """Something that currently blocks the label: a criterion or a category, and why."""

    criterion_code: str | None
    category_code: str | None
    text: str


@dataclass
class SelfSheet:
    """The self-assessment of an audit, scored by the same engine as the audit."""

    audit: Audit
    catalog: Catalog
    items: dict[str, SelfItem]
    sections: list[tuple[Category, list[SelfItem], int]]
    result: ScoreResult

    def blockers(self, lang: str) -> list[Blocker]:
        """The major findings the engine sees now (knock-outs not met, categories below
        their minimum, weight-3 criteria with 0 points): what blocks the label."""
        return [Blocker(f.criterion_code, f.category_code, f.text(lang))
                for f in self.result.findings if f.severity is Severity.MAJOR]

    @property
    def answered(self) -> int:
        return sum(1 for item in self.items.values() if item.row.answered)


def self_answer(row) -> Answer:
    """The engine's view of one self-assessment row."""
    return Answer(points=row.points, value=row.value, not_applicable=row.not_applicable)


def self_sheet(audit: Audit) -> SelfSheet:
    """The centre's self-assessment of every criterion with the engine's result (one query)."""
    catalog = domain_catalog(audit.catalog_id, checksum=audit.catalog.checksum)
    rows = dict(db.session.execute(
        sa.select(CatalogCriterion.code, SelfAssessment)
        .join(SelfAssessment, SelfAssessment.criterion_id == CatalogCriterion.id)
        .where(SelfAssessment.audit_id == audit.id)).all())
    items = {c.code: SelfItem(c, rows[c.code]) for c in catalog.criteria if c.code in rows}
    result = score(catalog, {code: self_answer(item.row) for code, item in items.items()})
    sections = []
    for category in catalog.categories:
        own = [items[c.code] for c in category.criteria if c.code in items]
        sections.append((category, own, sum(1 for i in own if i.row.answered)))
    return SelfSheet(audit=audit, catalog=catalog, items=items, sections=sections, result=result)


def _self_snapshot(row: SelfAssessment) -> dict:
    return {"points": row.points, "value": None if row.value is None else str(row.value),
            "not_applicable": row.not_applicable, "comment": row.comment}


def save_self_assessment(audit: Audit, code: str, data: SelfInput, *, expected_version: int,
                         actor: User) -> SelfAssessment:
    """Store the centre's own score of one criterion (the same scale and checks as the
    auditors'; N/A only where the catalogue allows it, with a comment saying why)."""
    if audit.status not in EDITABLE_BY_CENTRE:
        raise ValidationFailed(_l("The self-assessment can no longer be changed."))
    catalog = domain_catalog(audit.catalog_id, checksum=audit.catalog.checksum)
    row = db.session.scalar(
        sa.select(SelfAssessment).join(CatalogCriterion,
                                       SelfAssessment.criterion_id == CatalogCriterion.id)
        .where(SelfAssessment.audit_id == audit.id, CatalogCriterion.code == code))
    if row is None or not catalog.has_criterion(code):
        raise NotFound()
    fields: dict[str, str] = {}
    try:
        comment = clean_text(data.comment, "self_assessment.comment")
    except InputError as exc:
        fields["comment"], comment = exc.message, ""
    clean, problems = validate_answer(catalog.criterion(code), AnswerInput(
        points=data.points, value=data.value, not_applicable=bool(data.not_applicable),
        na_reason=comment))
    for key, message in problems.items():
        if key == "na_reason":
            fields.setdefault("comment", _l("N/A needs a comment saying why"))
        elif key in ("points", "value", "not_applicable"):
            fields[key] = message
    if fields:
        raise ValidationFailed(_l("The answer was not saved."), fields=fields)
    new = {"points": clean["points"], "value": clean["value"],
           "not_applicable": clean["not_applicable"], "comment": comment}
    same = (new["points"] == row.points and new["not_applicable"] == row.not_applicable
            and new["comment"] == row.comment
            and (new["value"] is None) == (row.value is None)
            and (new["value"] is None or Decimal(new["value"]) == Decimal(row.value)))
    if row.version != expected_version:
        if same:
            return row
        raise VersionConflict(_l("someone else saved this criterion meanwhile"), current=row)
    if same:
        return row
    old = _self_snapshot(row)
    with db.session.no_autoflush:
        for name, value in new.items():
            setattr(row, name, value)
        row.updated_by_id = actor.id
        row.updated_at = utcnow()
    try:
        db.session.flush()
    except sa.orm.exc.StaleDataError:
        raise VersionConflict(_l("someone else saved this criterion meanwhile"),
                              current=row) from None
    after = _self_snapshot(row)
    events.record(EventAction.SELF_ASSESSMENT_SAVED, actor=actor, subject_type="self_assessment",
                  subject_id=row.id, audit_id=audit.id,
                  old={k: v for k, v in old.items() if v != after[k]},
                  new={k: v for k, v in after.items() if v != old[k]}, note=code)
    return row


# --- documents --------------------------------------------------------------------------------


def visit_day(audit: Audit) -> date:
    """The day of the site visit (the planned start when no visit day is set)."""
    return audit.visit_on or audit.planned_on


def upload_problem(audit: Audit, key: str, sheet: CentreSheet, today: date):
    """Why the centre cannot hand in a file for ``key`` now (None: it can).

    Until the questionnaire is submitted: every document and file question. Afterwards,
    until the day of the visit: the documents the team has not marked present yet (what it
    asked for, and what it has not looked at), never the questionnaire's file questions.
    """
    questionnaire = sheet.questionnaire
    is_document = questionnaire.has_document(key)
    is_file_question = (questionnaire.has_question(key)
                        and questionnaire.question(key).type is QuestionType.FILE)
    if not is_document and not is_file_question:
        return _l("unknown document")
    if audit.status in EDITABLE_BY_CENTRE:
        return None
    if audit.status in DOCUMENT_REVIEW and is_document and today <= visit_day(audit):
        review = sheet.reviews.get(key)
        if review is None or review.status is not DocumentReviewStatus.PRESENT:
            return None
        return _l("This document has been marked as present; nothing more is needed.")
    return _l("Documents can no longer be handed in for this audit.")


def add_document(audit: Audit, key: str, *, filename: str, data: bytes, actor: User,
                 max_bytes: int, today: date, store=None) -> CentreDocument:
    """Check and store a file the centre hands in for a required document or a file question.

    The same checks and the same file store as evidence (:func:`evidence.check_file`);
    ValidationFailed (field ``file``) when the file or the moment is wrong. The bytes are
    written before the row is flushed.
    """
    from .evidence import check_file, store_file

    sheet = centre_sheet(audit)
    problem = upload_problem(audit, key, sheet, today)
    if problem is not None:
        raise ValidationFailed(_l("the file was not stored"), fields={"file": problem})
    checked = check_file(filename, data, max_bytes)
    name, media_type = checked.name, checked.media_type
    stored = store_file(data, store)
    document = CentreDocument(audit_id=audit.id, document_key=key, original_name=name,
                              size=len(data), media_type=media_type, sha256=stored.sha256,
                              storage_key=stored.key, uploaded_by_id=actor.id,
                              uploaded_at=utcnow())
    db.session.add(document)
    db.session.flush()
    events.record(EventAction.CENTRE_DOCUMENT_ADDED, actor=actor, subject_type="centre_document",
                  subject_id=document.id, audit_id=audit.id,
                  new={"name": name, "size": len(data), "sha256": stored.sha256}, note=key)
    return document


def visible_document(audit: Audit, document_id: Any) -> CentreDocument:
    """A file the centre handed in for ``audit`` (already checked visible); NotFound else."""
    from .access import _id

    document = db.session.scalar(sa.select(CentreDocument).where(
        CentreDocument.id == _id(document_id), CentreDocument.audit_id == audit.id))
    if document is None:
        raise NotFound()
    return document


def remove_document(audit: Audit, document: CentreDocument, *, actor: User) -> None:
    """Take a file back before the questionnaire is submitted (it stays in the trail)."""
    if audit.status not in EDITABLE_BY_CENTRE:
        raise ValidationFailed(_l("Documents can no longer be removed from this audit."))
    if document.removed_at is not None:
        return
    document.removed_at = utcnow()
    document.removed_by_id = actor.id
    db.session.flush()
    events.record(EventAction.CENTRE_DOCUMENT_REMOVED, actor=actor,
                  subject_type="centre_document", subject_id=document.id, audit_id=audit.id,
                  old={"name": document.original_name, "sha256": document.sha256},
                  note=document.document_key)


def open_document(document: CentreDocument):
    """The file ready to stream, checked against its SHA-256 (None when missing or damaged):
    the same reading as evidence."""
    from .evidence import open_evidence

    return open_evidence(document)


def review_document(audit: Audit, key: str, *, status: Any, note: Any, actor: User,
                    now: datetime | None = None) -> DocumentReview:
    """The team marks a required document present, incomplete or missing, with a note
    (required for incomplete and missing: it tells the centre what to hand in)."""
    if audit.status not in DOCUMENT_REVIEW:
        raise ValidationFailed(_l("The documents cannot be reviewed in the audit's current "
                                  "status."))
    questionnaire = domain_catalog(audit.catalog_id, checksum=audit.catalog.checksum).questionnaire
    if not questionnaire.has_document(key):
        raise NotFound()
    fields: dict[str, str] = {}
    try:
        verdict = DocumentReviewStatus(status)
    except ValueError:
        verdict = None
        fields["status"] = _l("Choose present, incomplete or missing.")
    try:
        text = clean_text(note, "document_review.note")
    except InputError as exc:
        text = ""
        fields["note"] = exc.message
    if verdict is not None and verdict is not DocumentReviewStatus.PRESENT and not text \
            and "note" not in fields:
        fields["note"] = _l("Tell the centre what is missing.")
    if fields:
        raise ValidationFailed(_l("The mark was not saved."), fields=fields)
    review = db.session.scalar(sa.select(DocumentReview).where(
        DocumentReview.audit_id == audit.id, DocumentReview.document_key == key))
    old = None if review is None else {"status": review.status.value, "note": review.note}
    if review is None:
        review = DocumentReview(audit_id=audit.id, document_key=key, status=verdict,
                                reviewed_by_id=actor.id)
        db.session.add(review)
    review.status, review.note = verdict, text
    review.reviewed_by_id = actor.id
    review.reviewed_at = now or utcnow()
    db.session.flush()
    events.record(EventAction.DOCUMENT_REVIEWED, actor=actor, subject_type="document_review",
                  subject_id=review.id, audit_id=audit.id, old=old,
                  new={"status": verdict.value, "note": text}, note=key)
    return review


# --- what the auditors see ---------------------------------------------------------------------


@dataclass(frozen=True)
class Prefill:
    """A criterion's value as the centre reported it in its submitted questionnaire."""

    value: Decimal
    unit: str | None
    source_day: date
    question: Question


@dataclass
class CardExtras:
    """The centre's side of one criterion on the checklist and the review."""

    prefill: Prefill | None = None
    self_row: SelfAssessment | None = None
    self_points: int | None = None
    answers: list[tuple[Question, Any]] = field(default_factory=list)
    documents: list[DocumentLine] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return (self.prefill is None and self.self_row is None and not self.answers
                and not self.documents)


def submitted_day(application: AuditApplication | None) -> date | None:
    """The day of the centre's "Selbstauskunft" (Berlin), None before it submitted."""
    from .certificates import decision_day

    if application is None or application.submitted_at is None:
        return None
    return decision_day(application.submitted_at)


def card_extras(audit: Audit) -> dict[str, CardExtras]:
    """For every criterion: the prefilled value from the submitted questionnaire, the centre's
    own score, its related answers and the documents that support it (empty for an audit
    that did not begin with an application; five queries otherwise)."""
    application = application_of(audit)
    if application is None:
        return {}
    sheet = centre_sheet(audit)
    selfs = self_sheet(audit)
    questionnaire = sheet.questionnaire
    day = submitted_day(application)
    extras: dict[str, CardExtras] = {}
    for criterion in sheet.catalog.criteria:
        code = criterion.code
        item = CardExtras()
        feeding = questionnaire.feeding(code)
        answer = sheet.answers.get(feeding.key) if feeding else None
        if day is not None and answer is not None and answer.number_value is not None:
            item.prefill = Prefill(answer.number_value, feeding.unit or criterion.unit, day,
                                   feeding)
        own = selfs.items.get(code)
        if own is not None and own.row.answered:
            item.self_row = own.row
            item.self_points = selfs.result.criteria[code].points
        for question in questionnaire.questions_for(code):
            if feeding is not None and question.key == feeding.key:
                continue  # shown as the prefill
            if question.type is QuestionType.FILE:
                value = sheet.files.get(question.key, [])
            else:
                stored = sheet.answers.get(question.key)
                value = stored.value if stored is not None else None
            if value not in (None, []):
                item.answers.append((question, value))
        item.documents = [d for d in sheet.documents if code in d.document.criteria]
        if not item.empty:
            extras[code] = item
    return extras


@dataclass(frozen=True)
class ComparisonRow:
    code: str
    title: str
    self_percent: Any  # Fraction | None
    audit_percent: Any
    dropped: bool


@dataclass(frozen=True)
class Difference:
    code: str
    title: str
    self_points: int | None
    audit_points: int | None


@dataclass
class Comparison:
    """The centre's self-assessment beside the audit's result, per category and criterion."""

    categories: list[ComparisonRow]
    differences: list[Difference]
    self_result: ScoreResult
    answered: int


def comparison(audit: Audit, audit_result: ScoreResult, lang: str) -> Comparison | None:
    """Both results per category and the criteria where they differ (None when the centre
    scored nothing)."""
    if application_of(audit) is None:
        return None
    selfs = self_sheet(audit)
    if not selfs.answered:
        return None
    rows = []
    for mine, theirs in zip(selfs.result.categories, audit_result.categories, strict=True):
        rows.append(ComparisonRow(mine.code, mine.title.get(lang), mine.percent, theirs.percent,
                                  theirs.dropped))
    differences = []
    for criterion in selfs.catalog.criteria:
        own = selfs.result.criteria[criterion.code]
        team = audit_result.criteria.get(criterion.code)
        if own.answered and team is not None and team.answered and own.points != team.points:
            differences.append(Difference(criterion.code, criterion.title.get(lang), own.points,
                                          team.points))
    return Comparison(categories=rows, differences=differences, self_result=selfs.result,
                      answered=selfs.answered)


@dataclass
class TrailEntry:
    """One line of the application's history: an event, or a run of saves of one kind by
    one person folded together ("Questionnaire answer saved" × 12)."""

    event: Any
    count: int = 1


#: Saves that fold into one line of the history when they follow each other.
_FOLDED = (EventAction.ANSWER_SAVED.value, EventAction.SELF_ASSESSMENT_SAVED.value)


def application_trail(audit: Audit) -> list[TrailEntry]:
    """The events of the centre's side and the workflow, newest first (what the centre may
    read: no auditor's answers, no review), runs of saves folded (one query)."""
    from ..labels import EVENT_GROUPS
    from ..models import Event

    actions = [a.value for a, group in EVENT_GROUPS.items() if group in ("centre", "workflow")]
    entries: list[TrailEntry] = []
    for event in db.session.scalars(
            sa.select(Event).where(Event.audit_id == audit.id, Event.action.in_(actions))
            .options(joinedload(Event.actor)).order_by(Event.id.desc())):
        last = entries[-1] if entries else None
        if (last is not None and event.action in _FOLDED and last.event.action == event.action
                and last.event.actor_id == event.actor_id):
            last.count += 1
            continue
        entries.append(TrailEntry(event))
    return entries


def key_figure_history(centre_id: int) -> list[KeyFigureRecord]:
    """The changes of a centre's key figures, newest first (one query)."""
    return list(db.session.scalars(
        sa.select(KeyFigureRecord).where(KeyFigureRecord.centre_id == centre_id)
        .options(joinedload(KeyFigureRecord.recorded_by))
        .order_by(KeyFigureRecord.id.desc())))


__all__ = ["ScoringType", "card_extras", "centre_sheet", "comparison", "save_answer",
           "save_self_assessment", "self_sheet"]
