"""Scoring: a catalogue plus an audit's assessments give percents, findings and an outcome.

Pure code (standard library and :mod:`audit_app.catalog.model`; never Flask or SQLAlchemy).
:func:`score` is the entry point; :func:`format_percent` and :func:`percent_1dp` are the
display helpers every page, report and reason uses, so a percent looks the same everywhere.
"""

from .engine import (
    MAJOR_ZERO_WEIGHT,
    Answer,
    CategoryResult,
    CriterionResult,
    KnockoutResult,
    Outcome,
    ScoreResult,
    Source,
    score,
)
from .reasons import (
    NO_VALUE,
    SEVERITY_ORDER,
    Finding,
    FindingKind,
    ManualFinding,
    Params,
    Reason,
    ReasonCode,
    Severity,
    format_percent,
    format_threshold,
    percent_1dp,
)

__all__ = [
    "MAJOR_ZERO_WEIGHT",
    "NO_VALUE",
    "SEVERITY_ORDER",
    "Answer",
    "CategoryResult",
    "CriterionResult",
    "Finding",
    "FindingKind",
    "KnockoutResult",
    "ManualFinding",
    "Outcome",
    "Params",
    "Reason",
    "ReasonCode",
    "ScoreResult",
    "Severity",
    "Source",
    "format_percent",
    "format_threshold",
    "percent_1dp",
    "score",
]
