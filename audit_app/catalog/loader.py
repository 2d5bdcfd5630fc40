"""Read a criteria catalogue from YAML into the frozen dataclasses of :mod:`.model`.

Pure code: imports the standard library, PyYAML and :mod:`.model` only.

The YAML text is *composed* into a node tree (PyYAML never constructs Python objects
from it) and the tree is walked by hand. That way every value keeps its line number for
messages, duplicate keys are caught (YAML itself silently keeps the last one), and no
YAML feature can build an object nobody asked for. The walk collects every problem it
finds and raises one :class:`CatalogError` at the end, so an author sees all mistakes of
a file at once. Whatever the text, the loader raises nothing but :class:`CatalogError`.

The file format is documented for catalogue authors in ``criteria/README.md``.
"""

from __future__ import annotations

import difflib
import hashlib
import os
import re
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import TypeVar

import yaml
from yaml.composer import Composer, ComposerError
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .model import (
    MAX_POINTS,
    Band,
    Catalog,
    CatalogError,
    Category,
    Criterion,
    Problem,
    ReportBand,
    Rules,
    ScoringType,
    Text,
)

__all__ = ["load_catalog", "parse_catalog"]

T = TypeVar("T")

# Identifiers, always checked with ``fullmatch`` (``$`` would let a trailing newline pass).
KEY_PATTERN = re.compile(r"[a-z0-9-]+")
VERSION_PATTERN = re.compile(r"[A-Za-z0-9._-]+")
CATEGORY_CODE_PATTERN = re.compile(r"[A-Z]{1,3}")
CRITERION_CODE_PATTERN = re.compile(r"(?P<letters>[A-Z]{1,3})[0-9]{1,3}")

# What the database columns hold (audit_app/models/catalog.py).
MAX_KEY_LENGTH = 50
MAX_VERSION_LENGTH = 50
MAX_TITLE_LENGTH = 200  # catalogue and category titles, report band labels
MAX_CRITERION_TITLE_LENGTH = 300
MAX_UNIT_LENGTH = 20
# Raw criterion values (band starts, minimum, maximum) are stored as NUMERIC(14, 2).
VALUE_LIMIT = Decimal(10) ** 12
VALUE_PLACES = 2

LANGUAGE_NAMES = {"de": "German", "en": "English"}
_TYPE_NAMES = [f'"{t.value}"' for t in ScoringType]
TYPE_MESSAGE = f"must be {', '.join(_TYPE_NAMES[:-1])} or {_TYPE_NAMES[-1]}"

_TAG = "tag:yaml.org,2002:"
STR_TAG, INT_TAG, FLOAT_TAG = _TAG + "str", _TAG + "int", _TAG + "float"
BOOL_TAG, NULL_TAG, TIMESTAMP_TAG = _TAG + "bool", _TAG + "null", _TAG + "timestamp"
MAP_TAG, SEQ_TAG = _TAG + "map", _TAG + "seq"
# Plain scalars that read_word takes as written: anything YAML would not read as null.
_WORD_TAGS = (STR_TAG, INT_TAG, FLOAT_TAG, BOOL_TAG, TIMESTAMP_TAG)

# Characters YAML does not allow in a stream (control characters, lone surrogates ...).
_NON_PRINTABLE = yaml.reader.Reader.NON_PRINTABLE

# PyYAML's converters for the YAML 1.1 spellings of ints, floats and booleans
# (``0x1F``, ``1_000``, ``.inf``, ``yes`` ...); they only read ``node.value``.
_SCALARS = SafeConstructor()


class _AliasRefusingComposer(Composer):
    """PyYAML's composer, refusing aliases.

    An alias (``*name``) makes one node appear in several places: messages would point
    at the anchor's line, and nested aliases can blow a small file up into a huge tree
    ("billion laughs"). Catalogue files have no use for them.
    """

    def compose_node(self, parent: Node | None, index: object) -> Node | None:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise ComposerError(
                None,
                None,
                f'aliases ("*{event.anchor}") are not supported; write the value out',
                event.start_mark,
            )
        return super().compose_node(parent, index)


class _PureYamlLoader(_AliasRefusingComposer, yaml.SafeLoader):
    """The SafeLoader, all in Python, composing without aliases."""


if getattr(yaml, "__with_libyaml__", False):

    class _FastYamlLoader(_AliasRefusingComposer, yaml.CSafeLoader):
        """The SafeLoader on libyaml's parser, composing without aliases.

        libyaml delivers the same events and marks about 15 times faster than the
        pure-Python parser; the (Python) composer above still builds the tree.
        """

        def __init__(self, stream: str):
            yaml.CSafeLoader.__init__(self, stream)
            Composer.__init__(self)  # CSafeLoader leaves the Python composer uninitialised

    _YamlLoader: type[_AliasRefusingComposer] = _FastYamlLoader
else:  # pragma: no cover - PyYAML built without libyaml
    _YamlLoader = _PureYamlLoader


def load_catalog(path: str | os.PathLike) -> Catalog:
    """Load and validate the catalogue file at ``path``.

    The file must be UTF-8. ``Catalog.source`` is ``path`` as given (as a string) and
    ``Catalog.checksum`` the SHA-256 (hex) of the file's bytes, so an import can tell
    whether a file changed. Raises :class:`CatalogError` listing every problem found,
    including an unreadable file or bytes that are not UTF-8.
    """
    source = os.fsdecode(path)
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise CatalogError([Problem(source, None, "", f"cannot read the file: {reason}")]) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        message = f"not UTF-8 text: byte 0x{data[exc.start]:02x} cannot be decoded"
        raise CatalogError([Problem(source, line, "", message)]) from None
    return parse_catalog(text, source=source, checksum=hashlib.sha256(data).hexdigest())


def parse_catalog(text: str, source: str = "<string>", checksum: str = "") -> Catalog:
    """Parse and validate catalogue YAML ``text``; ``source`` names it in messages.

    Returns a fully built :class:`Catalog` (tuples, ``Decimal`` numbers, ``ScoringType``
    members) carrying ``source`` and ``checksum`` unchanged. Raises :class:`CatalogError`
    with every problem found, each printed as ``source:line: path: message``; no other
    exception escapes, whatever the text.
    """
    reader = _Reader(source)
    root = reader.compose(text)
    catalog = reader.catalog(root, checksum) if root is not None else None
    if reader.problems:
        raise CatalogError(reader.problems)
    if catalog is None:  # pragma: no cover - every unread part records a problem
        raise RuntimeError(f"{source}: catalogue not built, yet no problem was recorded")
    return catalog


def _line(node: Node) -> int:
    """The 1-based line where ``node`` starts."""
    return node.start_mark.line + 1


def _describe(node: Node) -> str:
    """What a node is, in the words of the messages ("a list", "text" ...)."""
    described = {
        MAP_TAG: "a mapping",
        SEQ_TAG: "a list",
        STR_TAG: "text",
        INT_TAG: "a number",
        FLOAT_TAG: "a number",
        BOOL_TAG: "true/false",
        NULL_TAG: "empty",
        TIMESTAMP_TAG: "a date",
    }
    if node.tag in described:
        return described[node.tag]
    return f"a value tagged {node.tag.replace(_TAG, '!!')}"


def _missing(*values: object) -> bool:
    """True when any of ``values`` is None, i.e. a part could not be read."""
    return any(value is None for value in values)


def _value_node(mapping: Node, key: str) -> Node:
    """The value node of ``key`` in a mapping node that was read already (else the mapping)."""
    if isinstance(mapping, MappingNode):
        for key_node, value_node in mapping.value:
            if isinstance(key_node, ScalarNode) and key_node.value == key:
                return value_node
    return mapping


def _scalar_value(node: Node) -> object:
    """The Python value of a plain YAML scalar: str, int, float, bool or None.

    Returns the node itself as a "no value" marker for collections, for tags other than
    the five core scalar tags (timestamps, binary, custom ``!tags``) and for explicitly
    tagged text that does not convert (``!!int abc``, or an int too long for Python).
    """
    if not isinstance(node, ScalarNode):
        return node
    try:
        if node.tag == STR_TAG:
            return node.value
        if node.tag == INT_TAG:
            return _SCALARS.construct_yaml_int(node)
        if node.tag == FLOAT_TAG:
            return _SCALARS.construct_yaml_float(node)
        if node.tag == BOOL_TAG:
            return _SCALARS.construct_yaml_bool(node)
        if node.tag == NULL_TAG:
            return None
    except (ValueError, KeyError, ArithmeticError):
        pass
    return node


class _Reader:
    """Walks the composed node tree, building model objects and collecting problems.

    Each ``read_*`` and section method returns what it read, or ``None`` after recording
    at least one problem; a model object is built only when all its parts came back.
    """

    def __init__(self, source: str):
        self.source = source
        self.problems: list[Problem] = []
        # First line of each code, for "duplicate ... code (first at line N)".
        self.category_lines: dict[str, int] = {}
        self.criterion_lines: dict[str, int] = {}
        # The weight of each category item in turn (None: unreadable), so that the sum
        # is checked even when other parts of some category are wrong.
        self.category_weights: list[int | None] = []

    def problem(self, line: int | None, path: str, message: str) -> None:
        self.problems.append(Problem(self.source, line, path, message))

    # -- YAML text -> node tree ------------------------------------------------------

    def compose(self, text: str) -> Node | None:
        """Compose ``text`` into one node tree, or record why that is impossible."""
        bad = _NON_PRINTABLE.search(text)
        if bad:
            # Checked here, not left to the parser, so that message and line are the same
            # with and without libyaml.
            line = text.count("\n", 0, bad.start()) + 1
            character = f"U+{ord(bad.group()):04X}"
            self.problem(line, "", f"invalid YAML: character {character} is not allowed")
            return None
        try:
            loader = _YamlLoader(text)
            try:
                root = loader.get_single_node()
            finally:
                loader.dispose()
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            detail = ": ".join(part for part in (exc.context, exc.problem) if part)
            line = mark.line + 1 if mark else None
            self.problem(line, "", f"invalid YAML: {detail or 'cannot be parsed'}")
            return None
        except (yaml.YAMLError, UnicodeError) as exc:  # errors without a position
            self.problem(None, "", f"invalid YAML: {exc}")
            return None
        except RecursionError:
            self.problem(None, "", "invalid YAML: nested too deeply")
            return None
        if root is None:
            self.problem(None, "", "the file is empty; expected a catalogue (key, version, ...)")
        return root

    # -- structure -------------------------------------------------------------------

    def read_mapping(
        self,
        node: Node,
        path: str,
        required: Iterable[str] = (),
        optional: Iterable[str] = (),
        expected: str = "a mapping",
    ) -> dict[str, Node] | None:
        """Check that ``node`` is a mapping with only known keys and every required key.

        Reports a non-mapping, keys that are not plain names, duplicate keys, unknown
        keys (suggesting a close known one) and missing required keys. Returns the value
        node of each known key (its first occurrence) even when other keys were wrong, so
        that the values are checked as well; ``None`` only for a non-mapping.
        """
        if not isinstance(node, MappingNode) or node.tag != MAP_TAG:
            self.problem(_line(node), path, f"must be {expected}, not {_describe(node)}")
            return None
        required = tuple(required)
        known = required + tuple(optional)
        values: dict[str, Node] = {}
        first_lines: dict[str, int] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                self.problem(_line(key_node), path, "keys must be plain names")
                continue
            key = key_node.value
            if key in first_lines:
                message = f'duplicate key "{key}" (first at line {first_lines[key]})'
                self.problem(_line(key_node), path, message)
                continue
            first_lines[key] = _line(key_node)
            if key not in known:
                message = f'unknown key "{key}"'
                close = difflib.get_close_matches(key, known, n=1)
                if close:
                    message += f' (did you mean "{close[0]}"?)'
                self.problem(_line(key_node), path, message)
                continue
            values[key] = value_node
        for key in required:
            if key not in values:
                self.problem(_line(node), path, f'missing required key "{key}"')
        return values

    def read_list(
        self,
        node: Node,
        path: str,
        read_item: Callable[[Node, str], T | None],
        empty_message: str | None = None,
    ) -> list[T] | None:
        """Read a sequence, each item with ``read_item(item_node, item_path)``.

        Returns the items only when every one of them could be read. ``empty_message`` is
        the problem for an empty list; ``None`` allows an empty list.
        """
        if not isinstance(node, SequenceNode) or node.tag != SEQ_TAG:
            self.problem(_line(node), path, f"must be a list, not {_describe(node)}")
            return None
        if not node.value and empty_message is not None:
            self.problem(_line(node), path, empty_message)
            return None
        items = [read_item(child, f"{path}[{index}]") for index, child in enumerate(node.value)]
        if _missing(*items):
            return None
        return items  # type: ignore[return-value]  # no None left

    # -- scalars ---------------------------------------------------------------------

    def read_word(
        self,
        node: Node,
        path: str,
        pattern: re.Pattern[str],
        message: str,
        max_length: int | None = None,
    ) -> str | None:
        """Read an identifier (key, version, code) and check it against ``pattern``.

        The scalar is taken as written, so an unquoted ``2026``, ``NO`` or ``2026-01``
        (which YAML would read as a number, false or a date) is that text.
        """
        if (
            isinstance(node, ScalarNode)
            and node.tag in _WORD_TAGS
            and pattern.fullmatch(node.value)
            and (max_length is None or len(node.value) <= max_length)
        ):
            return node.value
        self.problem(_line(node), path, message)
        return None

    def read_string(
        self, node: Node, path: str, what: str, max_length: int | None = None
    ) -> str | None:
        """Read non-empty text, stripped of surrounding whitespace; ``what`` names it."""
        value = _scalar_value(node)
        if not isinstance(value, str):
            message = f"{what} must be text, not {_describe(node)}"
            if isinstance(node, ScalarNode) and value is not None:
                message += " (put it in quotes)"
            self.problem(_line(node), path, message)
            return None
        value = value.strip()
        if not value:
            self.problem(_line(node), path, f"{what} is empty")
            return None
        if max_length is not None and len(value) > max_length:
            message = f"{what} is too long: {len(value)} characters, at most {max_length}"
            self.problem(_line(node), path, message)
            return None
        return value

    def read_text(self, node: Node, path: str, max_length: int | None = None) -> Text | None:
        """Read a ``{de: ..., en: ...}`` mapping into a :class:`Text`; both are required."""
        values = self.read_mapping(
            node,
            path,
            optional=LANGUAGE_NAMES,
            expected="a mapping with German and English text ({de: ..., en: ...})",
        )
        if values is None:
            return None
        texts: dict[str, str | None] = {}
        for lang, name in LANGUAGE_NAMES.items():
            if lang in values:
                texts[lang] = self.read_string(
                    values[lang], f"{path}.{lang}", f"{name} text", max_length
                )
            else:
                self.problem(_line(node), path, f"missing {name} text")
                texts[lang] = None
        if texts["de"] is None or texts["en"] is None:
            return None
        return Text(texts["de"], texts["en"])

    def read_bool(self, node: Node, path: str) -> bool | None:
        value = _scalar_value(node)
        if isinstance(value, bool):
            return value
        self.problem(_line(node), path, "must be true or false")
        return None

    def read_int(self, node: Node, path: str, low: int, high: int, message: str) -> int | None:
        """Read a YAML integer from ``low`` to ``high``; booleans, floats and text are refused."""
        value = _scalar_value(node)
        if isinstance(value, int) and not isinstance(value, bool) and low <= value <= high:
            return value
        self.problem(_line(node), path, message)
        return None

    def read_number(self, node: Node, path: str, message: str) -> Decimal | None:
        """Read a finite YAML int or float as a Decimal (floats via ``Decimal(str(value))``).

        Booleans, quoted numbers, NaN and infinities are refused with ``message``.
        """
        value = _scalar_value(node)
        if isinstance(value, int) and not isinstance(value, bool):
            return Decimal(value)
        if isinstance(value, float) and value - value == 0:  # neither NaN nor infinite
            return Decimal(str(value))
        self.problem(_line(node), path, message)
        return None

    def read_percent(self, node: Node, path: str) -> Decimal | None:
        """Read a number from 0 to 100."""
        message = "must be a number from 0 to 100"
        number = self.read_number(node, path, message)
        if number is not None and not 0 <= number <= 100:
            self.problem(_line(node), path, message)
            return None
        return number

    def read_value(self, node: Node, path: str) -> Decimal | None:
        """Read a raw criterion value (band start, minimum, maximum).

        It must fit what is stored: less than 10^12 in size, at most 2 decimal places.
        """
        number = self.read_number(node, path, "must be a number")
        if number is None:
            return None
        exponent = number.normalize().as_tuple().exponent
        if isinstance(exponent, int) and exponent < -VALUE_PLACES:
            self.problem(_line(node), path, f"must have at most {VALUE_PLACES} decimal places")
            return None
        if abs(number) >= VALUE_LIMIT:
            self.problem(_line(node), path, "must be less than 1,000,000,000,000")
            return None
        return number

    # -- the catalogue ---------------------------------------------------------------

    def catalog(self, node: Node, checksum: str) -> Catalog | None:
        """Read the whole document."""
        if not isinstance(node, MappingNode):
            self.problem(
                _line(node),
                "",
                "the catalogue must be a mapping of keys (key, version, title, rules, "
                f"categories), not {_describe(node)}",
            )
            return None
        values = self.read_mapping(
            node, "", required=("key", "version", "title", "categories"), optional=("rules",)
        )
        if values is None:
            return None
        key = version = title = categories = None
        if "key" in values:
            key = self.read_word(
                values["key"],
                "key",
                KEY_PATTERN,
                "must be a lowercase name of letters a-z, digits and hyphens, "
                f"at most {MAX_KEY_LENGTH} characters",
                MAX_KEY_LENGTH,
            )
        if "version" in values:
            version = self.read_word(
                values["version"],
                "version",
                VERSION_PATTERN,
                'must be made of letters, digits, ".", "_" and "-", '
                f"at most {MAX_VERSION_LENGTH} characters",
                MAX_VERSION_LENGTH,
            )
        if "title" in values:
            title = self.read_text(values["title"], "title", MAX_TITLE_LENGTH)
        rules = self.rules(values["rules"]) if "rules" in values else Rules()
        if "categories" in values:
            categories = self.categories(values["categories"])
        if _missing(key, version, title, rules, categories):
            return None
        return Catalog(
            key=key,
            version=version,
            title=title,
            rules=rules,
            categories=tuple(categories),
            source=self.source,
            checksum=checksum,
        )

    def rules(self, node: Node) -> Rules | None:
        """Read the ``rules`` block; keys left out keep the :class:`Rules` defaults."""
        percents = ("overall_minimum", "category_minimum", "na_warning_percent")
        integers = {
            "knockout_minimum": (0, MAX_POINTS),
            "condition_deadline_months": (1, 24),
            "validity_years": (1, 10),
        }
        values = self.read_mapping(node, "rules", optional=(*percents, *integers, "report_bands"))
        if values is None:
            return None
        settings: dict[str, object] = {}
        for name in percents:
            if name in values:
                settings[name] = self.read_percent(values[name], f"rules.{name}")
        for name, (low, high) in integers.items():
            if name in values:
                message = f"must be a whole number from {low} to {high}"
                settings[name] = self.read_int(values[name], f"rules.{name}", low, high, message)
        if "report_bands" in values:
            settings["report_bands"] = self.report_bands(values["report_bands"])
        if _missing(*settings.values()):
            return None
        return Rules(**settings)  # type: ignore[arg-type]

    def report_bands(self, node: Node) -> tuple[ReportBand, ...] | None:
        """Read ``rules.report_bands``: minimums strictly decreasing; may be empty."""
        path = "rules.report_bands"
        bands = self.read_list(node, path, self.report_band)
        if bands is None:
            return None
        ordered = True
        for index in range(1, len(bands)):
            before, band = bands[index - 1], bands[index]
            if band.minimum >= before.minimum:
                self.problem(
                    _line(_value_node(node.value[index], "minimum")),
                    f"{path}[{index}].minimum",
                    f"report bands must decrease: minimum {band.minimum} "
                    f"is not below {before.minimum}",
                )
                ordered = False
        return tuple(bands) if ordered else None

    def report_band(self, node: Node, path: str) -> ReportBand | None:
        values = self.read_mapping(node, path, required=("minimum", "label"))
        if values is None:
            return None
        minimum = label = None
        if "minimum" in values:
            minimum = self.read_percent(values["minimum"], f"{path}.minimum")
        if "label" in values:
            label = self.read_text(values["label"], f"{path}.label", MAX_TITLE_LENGTH)
        if minimum is None or label is None:
            return None
        return ReportBand(minimum, label)

    def categories(self, node: Node) -> list[Category] | None:
        """Read ``categories``: unique codes and weights that sum to exactly 100."""
        categories = self.read_list(
            node, "categories", self.category, "must contain at least one category"
        )
        weights = self.category_weights
        if weights and not _missing(*weights):
            total = sum(weights)  # type: ignore[arg-type]  # no None left
            if total != 100:
                message = f"category weights sum to {total}, must be 100"
                self.problem(_line(node), "categories", message)
                return None
        return categories

    def category(self, node: Node, path: str) -> Category | None:
        values = self.read_mapping(node, path, required=("code", "title", "weight", "criteria"))
        if values is None:
            self.category_weights.append(None)
            return None
        code = unique_code = title = weight = criteria = None
        if "code" in values:
            code = self.read_word(
                values["code"], f"{path}.code", CATEGORY_CODE_PATTERN, "must be 1 to 3 letters A-Z"
            )
        if code is not None:
            unique_code = self.unique(
                code, values["code"], f"{path}.code", "category", self.category_lines
            )
        if "title" in values:
            title = self.read_text(values["title"], f"{path}.title", MAX_TITLE_LENGTH)
        if "weight" in values:
            weight = self.read_int(
                values["weight"], f"{path}.weight", 1, 100, "must be a whole number from 1 to 100"
            )
        self.category_weights.append(weight)
        if "criteria" in values:
            criteria = self.read_list(
                values["criteria"],
                f"{path}.criteria",
                lambda item, item_path: self.criterion(item, item_path, code),
                "must contain at least one criterion",
            )
        if _missing(unique_code, title, weight, criteria):
            return None
        return Category(code=unique_code, title=title, weight=weight, criteria=tuple(criteria))

    def unique(
        self, code: str, node: Node, path: str, kind: str, first_lines: dict[str, int]
    ) -> str | None:
        """Record ``code`` as used; a second use is a problem naming the first line."""
        if code in first_lines:
            message = f'duplicate {kind} code "{code}" (first at line {first_lines[code]})'
            self.problem(_line(node), path, message)
            return None
        first_lines[code] = _line(node)
        return code

    def criterion(self, node: Node, path: str, category_code: str | None) -> Criterion | None:
        """Read one criterion, including the number-only keys and their bands."""
        values = self.read_mapping(
            node,
            path,
            required=("code", "title", "guidance", "evidence", "type", "weight"),
            optional=("knockout", "na_allowed", "unit", "minimum", "maximum", "bands"),
        )
        if values is None:
            return None
        parts: dict[str, object] = {}
        if "code" in values:
            parts["code"] = self.criterion_code(values["code"], f"{path}.code", category_code)
        if "title" in values:
            parts["title"] = self.read_text(
                values["title"], f"{path}.title", MAX_CRITERION_TITLE_LENGTH
            )
        for name in ("guidance", "evidence"):
            if name in values:
                parts[name] = self.read_text(values[name], f"{path}.{name}")
        scoring_type = None
        if "type" in values:
            raw = _scalar_value(values["type"])
            if isinstance(raw, str) and raw in {t.value for t in ScoringType}:
                scoring_type = ScoringType(raw)
            else:
                self.problem(_line(values["type"]), f"{path}.type", TYPE_MESSAGE)
            parts["type"] = scoring_type
        if "weight" in values:
            parts["weight"] = self.read_int(
                values["weight"], f"{path}.weight", 1, 3, "must be 1, 2 or 3"
            )
        for name in ("knockout", "na_allowed"):
            if name in values:
                parts[name] = self.read_bool(values[name], f"{path}.{name}")
        if parts.get("knockout") and parts.get("na_allowed"):
            self.problem(
                _line(values["na_allowed"]),
                f"{path}.na_allowed",
                "a knock-out criterion cannot allow N/A",
            )
            parts["na_allowed"] = None
        if scoring_type is ScoringType.NUMBER:
            parts.update(self.number_settings(node, values, path))
        elif scoring_type is not None:
            for name in ("unit", "minimum", "maximum", "bands"):
                if name in values:
                    self.problem(
                        _line(values[name]),
                        f"{path}.{name}",
                        f'only allowed for criteria of type "{ScoringType.NUMBER.value}"',
                    )
                    parts[name] = None
        complete = all(
            key in parts for key in ("code", "title", "guidance", "evidence", "type", "weight")
        )
        if not complete or _missing(*parts.values()):
            return None
        return Criterion(**parts)  # type: ignore[arg-type]

    def criterion_code(self, node: Node, path: str, category_code: str | None) -> str | None:
        """Read a criterion code: its letters are its category's code, and it is unique."""
        code = self.read_word(
            node,
            path,
            CRITERION_CODE_PATTERN,
            'must be 1 to 3 letters A-Z followed by 1 to 3 digits, e.g. "B3"',
        )
        if code is None:
            return None
        match = CRITERION_CODE_PATTERN.fullmatch(code)  # matches: read_word checked it
        if category_code is not None and match and match.group("letters") != category_code:
            message = f'must start with its category code "{category_code}" followed by digits'
            self.problem(_line(node), path, message)
            return None
        return self.unique(code, node, path, "criterion", self.criterion_lines)

    def number_settings(self, node: Node, values: dict[str, Node], path: str) -> dict[str, object]:
        """Read bands, unit, minimum and maximum of a criterion of type ``number``."""
        parts: dict[str, object] = {}
        if "unit" in values:
            parts["unit"] = self.read_string(
                values["unit"], f"{path}.unit", "the unit", MAX_UNIT_LENGTH
            )
        bands = None
        if "bands" in values:
            bands = self.bands(values["bands"], f"{path}.bands")
        else:
            self.problem(_line(node), path, 'missing required key "bands" (for type "number")')
        parts["bands"] = bands
        if "minimum" in values:
            minimum = self.read_value(values["minimum"], f"{path}.minimum")
            if minimum is not None and bands and minimum != bands[0].start:
                self.problem(
                    _line(values["minimum"]),
                    f"{path}.minimum",
                    f"must equal the first band's start, {bands[0].start}",
                )
                minimum = None
            parts["minimum"] = minimum
        if "maximum" in values:
            maximum = self.read_value(values["maximum"], f"{path}.maximum")
            if maximum is not None and bands and maximum <= bands[-1].start:
                self.problem(
                    _line(values["maximum"]),
                    f"{path}.maximum",
                    f"must be above the last band's start, {bands[-1].start}",
                )
                maximum = None
            parts["maximum"] = maximum
        return parts

    def bands(self, node: Node, path: str) -> tuple[Band, ...] | None:
        """Read at least two bands whose starts and points both strictly increase."""
        bands = self.read_list(node, path, self.band, "must have at least 2 bands")
        if bands is None:
            return None
        if len(bands) < 2:
            self.problem(_line(node), path, "must have at least 2 bands")
            return None
        increasing = True
        for index in range(1, len(bands)):
            before, band = bands[index - 1], bands[index]
            if band.start <= before.start:
                self.problem(
                    _line(_value_node(node.value[index], "start")),
                    f"{path}[{index}].start",
                    f"bands must increase: start {band.start} is not above {before.start}",
                )
                increasing = False
            if band.points <= before.points:
                self.problem(
                    _line(_value_node(node.value[index], "points")),
                    f"{path}[{index}].points",
                    f"band points must increase: {band.points} is not above {before.points}",
                )
                increasing = False
        return tuple(bands) if increasing else None

    def band(self, node: Node, path: str) -> Band | None:
        values = self.read_mapping(node, path, required=("start", "points"))
        if values is None:
            return None
        start = points = None
        if "start" in values:
            start = self.read_value(values["start"], f"{path}.start")
        if "points" in values:
            points = self.read_int(
                values["points"], f"{path}.points", 0, MAX_POINTS, "must be 0, 1, 2 or 3"
            )
        if start is None or points is None:
            return None
        return Band(start, points)
