"""The centre's part of a catalogue: the questionnaire and the required documents.

Pure code (no Flask, no SQLAlchemy). A catalogue may carry, besides its criteria, questions
the centre answers before the audit (text, number, yes/no, date, file) in sections, and the
documents it hands in. A number question may *feed* a number criterion (its answer prefills
that criterion's value on the auditors' checklist) and may update one of the centre's key
figures; questions and documents name the criteria they relate to, so the checklist shows
them next to those criteria. The YAML format is read by :mod:`.questionnaire_reader` and
documented in ``criteria/README.md``.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from .model import Text


class QuestionType(StrEnum):
    TEXT = "text"
    NUMBER = "number"
    YESNO = "yesno"
    DATE = "date"
    FILE = "file"  # answered by uploading at least one file


@dataclass(frozen=True)
class CentreField:
    """A key figure on the centre's record that a number question may update."""

    name: str
    decimals: int  # the most decimal places the column holds
    minimum: Decimal
    maximum: Decimal | None


#: The centre's key figures a questionnaire may update, with what their columns hold.
CENTRE_FIELDS: dict[str, CentreField] = {
    "space_m2": CentreField("space_m2", 0, Decimal(0), None),
    "tenant_count": CentreField("tenant_count", 0, Decimal(0), None),
    "occupancy_percent": CentreField("occupancy_percent", 1, Decimal(0), Decimal(100)),
    "staff_count": CentreField("staff_count", 0, Decimal(0), None),
    "founded_year": CentreField("founded_year", 0, Decimal(1800), Decimal(2100)),
}


@dataclass(frozen=True)
class Question:
    """One question for the centre.

    ``minimum``/``maximum``/``unit``/``decimals`` only for NUMBER questions (``decimals``:
    the most decimal places an answer may have, 0-2). ``feeds`` names the number criterion
    whose value the answer prefills; ``criteria`` names further criteria it informs;
    ``centre_field`` the key figure of the centre it updates on submission.
    """

    key: str
    text: Text
    type: QuestionType
    help: Text | None = None
    required: bool = True
    unit: str | None = None
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    decimals: int = 0
    feeds: str | None = None
    criteria: tuple[str, ...] = ()
    centre_field: str | None = None

    @property
    def related_criteria(self) -> tuple[str, ...]:
        """Every criterion this question informs (the fed one first)."""
        return ((self.feeds,) if self.feeds else ()) + tuple(
            c for c in self.criteria if c != self.feeds)


@dataclass(frozen=True)
class Section:
    """A group of questions; ``category`` is the catalogue category it belongs to, if any."""

    key: str
    title: Text
    questions: tuple[Question, ...]
    category: str | None = None


@dataclass(frozen=True)
class RequiredDocument:
    """A document the centre hands in; ``criteria`` are the criteria it supports."""

    key: str
    title: Text
    help: Text | None = None
    criteria: tuple[str, ...] = ()
    required: bool = True


@dataclass(frozen=True)
class Questionnaire:
    """The questionnaire and the required documents of a catalogue (both may be empty)."""

    sections: tuple[Section, ...] = ()
    documents: tuple[RequiredDocument, ...] = ()
    _questions: dict[str, Question] = field(default_factory=dict, compare=False, repr=False)
    _documents: dict[str, RequiredDocument] = field(default_factory=dict, compare=False,
                                                    repr=False)

    def __post_init__(self) -> None:
        self._questions.update({q.key: q for s in self.sections for q in s.questions})
        self._documents.update({d.key: d for d in self.documents})

    def __hash__(self) -> int:
        return hash((self.sections, self.documents))

    @property
    def empty(self) -> bool:
        return not self.sections and not self.documents

    @property
    def questions(self) -> Iterator[Question]:
        """Every question in order."""
        for section in self.sections:
            yield from section.questions

    @property
    def question_count(self) -> int:
        return len(self._questions)

    def question(self, key: str) -> Question:
        """The question with ``key``; KeyError when there is none."""
        return self._questions[key]

    def has_question(self, key: str) -> bool:
        return key in self._questions

    def document(self, key: str) -> RequiredDocument:
        """The required document with ``key``; KeyError when there is none."""
        return self._documents[key]

    def has_document(self, key: str) -> bool:
        return key in self._documents

    def feeding(self, code: str) -> Question | None:
        """The question whose answer prefills criterion ``code`` (at most one)."""
        return next((q for q in self.questions if q.feeds == code), None)

    def questions_for(self, code: str) -> tuple[Question, ...]:
        """The questions that inform criterion ``code``."""
        return tuple(q for q in self.questions if code in q.related_criteria)

    def documents_for(self, code: str) -> tuple[RequiredDocument, ...]:
        """The required documents that support criterion ``code``."""
        return tuple(d for d in self.documents if code in d.criteria)

    def missing(self, answered: Iterable[str], uploaded: Iterable[str]) -> tuple[str, ...]:
        """Keys of the required questions still without an answer, in order.

        ``answered``: keys of questions with a stored answer; ``uploaded``: keys that have
        at least one file (what answers a file question).
        """
        done = set(answered) | set(uploaded)
        return tuple(q.key for q in self.questions if q.required and q.key not in done)

    def missing_documents(self, uploaded: Iterable[str]) -> tuple[str, ...]:
        """Keys of the required documents without any file yet, in order."""
        have = set(uploaded)
        return tuple(d.key for d in self.documents if d.required and d.key not in have)

    # -- stored form --------------------------------------------------------------------

    def to_json(self) -> dict:
        """Plain JSON (decimals as text) from which :meth:`from_json` rebuilds it exactly."""
        return {
            "sections": [{
                "key": s.key, "title": _text_json(s.title), "category": s.category,
                "questions": [_question_json(q) for q in s.questions],
            } for s in self.sections],
            "documents": [{
                "key": d.key, "title": _text_json(d.title), "help": _text_json(d.help),
                "criteria": list(d.criteria), "required": d.required,
            } for d in self.documents],
        }

    @classmethod
    def from_json(cls, data: dict | None) -> Questionnaire:
        """The questionnaire stored by :meth:`to_json` (None or {} gives an empty one)."""
        if not data:
            return EMPTY
        return cls(
            sections=tuple(Section(
                key=s["key"], title=_text_of(s["title"]), category=s.get("category"),
                questions=tuple(_question_of(q) for q in s["questions"]),
            ) for s in data.get("sections", [])),
            documents=tuple(RequiredDocument(
                key=d["key"], title=_text_of(d["title"]), help=_text_of(d.get("help")),
                criteria=tuple(d.get("criteria", ())), required=bool(d.get("required", True)),
            ) for d in data.get("documents", [])),
        )


def _text_json(text: Text | None) -> dict | None:
    return None if text is None else {"de": text.de, "en": text.en}


def _text_of(data: dict | None) -> Text | None:
    return None if not data else Text(data["de"], data["en"])


def _decimal_json(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _question_json(q: Question) -> dict:
    return {
        "key": q.key, "text": _text_json(q.text), "type": q.type.value, "help": _text_json(q.help),
        "required": q.required, "unit": q.unit, "minimum": _decimal_json(q.minimum),
        "maximum": _decimal_json(q.maximum), "decimals": q.decimals, "feeds": q.feeds,
        "criteria": list(q.criteria), "centre_field": q.centre_field,
    }


def _question_of(data: dict) -> Question:
    def number(name):
        return None if data.get(name) is None else Decimal(data[name])

    return Question(
        key=data["key"], text=_text_of(data["text"]), type=QuestionType(data["type"]),
        help=_text_of(data.get("help")), required=bool(data.get("required", True)),
        unit=data.get("unit"), minimum=number("minimum"), maximum=number("maximum"),
        decimals=int(data.get("decimals", 0)), feeds=data.get("feeds"),
        criteria=tuple(data.get("criteria", ())), centre_field=data.get("centre_field"),
    )


#: A catalogue without questionnaire and documents.
EMPTY = Questionnaire()
