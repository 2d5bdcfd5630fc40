"""The ``questionnaire`` block of a catalogue file: sections of questions and documents.

Pure code. Called by the catalogue loader (:mod:`.loader`) with its reader, so every problem
is collected with ``file:line: path: message`` like the rest of the file. References to
categories and criteria are checked against the categories read from the same file: a
question that feeds a criterion must be a number question feeding a *number* criterion
(with the same unit), and each criterion is fed by at most one question.
"""
from __future__ import annotations

import re
from decimal import Decimal

from yaml.nodes import Node, ScalarNode, SequenceNode

from .model import Category, ScoringType
from .questionnaire import (
    CENTRE_FIELDS,
    EMPTY,
    Question,
    Questionnaire,
    QuestionType,
    RequiredDocument,
    Section,
)
from .yaml_reader import YamlReader, any_missing, describe, node_line, scalar_value

#: Keys of sections, questions and documents (one namespace for questions and documents).
KEY_PATTERN = re.compile(r"[a-z][a-z0-9_]{0,49}")
KEY_MESSAGE = ("must be a lowercase name of letters a-z, digits and underscores starting with "
               "a letter, at most 50 characters")
MAX_QUESTION_TEXT = 500
MAX_TITLE = 200
MAX_UNIT = 20
VALUE_LIMIT = Decimal(10) ** 12
_TYPES = [f'"{t.value}"' for t in QuestionType]
TYPE_MESSAGE = f"must be {', '.join(_TYPES[:-1])} or {_TYPES[-1]}"
_NUMBER_ONLY = ("unit", "minimum", "maximum", "decimals", "feeds", "centre_field")


def read_questionnaire(reader: YamlReader, node: Node,
                       categories: list[Category] | None) -> Questionnaire | None:
    """Read the ``questionnaire`` block; ``categories`` are the file's categories (None when
    they could not be read: references are then not checked). None after a problem."""
    return _QuestionnaireReader(reader, categories).read(node)


class _QuestionnaireReader:
    def __init__(self, reader: YamlReader, categories: list[Category] | None):
        self.r = reader
        self.categories = {c.code: c for c in categories} if categories is not None else None
        self.criteria = ({c.code: c for cat in categories for c in cat.criteria}
                         if categories is not None else None)
        self.key_lines: dict[str, int] = {}
        self.fed: dict[str, int] = {}
        self.fields: dict[str, int] = {}

    def problem(self, node: Node, path: str, message: str) -> None:
        self.r.problem(node_line(node), path, message)

    def read(self, node: Node) -> Questionnaire | None:
        values = self.r.read_mapping(node, "questionnaire", optional=("sections", "documents"))
        if values is None:
            return None
        sections: list[Section] | None = []
        documents: list[RequiredDocument] | None = []
        if "sections" in values:
            sections = self.r.read_list(values["sections"], "questionnaire.sections",
                                        self.section)
        if "documents" in values:
            documents = self.r.read_list(values["documents"], "questionnaire.documents",
                                         self.document)
        if sections is None or documents is None:
            return None
        if not sections and not documents:
            return EMPTY
        return Questionnaire(sections=tuple(sections), documents=tuple(documents))

    # -- pieces -----------------------------------------------------------------------------

    def key(self, node: Node, path: str) -> str | None:
        key = self.r.read_word(node, path, KEY_PATTERN, KEY_MESSAGE)
        if key is None:
            return None
        if key in self.key_lines:
            self.problem(node, path, f'duplicate key "{key}" (first at line {self.key_lines[key]}); '
                                     "questions and documents need different keys")
            return None
        self.key_lines[key] = node_line(node)
        return key

    def text(self, values: dict, name: str, path: str, limit: int | None = None):
        return self.r.read_text(values[name], f"{path}.{name}", limit) if name in values else None

    def criterion_refs(self, node: Node, path: str) -> tuple[str, ...] | None:
        """A list of criterion codes of this catalogue."""
        if not isinstance(node, SequenceNode):
            self.problem(node, path, f"must be a list of criterion codes, not {describe(node)}")
            return None
        codes, ok = [], True
        for index, item in enumerate(node.value):
            code = scalar_value(item) if isinstance(item, ScalarNode) else None
            if not isinstance(code, str) or not code:
                self.problem(item, f"{path}[{index}]", "must be a criterion code such as A1")
                ok = False
            elif self.criteria is not None and code not in self.criteria:
                self.problem(item, f"{path}[{index}]", f'no criterion "{code}" in this catalogue')
                ok = False
            else:
                codes.append(code)
        return tuple(codes) if ok else None

    def section(self, node: Node, path: str) -> Section | None:
        values = self.r.read_mapping(node, path, required=("key", "title", "questions"),
                                     optional=("category",))
        if values is None:
            return None
        key = self.key(values["key"], f"{path}.key") if "key" in values else None
        title = self.text(values, "title", path, MAX_TITLE)
        category = None
        ok = True
        if "category" in values:
            category = scalar_value(values["category"])
            if not isinstance(category, str) or (
                    self.categories is not None and category not in self.categories):
                self.problem(values["category"], f"{path}.category",
                             f'no category "{category}" in this catalogue')
                ok = False
        questions = None
        if "questions" in values:
            questions = self.r.read_list(values["questions"], f"{path}.questions", self.question,
                                         "must contain at least one question")
        if not ok or any_missing(key, title, questions):
            return None
        return Section(key=key, title=title, questions=tuple(questions), category=category)

    def question(self, node: Node, path: str) -> Question | None:
        values = self.r.read_mapping(
            node, path, required=("key", "type", "text"),
            optional=("help", "required", "criteria", *_NUMBER_ONLY))
        if values is None:
            return None
        parts: dict[str, object] = {}
        ok = True
        parts["key"] = self.key(values["key"], f"{path}.key") if "key" in values else None
        parts["text"] = self.text(values, "text", path, MAX_QUESTION_TEXT)
        if "help" in values:
            parts["help"] = self.text(values, "help", path)
            ok = ok and parts["help"] is not None
        qtype = None
        if "type" in values:
            raw = scalar_value(values["type"])
            if isinstance(raw, str) and raw in {t.value for t in QuestionType}:
                qtype = QuestionType(raw)
            else:
                self.problem(values["type"], f"{path}.type", TYPE_MESSAGE)
        parts["type"] = qtype
        if "required" in values:
            parts["required"] = self.r.read_bool(values["required"], f"{path}.required")
            ok = ok and parts["required"] is not None
        if "criteria" in values:
            parts["criteria"] = self.criterion_refs(values["criteria"], f"{path}.criteria")
            ok = ok and parts["criteria"] is not None
        if qtype is QuestionType.NUMBER:
            number = self.number_settings(values, path)
            ok = ok and number is not None
            parts.update(number or {})
        elif qtype is not None:
            for name in _NUMBER_ONLY:
                if name in values:
                    self.problem(values[name], f"{path}.{name}",
                                 f'only allowed for questions of type "{QuestionType.NUMBER.value}"')
                    ok = False
        if not ok or any_missing(parts["key"], parts["text"], parts["type"]):
            return None
        return Question(**parts)  # type: ignore[arg-type]

    def number_settings(self, values: dict, path: str) -> dict | None:
        parts: dict[str, object] = {}
        ok = True
        if "unit" in values:
            parts["unit"] = self.r.read_string(values["unit"], f"{path}.unit", "the unit", MAX_UNIT)
            ok = ok and parts["unit"] is not None
        if "decimals" in values:
            parts["decimals"] = self.r.read_int(values["decimals"], f"{path}.decimals", 0, 2,
                                                "must be 0, 1 or 2")
            ok = ok and parts["decimals"] is not None
        for name in ("minimum", "maximum"):
            if name in values:
                number = self.r.read_number(values[name], f"{path}.{name}", "must be a number")
                if number is not None and abs(number) >= VALUE_LIMIT:
                    self.problem(values[name], f"{path}.{name}", "must be less than 1,000,000,000,000")
                    number = None
                parts[name] = number
                ok = ok and number is not None
        low, high = parts.get("minimum"), parts.get("maximum")
        if low is not None and high is not None and low > high:
            self.problem(values["maximum"], f"{path}.maximum",
                         f"must not be below the minimum, {low}")
            ok = False
        if "feeds" in values and not self.feeds(values["feeds"], f"{path}.feeds", parts):
            ok = False
        elif "feeds" in values:
            parts["feeds"] = scalar_value(values["feeds"])
        if "centre_field" in values:
            name = self.centre_field(values["centre_field"], f"{path}.centre_field", parts)
            ok = ok and name is not None
            parts["centre_field"] = name
        return parts if ok else None

    def feeds(self, node: Node, path: str, parts: dict) -> bool:
        """A number criterion of this catalogue, fed by no other question, same unit."""
        code = scalar_value(node)
        if not isinstance(code, str) or not code:
            self.problem(node, path, "must be the code of a number criterion, such as B1")
            return False
        if self.criteria is None:
            return True
        criterion = self.criteria.get(code)
        if criterion is None:
            self.problem(node, path, f'no criterion "{code}" in this catalogue')
            return False
        if criterion.type is not ScoringType.NUMBER:
            self.problem(node, path, f'criterion {code} is of type "{criterion.type.value}": '
                                     f'only criteria of type "number" can be fed by an answer')
            return False
        if code in self.fed:
            self.problem(node, path, f"criterion {code} is fed by another question already "
                                     f"(line {self.fed[code]})")
            return False
        unit = parts.get("unit")
        if criterion.unit and unit and criterion.unit != unit:
            self.problem(node, path, f'the unit "{unit}" differs from criterion {code}\'s unit '
                                     f'"{criterion.unit}"')
            return False
        self.fed[code] = node_line(node)
        return True

    def centre_field(self, node: Node, path: str, parts: dict) -> str | None:
        name = scalar_value(node)
        names = ", ".join(CENTRE_FIELDS)
        if not isinstance(name, str) or name not in CENTRE_FIELDS:
            self.problem(node, path, f"must be one of {names}")
            return None
        if name in self.fields:
            self.problem(node, path, f'"{name}" is updated by another question already '
                                     f"(line {self.fields[name]})")
            return None
        target = CENTRE_FIELDS[name]
        if parts.get("decimals", 0) > target.decimals:
            self.problem(node, path, f'"{name}" holds at most {target.decimals} decimal places; '
                                     f"set decimals to {target.decimals}")
            return None
        self.fields[name] = node_line(node)
        return name

    def document(self, node: Node, path: str) -> RequiredDocument | None:
        values = self.r.read_mapping(node, path, required=("key", "title"),
                                     optional=("help", "criteria", "required"))
        if values is None:
            return None
        ok = True
        key = self.key(values["key"], f"{path}.key") if "key" in values else None
        title = self.text(values, "title", path, MAX_TITLE)
        help_text = criteria = required = None
        if "help" in values:
            help_text = self.text(values, "help", path)
            ok = ok and help_text is not None
        if "criteria" in values:
            criteria = self.criterion_refs(values["criteria"], f"{path}.criteria")
            ok = ok and criteria is not None
        if "required" in values:
            required = self.r.read_bool(values["required"], f"{path}.required")
            ok = ok and required is not None
        if not ok or any_missing(key, title):
            return None
        return RequiredDocument(key=key, title=title, help=help_text, criteria=criteria or (),
                                required=True if required is None else required)
