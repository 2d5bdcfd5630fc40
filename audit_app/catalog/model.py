"""Frozen dataclasses that describe a criteria catalogue.

Pure code: imports neither Flask nor SQLAlchemy. A :class:`Catalog` is built by
:func:`audit_app.catalog.loader.load_catalog` from a YAML file (or from the
database rows that were imported from one) and is never mutated afterwards.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .questionnaire import Questionnaire

LANGUAGES = ("de", "en")


@dataclass(frozen=True)
class Text:
    """A text in German and English; ``get`` falls back to German."""

    de: str
    en: str

    def get(self, lang: str | None) -> str:
        """Return the text in ``lang`` ("de" or "en"); anything else gives German."""
        return self.en if lang == "en" else self.de


class ScoringType(StrEnum):
    SCALE = "scale"  # 0..3, each level labelled
    YESNO = "yesno"  # yes = 3, no = 0
    NUMBER = "number"  # a raw value, banded into points


#: Labels of the points of a ``scale`` criterion (and of points in general).
SCALE_LABELS: dict[int, Text] = {
    0: Text("nicht vorhanden", "absent"),
    1: Text("ansatzweise", "partial"),
    2: Text("umgesetzt", "implemented"),
    3: Text("vorbildlich", "exemplary"),
}
YESNO_LABELS: dict[int, Text] = {3: Text("ja", "yes"), 0: Text("nein", "no")}
MAX_POINTS = 3


@dataclass(frozen=True)
class Band:
    """Values from ``start`` (inclusive) up to the next band's start earn ``points``."""

    start: Decimal
    points: int


@dataclass(frozen=True)
class Criterion:
    code: str
    title: Text
    guidance: Text
    evidence: Text
    type: ScoringType
    weight: int  # 1, 2 or 3
    knockout: bool = False
    na_allowed: bool = False
    bands: tuple[Band, ...] = ()  # only for NUMBER, strictly increasing
    unit: str | None = None  # only for NUMBER, e.g. "m²" or "%"
    minimum: Decimal | None = None  # only for NUMBER: smallest valid raw value
    maximum: Decimal | None = None  # only for NUMBER: largest valid raw value

    @property
    def allowed_points(self) -> tuple[int, ...]:
        """Points an auditor may give directly (for NUMBER: the points of the bands)."""
        if self.type is ScoringType.YESNO:
            return (0, 3)
        if self.type is ScoringType.NUMBER:
            return tuple(b.points for b in self.bands)
        return (0, 1, 2, 3)

    def value_in_range(self, value: Decimal) -> bool:
        """True when a raw value lies inside [minimum, maximum] (bounds that are set)."""
        lo = self.minimum if self.minimum is not None else self.bands[0].start
        if value < lo:
            return False
        return self.maximum is None or value <= self.maximum

    def points_for_value(self, value: Decimal) -> int:
        """Band a raw value into points: the points of the last band whose start <= value.

        A value below the first band earns 0 points (the loader requires the first band
        to start at the criterion's minimum, so valid input never lands there).
        """
        points = 0
        for band in self.bands:
            if value >= band.start:
                points = band.points
            else:
                break
        return points


@dataclass(frozen=True)
class Category:
    code: str
    title: Text
    weight: int  # the category weights of a catalogue sum to 100
    criteria: tuple[Criterion, ...]


@dataclass(frozen=True)
class ReportBand:
    """An overall percent from ``minimum`` (inclusive) earns this report band."""

    minimum: Decimal
    label: Text


@dataclass(frozen=True)
class Rules:
    """The thresholds and settings of a catalogue; all percents are 0-100."""

    overall_minimum: Decimal = Decimal(65)
    category_minimum: Decimal = Decimal(50)
    knockout_minimum: int = 2
    na_warning_percent: Decimal = Decimal(25)
    condition_deadline_months: int = 3
    validity_years: int = 5
    report_bands: tuple[ReportBand, ...] = (
        ReportBand(Decimal(85), Text("hervorragend", "excellent")),
        ReportBand(Decimal(75), Text("sehr gut", "very good")),
        ReportBand(Decimal(65), Text("erfüllt", "met")),
    )


class LineageKind(StrEnum):
    """How a criterion of a newer catalogue version relates to the older version's criteria."""

    UNCHANGED = "unchanged"  # the same code in both versions, not mapped otherwise
    RENAMED = "renamed"  # one older criterion under a new code
    SPLIT = "split"  # one older criterion became several; this is one of them
    MERGED = "merged"  # several older criteria became this one
    NEW = "new"  # no predecessor


@dataclass(frozen=True)
class CodeRef:
    """A criterion code as written in a catalogue file, with where it was written."""

    code: str
    line: int | None = field(default=None, compare=False)
    path: str = field(default="", compare=False)


@dataclass(frozen=True)
class MappingEntry:
    """One line of a predecessor mapping: ``renamed``, ``split`` or ``merged``.

    ``sources`` are codes of the older version, ``targets`` codes of this one: renamed has
    one of each, split one source and several targets, merged several sources and one target.
    """

    kind: LineageKind
    sources: tuple[CodeRef, ...]
    targets: tuple[CodeRef, ...]


@dataclass(frozen=True)
class Predecessor:
    """The ``predecessor`` block of a catalogue: which older version of the same key it
    continues and how its criteria map onto that version's (see criteria/README.md).

    Codes in both versions that no entry names are the same criterion (``unchanged``).
    ``places`` holds the line and path of each criterion of this catalogue, for messages.
    """

    version: str
    entries: tuple[MappingEntry, ...] = ()
    new: tuple[CodeRef, ...] = ()
    removed: tuple[CodeRef, ...] = ()
    line: int | None = field(default=None, compare=False)
    places: dict[str, tuple[int, str]] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class Catalog:
    key: str
    version: str
    title: Text
    rules: Rules
    categories: tuple[Category, ...]
    source: str = ""  # the file it was loaded from, for messages
    checksum: str = ""  # SHA-256 (hex) of the source file's bytes
    #: The centre's questionnaire and required documents (:mod:`.questionnaire`; may be empty).
    questionnaire: Questionnaire = field(default_factory=lambda: _empty_questionnaire())
    #: The older version this one continues, with the criteria mapping (None: none named).
    predecessor: Predecessor | None = None
    _by_code: dict[str, Criterion] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._by_code.update({c.code: c for cat in self.categories for c in cat.criteria})

    @property
    def criteria(self) -> Iterator[Criterion]:
        """Every criterion in catalogue order."""
        for cat in self.categories:
            yield from cat.criteria

    def criterion(self, code: str) -> Criterion:
        """The criterion with ``code``; KeyError when there is none."""
        return self._by_code[code]

    def has_criterion(self, code: str) -> bool:
        return code in self._by_code

    @property
    def criteria_count(self) -> int:
        return len(self._by_code)


def _empty_questionnaire() -> Questionnaire:
    from .questionnaire import EMPTY  # the questionnaire's module builds on this one

    return EMPTY


@dataclass(frozen=True)
class Problem:
    """One error found in a catalogue file, printed as ``file:line: path: message``."""

    file: str
    line: int | None
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


class CatalogError(Exception):
    """Raised by the loader with *every* problem found in a file (never only the first)."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))
