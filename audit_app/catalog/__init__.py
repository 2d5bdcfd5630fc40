"""Criteria catalogues: pure data and the YAML loader (no Flask, no SQLAlchemy)."""
from .loader import load_catalog, parse_catalog  # noqa: F401
from .model import (  # noqa: F401
    LANGUAGES,
    MAX_POINTS,
    SCALE_LABELS,
    YESNO_LABELS,
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
