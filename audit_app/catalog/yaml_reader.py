"""A line-tracking YAML reader: node tree in, plain values out, every problem with its line.

Pure code: imports the standard library, PyYAML and :class:`.model.Problem` only. It knows
nothing about catalogues; :mod:`.loader` reads the catalogue schema with it.

The YAML text is *composed* into a node tree (PyYAML never constructs Python objects
from it) and the tree is walked by hand. That way every value keeps its line number for
messages, duplicate keys are caught (YAML itself silently keeps the last one), aliases are
refused, and no YAML feature can build an object nobody asked for. A :class:`YamlReader`
collects every problem it finds instead of stopping at the first, so an author sees all
mistakes of a file at once.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import TypeVar

import yaml
from yaml.composer import Composer, ComposerError
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .model import Problem

__all__ = [
    "MAP_TAG", "SEQ_TAG", "YamlReader", "any_missing", "describe", "node_line",
    "scalar_value", "value_node",
]

T = TypeVar("T")

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


def node_line(node: Node) -> int:
    """The 1-based line where ``node`` starts."""
    return node.start_mark.line + 1


def describe(node: Node) -> str:
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


def any_missing(*values: object) -> bool:
    """True when any of ``values`` is None, i.e. a part could not be read."""
    return any(value is None for value in values)


def value_node(mapping: Node, key: str) -> Node:
    """The value node of ``key`` in a mapping node that was read already (else the mapping)."""
    if isinstance(mapping, MappingNode):
        for key_node, value_node in mapping.value:
            if isinstance(key_node, ScalarNode) and key_node.value == key:
                return value_node
    return mapping


def scalar_value(node: Node) -> object:
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


class YamlReader:
    """Walks a composed node tree, reading values and collecting problems.

    Each ``read_*`` method returns what it read, or ``None`` after recording at least one
    problem, so a caller builds its objects only when all their parts came back.
    """

    #: The problem recorded for an empty document.
    empty_message = "the file is empty"

    def __init__(self, source: str):
        self.source = source
        self.problems: list[Problem] = []

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
            self.problem(None, "", self.empty_message)
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
            self.problem(node_line(node), path, f"must be {expected}, not {describe(node)}")
            return None
        required = tuple(required)
        known = required + tuple(optional)
        values: dict[str, Node] = {}
        first_lines: dict[str, int] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                self.problem(node_line(key_node), path, "keys must be plain names")
                continue
            key = key_node.value
            if key in first_lines:
                message = f'duplicate key "{key}" (first at line {first_lines[key]})'
                self.problem(node_line(key_node), path, message)
                continue
            first_lines[key] = node_line(key_node)
            if key not in known:
                message = f'unknown key "{key}"'
                close = difflib.get_close_matches(key, known, n=1)
                if close:
                    message += f' (did you mean "{close[0]}"?)'
                self.problem(node_line(key_node), path, message)
                continue
            values[key] = value_node
        for key in required:
            if key not in values:
                self.problem(node_line(node), path, f'missing required key "{key}"')
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
            self.problem(node_line(node), path, f"must be a list, not {describe(node)}")
            return None
        if not node.value and empty_message is not None:
            self.problem(node_line(node), path, empty_message)
            return None
        items = [read_item(child, f"{path}[{index}]") for index, child in enumerate(node.value)]
        if any_missing(*items):
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
        self.problem(node_line(node), path, message)
        return None

    def read_string(
        self, node: Node, path: str, what: str, max_length: int | None = None
    ) -> str | None:
        """Read non-empty text, stripped of surrounding whitespace; ``what`` names it."""
        value = scalar_value(node)
        if not isinstance(value, str):
            message = f"{what} must be text, not {describe(node)}"
            if isinstance(node, ScalarNode) and value is not None:
                message += " (put it in quotes)"
            self.problem(node_line(node), path, message)
            return None
        value = value.strip()
        if not value:
            self.problem(node_line(node), path, f"{what} is empty")
            return None
        if max_length is not None and len(value) > max_length:
            message = f"{what} is too long: {len(value)} characters, at most {max_length}"
            self.problem(node_line(node), path, message)
            return None
        return value

    def read_bool(self, node: Node, path: str) -> bool | None:
        value = scalar_value(node)
        if isinstance(value, bool):
            return value
        self.problem(node_line(node), path, "must be true or false")
        return None

    def read_int(self, node: Node, path: str, low: int, high: int, message: str) -> int | None:
        """Read a YAML integer from ``low`` to ``high``; booleans, floats and text are refused."""
        value = scalar_value(node)
        if isinstance(value, int) and not isinstance(value, bool) and low <= value <= high:
            return value
        self.problem(node_line(node), path, message)
        return None

    def read_number(self, node: Node, path: str, message: str) -> Decimal | None:
        """Read a finite YAML int or float as a Decimal (floats via ``Decimal(str(value))``).

        Booleans, quoted numbers, NaN and infinities are refused with ``message``.
        """
        value = scalar_value(node)
        if isinstance(value, int) and not isinstance(value, bool):
            return Decimal(value)
        if isinstance(value, float) and value - value == 0:  # neither NaN nor infinite
            return Decimal(str(value))
        self.problem(node_line(node), path, message)
        return None
