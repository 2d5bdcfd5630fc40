"""Importing catalogue files into the database and turning rows back into pure catalogues."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from ..catalog import (
    Band,
    Catalog,
    CatalogError,
    Category,
    Criterion,
    ReportBand,
    Rules,
    ScoringType,
    Text,
    load_catalog,
)
from ..extensions import db
from ..catalog.questionnaire import Questionnaire
from ..models import (
    CatalogCategory,
    CatalogCriterion,
    CatalogQuestionnaire,
    CatalogStatus,
    CatalogVersion,
    EventAction,
)
from . import events


class CatalogImportError(ValueError):
    """A catalogue cannot be imported; the message says why."""


class PredecessorMissing(CatalogImportError):
    """The catalogue continues an older version that is not imported yet."""

    def __init__(self, message: str, version: str):
        super().__init__(message)
        self.version = version


@dataclass(frozen=True)
class ImportResult:
    catalog: CatalogVersion
    created: bool  # False when the same file was imported before (idempotent)


def rules_to_json(rules: Rules) -> dict:
    return {
        "overall_minimum": str(rules.overall_minimum),
        "category_minimum": str(rules.category_minimum),
        "knockout_minimum": rules.knockout_minimum,
        "na_warning_percent": str(rules.na_warning_percent),
        "condition_deadline_months": rules.condition_deadline_months,
        "validity_years": rules.validity_years,
        "report_bands": [
            {"minimum": str(b.minimum), "label": {"de": b.label.de, "en": b.label.en}}
            for b in rules.report_bands
        ],
    }


def rules_from_json(data: dict) -> Rules:
    return Rules(
        overall_minimum=Decimal(data["overall_minimum"]),
        category_minimum=Decimal(data["category_minimum"]),
        knockout_minimum=int(data["knockout_minimum"]),
        na_warning_percent=Decimal(data["na_warning_percent"]),
        condition_deadline_months=int(data["condition_deadline_months"]),
        validity_years=int(data["validity_years"]),
        report_bands=tuple(
            ReportBand(Decimal(b["minimum"]), Text(b["label"]["de"], b["label"]["en"]))
            for b in data["report_bands"]
        ),
    )


def import_catalog(
    catalog: Catalog, *, actor=None, activate: bool = False
) -> ImportResult:
    """Store a loaded catalogue as a new version; the same file again is a no-op.

    ``activate`` makes a *newly imported* version active; an existing version keeps its
    status (so re-running ``init`` never revives a retired version). A different file under
    an existing key and version is refused: a catalogue version may already be used by
    audits, so a change needs a new version. A catalogue naming a predecessor needs that
    older version stored already; its mapping is checked against it (CatalogError with
    every problem) and stored resolved (``CatalogVersion.predecessor``).
    """
    existing = db.session.scalar(
        sa.select(CatalogVersion).where(
            CatalogVersion.key == catalog.key, CatalogVersion.version == catalog.version
        )
    )
    if existing is not None:
        if existing.checksum != catalog.checksum:
            raise CatalogImportError(
                f"catalogue {catalog.key} version {catalog.version} exists already with "
                f"different content; give the changed file a new version"
            )
        return ImportResult(existing, created=False)
    predecessor = _resolved_predecessor(catalog)

    row = CatalogVersion(
        key=catalog.key,
        version=catalog.version,
        title_de=catalog.title.de,
        title_en=catalog.title.en,
        checksum=catalog.checksum,
        source_name=Path(catalog.source).name if catalog.source else "",
        rules=rules_to_json(catalog.rules),
        predecessor=predecessor,
        status=CatalogStatus.DRAFT,
    )
    db.session.add(row)
    db.session.flush()  # the criteria carry the catalogue's id as well as their category's
    position = 0
    for cat_pos, cat in enumerate(catalog.categories):
        cat_row = CatalogCategory(
            position=cat_pos,
            code=cat.code,
            title_de=cat.title.de,
            title_en=cat.title.en,
            weight=cat.weight,
        )
        for crit in cat.criteria:
            cat_row.criteria.append(
                CatalogCriterion(
                    catalog_id=row.id,
                    position=position,
                    code=crit.code,
                    title_de=crit.title.de,
                    title_en=crit.title.en,
                    guidance_de=crit.guidance.de,
                    guidance_en=crit.guidance.en,
                    evidence_de=crit.evidence.de,
                    evidence_en=crit.evidence.en,
                    scoring_type=crit.type,
                    weight=crit.weight,
                    knockout=crit.knockout,
                    na_allowed=crit.na_allowed,
                    bands=[{"start": str(b.start), "points": b.points} for b in crit.bands],
                    unit=crit.unit,
                    minimum=crit.minimum,
                    maximum=crit.maximum,
                )
            )
            position += 1
        row.categories.append(cat_row)
    if not catalog.questionnaire.empty:
        db.session.add(CatalogQuestionnaire(catalog_id=row.id,
                                            content=catalog.questionnaire.to_json()))
    db.session.flush()
    events.record(
        EventAction.CATALOG_IMPORTED,
        actor=actor,
        subject_type="catalog",
        subject_id=row.id,
        new={"key": row.key, "version": row.version, "checksum": row.checksum},
    )
    if activate:
        set_status(row, CatalogStatus.ACTIVE, actor=actor)
    return ImportResult(row, created=True)


def _resolved_predecessor(catalog: Catalog) -> dict | None:
    """The checked mapping of ``catalog`` onto its stored predecessor, as stored JSON."""
    from ..catalog.lineage import check_predecessor, sources

    if catalog.predecessor is None:
        return None
    version = catalog.predecessor.version
    older_row = db.session.scalar(sa.select(CatalogVersion).where(
        CatalogVersion.key == catalog.key, CatalogVersion.version == version))
    if older_row is None:
        raise PredecessorMissing(
            f"catalogue {catalog.key} version {catalog.version} continues version {version}, "
            f"which is not imported yet; import {catalog.key} {version} first", version)
    older = domain_catalog(older_row.id, checksum=older_row.checksum)
    problems = check_predecessor(catalog, older)
    if problems:
        raise CatalogError(problems)
    return {"version": version,
            "sources": {code: list(olds) for code, olds in sources(catalog, older).items()}}


def import_file(path: str | Path, *, actor=None, activate: bool = False) -> ImportResult:
    """Load, validate and import one catalogue file (raises CatalogError on a bad file)."""
    return import_catalog(load_catalog(path), actor=actor, activate=activate)


def set_status(row: CatalogVersion, status: CatalogStatus, *, actor=None) -> None:
    """Change a catalogue version's status (draft / active / retired) and log it."""
    if row.status is status:
        return
    old = row.status
    row.status = status
    events.record(
        EventAction.CATALOG_STATUS,
        actor=actor,
        subject_type="catalog",
        subject_id=row.id,
        old=old.value,
        new=status.value,
    )


def get_catalog(catalog_id: int) -> CatalogVersion | None:
    return db.session.get(CatalogVersion, catalog_id)


def _catalogs_query() -> sa.Select:
    return sa.select(CatalogVersion).order_by(CatalogVersion.key, CatalogVersion.version)


def list_catalogs() -> list[CatalogVersion]:
    return list(db.session.scalars(_catalogs_query()))


def catalog_page(page: int, per_page: int):
    """One page of :func:`list_catalogs`, sliced in SQL (an empty page past the end)."""
    from .paging import page_of

    return page_of(_catalogs_query(), page, per_page, clamp=False)


def active_catalogs() -> list[CatalogVersion]:
    return list(
        db.session.scalars(
            sa.select(CatalogVersion)
            .where(CatalogVersion.status == CatalogStatus.ACTIVE)
            .order_by(CatalogVersion.key, CatalogVersion.version.desc())
        )
    )


def domain_catalog(catalog_id: int, *, checksum: str | None = None) -> Catalog:
    """The pure :class:`Catalog` of a stored version (cached: stored versions never change).

    The cache key includes the checksum, so a database that was rebuilt with other
    content under the same id is never served stale data. Pass ``checksum`` when the
    catalogue row is at hand to save the look-up.
    """
    if checksum is None:
        checksum = db.session.scalar(
            sa.select(CatalogVersion.checksum).where(CatalogVersion.id == catalog_id)
        )
    if checksum is None:
        raise LookupError(f"no catalogue with id {catalog_id}")
    return _domain_catalog_cached(_engine_key(), catalog_id, checksum)


def domain_catalogs(catalog_ids) -> dict[int, Catalog]:
    """Pure catalogues for several stored versions with one query (cached like the above)."""
    ids = set(catalog_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        sa.select(CatalogVersion.id, CatalogVersion.checksum).where(CatalogVersion.id.in_(ids))
    ).all()
    key = _engine_key()
    return {cid: _domain_catalog_cached(key, cid, checksum) for cid, checksum in rows}


def _engine_key() -> str:
    return str(db.engine.url)


@lru_cache(maxsize=32)
def _domain_catalog_cached(engine_key: str, catalog_id: int, checksum: str) -> Catalog:
    row = db.session.scalar(
        sa.select(CatalogVersion)
        .where(CatalogVersion.id == catalog_id)
        .options(selectinload(CatalogVersion.categories).selectinload(CatalogCategory.criteria))
    )
    return to_domain(row)


def to_domain(row: CatalogVersion) -> Catalog:
    """Convert stored rows into the pure frozen dataclasses the scoring engine takes (with
    the version's questionnaire: one more query)."""
    stored = db.session.scalar(sa.select(CatalogQuestionnaire.content)
                               .where(CatalogQuestionnaire.catalog_id == row.id))
    return Catalog(
        questionnaire=Questionnaire.from_json(stored),
        key=row.key,
        version=row.version,
        title=Text(row.title_de, row.title_en),
        rules=rules_from_json(row.rules),
        source=row.source_name,
        checksum=row.checksum,
        categories=tuple(
            Category(
                code=cat.code,
                title=Text(cat.title_de, cat.title_en),
                weight=cat.weight,
                criteria=tuple(
                    Criterion(
                        code=c.code,
                        title=Text(c.title_de, c.title_en),
                        guidance=Text(c.guidance_de, c.guidance_en),
                        evidence=Text(c.evidence_de, c.evidence_en),
                        type=ScoringType(c.scoring_type),
                        weight=c.weight,
                        knockout=c.knockout,
                        na_allowed=c.na_allowed,
                        bands=tuple(Band(Decimal(b["start"]), int(b["points"])) for b in c.bands),
                        unit=c.unit,
                        minimum=c.minimum,
                        maximum=c.maximum,
                    )
                    for c in cat.criteria
                ),
            )
            for cat in row.categories
        ),
    )


def versions_with_counts() -> list[tuple[CatalogVersion, int]]:
    """Every stored version with its number of criteria, newest first per key (one query)."""
    counts = (
        sa.select(CatalogCriterion.catalog_id, sa.func.count().label("n"))
        .group_by(CatalogCriterion.catalog_id)
        .subquery()
    )
    return [(row, count) for row, count in db.session.execute(
        sa.select(CatalogVersion, sa.func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.catalog_id == CatalogVersion.id)
        .order_by(CatalogVersion.key, CatalogVersion.imported_at.desc(), CatalogVersion.id.desc())
    ).all()]
