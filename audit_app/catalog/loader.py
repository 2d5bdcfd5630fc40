"""Read a criteria catalogue from YAML into the frozen dataclasses of :mod:`.model`.

Pure code: imports the standard library, :mod:`.yaml_reader` and :mod:`.model` only.

This module is the catalogue *schema*: which keys a catalogue, its rules, categories,
criteria and bands have, and what each value must be. Reading YAML itself (a node tree
with line numbers, duplicate keys and aliases refused, problems collected rather than
raised one at a time) is :mod:`.yaml_reader`'s job. The reader collects every problem it
finds and :func:`parse_catalog` raises one :class:`CatalogError` at the end, so an author
sees all mistakes of a file at once. Whatever the text, the loader raises nothing but
:class:`CatalogError`.

The file format is documented for catalogue authors in ``criteria/README.md``.
"""

from __future__ import annotations

import hashlib
import os
import re
from decimal import Decimal

from yaml.nodes import MappingNode, Node

from .model import (
    MAX_POINTS,
    Band,
    Catalog,
    CatalogError,
    Category,
    CodeRef,
    Criterion,
    LineageKind,
    MappingEntry,
    Predecessor,
    Problem,
    ReportBand,
    Rules,
    ScoringType,
    Text,
)
from .questionnaire import EMPTY as EMPTY_QUESTIONNAIRE
from .questionnaire_reader import read_questionnaire
from .yaml_reader import (
    YamlReader,
    any_missing,
    describe,
    node_line,
    scalar_value,
    value_node,
)

__all__ = ["load_catalog", "parse_catalog"]

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


class _Reader(YamlReader):
    """Reads the catalogue schema from the node tree, building model objects.

    Each section method returns what it read, or ``None`` after recording at least one
    problem; a model object is built only when all its parts came back.
    """

    empty_message = "the file is empty; expected a catalogue (key, version, ...)"

    def __init__(self, source: str):
        super().__init__(source)
        # First line of each code, for "duplicate ... code (first at line N)".
        self.category_lines: dict[str, int] = {}
        self.criterion_lines: dict[str, int] = {}
        # Line and path of each criterion, for the predecessor mapping's messages.
        self.criterion_places: dict[str, tuple[int, str]] = {}
        # The weight of each category item in turn (None: unreadable), so that the sum
        # is checked even when other parts of some category are wrong.
        self.category_weights: list[int | None] = []

    # -- catalogue values --------------------------------------------------------------

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
                self.problem(node_line(node), path, f"missing {name} text")
                texts[lang] = None
        if texts["de"] is None or texts["en"] is None:
            return None
        return Text(texts["de"], texts["en"])

    def read_percent(self, node: Node, path: str) -> Decimal | None:
        """Read a number from 0 to 100."""
        message = "must be a number from 0 to 100"
        number = self.read_number(node, path, message)
        if number is not None and not 0 <= number <= 100:
            self.problem(node_line(node), path, message)
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
            self.problem(node_line(node), path, f"must have at most {VALUE_PLACES} decimal places")
            return None
        if abs(number) >= VALUE_LIMIT:
            self.problem(node_line(node), path, "must be less than 1,000,000,000,000")
            return None
        return number

    # -- the catalogue ---------------------------------------------------------------

    def catalog(self, node: Node, checksum: str) -> Catalog | None:
        """Read the whole document."""
        if not isinstance(node, MappingNode):
            self.problem(
                node_line(node),
                "",
                "the catalogue must be a mapping of keys (key, version, title, rules, "
                f"categories), not {describe(node)}",
            )
            return None
        values = self.read_mapping(
            node, "", required=("key", "version", "title", "categories"),
            optional=("rules", "questionnaire", "predecessor"),
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
        questionnaire = EMPTY_QUESTIONNAIRE
        if "questionnaire" in values:
            questionnaire = read_questionnaire(self, values["questionnaire"], categories)
        predecessor = None
        if "predecessor" in values:
            predecessor = self.predecessor(values["predecessor"], version,
                                           check_codes=categories is not None)
            if predecessor is None:
                return None
        if any_missing(key, version, title, rules, categories, questionnaire):
            return None
        return Catalog(
            key=key,
            version=version,
            title=title,
            rules=rules,
            categories=tuple(categories),
            source=self.source,
            checksum=checksum,
            questionnaire=questionnaire,
            predecessor=predecessor,
        )

    # -- the predecessor mapping -----------------------------------------------------------

    def predecessor(self, node: Node, own_version: str | None,
                    check_codes: bool = True) -> Predecessor | None:
        """Read the ``predecessor`` block: the older version and how criteria map onto it.

        Only its form is checked here (codes, list shapes, at least two parts of a split or
        merge, every code of this catalogue named in it existing here); whether the codes of
        the older version exist is checked against that version by
        :func:`audit_app.catalog.lineage.check_predecessor`.
        """
        path = "predecessor"
        values = self.read_mapping(node, path, required=("version",),
                                   optional=("renamed", "split", "merged", "new", "removed"))
        if values is None:
            return None
        version = None
        ok = True
        if "version" in values:
            version = self.read_word(
                values["version"], f"{path}.version", VERSION_PATTERN,
                'must be the older version, made of letters, digits, ".", "_" and "-"',
                MAX_VERSION_LENGTH)
            if version is not None and version == own_version:
                self.problem(node_line(values["version"]), f"{path}.version",
                             "must name an older version, not this one")
                version = None
        entries: list[MappingEntry] = []
        shapes = {LineageKind.RENAMED: (False, False), LineageKind.SPLIT: (False, True),
                  LineageKind.MERGED: (True, False)}
        for kind, (many_sources, many_targets) in shapes.items():
            if kind.value not in values:
                continue
            read = self.read_list(
                values[kind.value], f"{path}.{kind.value}",
                lambda item, item_path, kind=kind, ms=many_sources, mt=many_targets:
                    self.mapping_entry(item, item_path, kind, ms, mt))
            if read is None:
                ok = False
            else:
                entries.extend(read)
        lists: dict[str, tuple[CodeRef, ...]] = {}
        for name in ("new", "removed"):
            if name not in values:
                continue
            read = self.read_list(values[name], f"{path}.{name}",
                                  lambda item, item_path: self.code_ref(item, item_path))
            if read is None:
                ok = False
            else:
                lists[name] = tuple(read)
        if version is None or not ok:
            return None
        predecessor = Predecessor(version=version, entries=tuple(entries),
                                  new=lists.get("new", ()), removed=lists.get("removed", ()),
                                  line=node_line(values["version"]),
                                  places=dict(self.criterion_places))
        for ref in [t for e in predecessor.entries for t in e.targets] + list(predecessor.new):
            if check_codes and ref.code not in self.criterion_lines:
                self.problem(ref.line, ref.path,
                             f'unknown criterion "{ref.code}": not in this catalogue')
        return predecessor

    def code_ref(self, node: Node, path: str) -> CodeRef | None:
        """A criterion code in the mapping, with its line and path."""
        code = self.read_word(node, path, CRITERION_CODE_PATTERN,
                              'must be a criterion code, e.g. "B3"')
        return None if code is None else CodeRef(code, node_line(node), path)

    def code_refs(self, node: Node, path: str, many: bool) -> tuple[CodeRef, ...] | None:
        """One code, or (``many``) a list of at least two codes."""
        if not many:
            ref = self.code_ref(node, path)
            return None if ref is None else (ref,)
        refs = self.read_list(node, path, self.code_ref, "must list at least two criteria")
        if refs is None:
            return None
        if len(refs) < 2:
            self.problem(node_line(node), path, "must list at least two criteria")
            return None
        return tuple(refs)

    def mapping_entry(self, node: Node, path: str, kind: LineageKind, many_sources: bool,
                      many_targets: bool) -> MappingEntry | None:
        """One ``{from: ..., to: ...}`` entry of ``renamed``, ``split`` or ``merged``."""
        values = self.read_mapping(node, path, required=("from", "to"),
                                   expected="a mapping {from: ..., to: ...}")
        if values is None:
            return None
        sources = targets = None
        if "from" in values:
            sources = self.code_refs(values["from"], f"{path}.from", many_sources)
        if "to" in values:
            targets = self.code_refs(values["to"], f"{path}.to", many_targets)
        if sources is None or targets is None:
            return None
        return MappingEntry(kind, sources, targets)

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
        if any_missing(*settings.values()):
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
                    node_line(value_node(node.value[index], "minimum")),
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
        if weights and not any_missing(*weights):
            total = sum(weights)  # type: ignore[arg-type]  # no None left
            if total != 100:
                message = f"category weights sum to {total}, must be 100"
                self.problem(node_line(node), "categories", message)
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
        if any_missing(unique_code, title, weight, criteria):
            return None
        return Category(code=unique_code, title=title, weight=weight, criteria=tuple(criteria))

    def unique(
        self, code: str, node: Node, path: str, kind: str, first_lines: dict[str, int]
    ) -> str | None:
        """Record ``code`` as used; a second use is a problem naming the first line."""
        if code in first_lines:
            message = f'duplicate {kind} code "{code}" (first at line {first_lines[code]})'
            self.problem(node_line(node), path, message)
            return None
        first_lines[code] = node_line(node)
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
            if parts["code"] is not None:
                self.criterion_places[parts["code"]] = (node_line(node), path)
        if "title" in values:
            parts["title"] = self.read_text(
                values["title"], f"{path}.title", MAX_CRITERION_TITLE_LENGTH
            )
        for name in ("guidance", "evidence"):
            if name in values:
                parts[name] = self.read_text(values[name], f"{path}.{name}")
        scoring_type = None
        if "type" in values:
            raw = scalar_value(values["type"])
            if isinstance(raw, str) and raw in {t.value for t in ScoringType}:
                scoring_type = ScoringType(raw)
            else:
                self.problem(node_line(values["type"]), f"{path}.type", TYPE_MESSAGE)
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
                node_line(values["na_allowed"]),
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
                        node_line(values[name]),
                        f"{path}.{name}",
                        f'only allowed for criteria of type "{ScoringType.NUMBER.value}"',
                    )
                    parts[name] = None
        complete = all(
            key in parts for key in ("code", "title", "guidance", "evidence", "type", "weight")
        )
        if not complete or any_missing(*parts.values()):
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
            self.problem(node_line(node), path, message)
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
            self.problem(node_line(node), path, 'missing required key "bands" (for type "number")')
        parts["bands"] = bands
        if "minimum" in values:
            minimum = self.read_value(values["minimum"], f"{path}.minimum")
            if minimum is not None and bands and minimum != bands[0].start:
                self.problem(
                    node_line(values["minimum"]),
                    f"{path}.minimum",
                    f"must equal the first band's start, {bands[0].start}",
                )
                minimum = None
            parts["minimum"] = minimum
        if "maximum" in values:
            maximum = self.read_value(values["maximum"], f"{path}.maximum")
            if maximum is not None and bands and maximum <= bands[-1].start:
                self.problem(
                    node_line(values["maximum"]),
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
            self.problem(node_line(node), path, "must have at least 2 bands")
            return None
        increasing = True
        for index in range(1, len(bands)):
            before, band = bands[index - 1], bands[index]
            if band.start <= before.start:
                self.problem(
                    node_line(value_node(node.value[index], "start")),
                    f"{path}[{index}].start",
                    f"bands must increase: start {band.start} is not above {before.start}",
                )
                increasing = False
            if band.points <= before.points:
                self.problem(
                    node_line(value_node(node.value[index], "points")),
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
