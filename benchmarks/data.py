"""Benchmark data: built in a temporary instance, through the services where it matters and
with bulk inserts where only volume matters."""
from __future__ import annotations

import random
from datetime import date
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "bench-passwort-2026"
COMMENT = ("Stichprobe geprüft: Unterlagen vollständig, Gespräche mit Mietern bestätigen die "
           "Angaben; Verbesserungspotenzial bei der Dokumentation der Beratungsfälle. " * 3)[:300]
STATES = ["BW", "BY", "BE", "BB", "HB", "HH", "HE", "MV", "NI", "NW", "RP", "SL", "SN", "ST", "SH", "TH"]


def big_catalog_yaml(criteria_per_category: int, key: str = "gross") -> str:
    """A valid catalogue with 7 categories × n scale criteria."""
    weights = [10, 15, 20, 15, 15, 10, 15]
    lines = [f"key: {key}", f'version: "{criteria_per_category}"',
             "title: {de: Großer Katalog, en: Large catalogue}", "categories:"]
    for i, w in enumerate(weights):
        code = "ABCDEFG"[i]
        lines += [f"  - code: {code}", f"    title: {{de: Kategorie {code} Ä, en: Category {code}}}",
                  f"    weight: {w}", "    criteria:"]
        for j in range(1, criteria_per_category + 1):
            lines += [f"      - code: {code}{j}",
                      f"        title: {{de: Kriterium {code}{j} Ö, en: Criterion {code}{j}}}",
                      "        guidance: {de: Prüfen Sie die Unterlagen., en: Check the documents.}",
                      "        evidence: {de: Protokolle, en: Minutes}",
                      "        type: scale", "        weight: 2"]
    return "\n".join(lines) + "\n"


def people():
    """A lead auditor, an auditor and a working-group lead."""
    from audit_app.services.users import create_user

    return {
        "lead_auditor": create_user(email="katrin@bench.example", name="Katrin Weiß",
                                    password=PASSWORD, roles=["auditor"]),
        "auditor": create_user(email="thomas@bench.example", name="Thomas Groß",
                               password=PASSWORD, roles=["auditor"]),
        "wg_lead": create_user(email="juergen@bench.example", name="Jürgen Müller-Strauß",
                               password=PASSWORD, roles=["lead"]),
    }


def real_catalog():
    from audit_app.services.catalogs import import_file

    return import_file(ROOT / "criteria" / "aiz-2026.yaml", activate=True).catalog


def sized_catalog(per_category: int):
    from audit_app.catalog import parse_catalog
    from audit_app.services.catalogs import import_catalog

    text = big_catalog_yaml(per_category)
    return import_catalog(parse_catalog(text, source="bench", checksum=f"bench-{per_category}"),
                          activate=True).catalog


def answered_audit(catalog, team, *, submit: bool = False, name: str = "Technologiezentrum Göttingen"):
    """An audit on ``catalog`` with every criterion answered (300-character comments)."""
    from audit_app.extensions import db
    from audit_app.models import Centre
    from audit_app.services import audits as svc
    from audit_app.services.catalogs import domain_catalog
    from audit_app.workflow import Action, AuditKind

    centre = Centre(name=name, city="Göttingen", federal_state="NI", operating_company="GmbH")
    db.session.add(centre)
    audit = svc.plan_audit(centre=centre, catalog=catalog, kind=AuditKind.INITIAL,
                           planned_on=date(2026, 11, 2), lead_auditor=team["lead_auditor"],
                           auditors=[team["auditor"]])
    for i, criterion in enumerate(domain_catalog(catalog.id).criteria):
        if criterion.type.value == "number":
            data = svc.AnswerInput(value=Decimal(criterion.bands[-1].start), comment=COMMENT)
        else:
            allowed = criterion.allowed_points
            data = svc.AnswerInput(points=allowed[(i + 2) % len(allowed)], comment=COMMENT)
        svc.save_assessment(audit, criterion.code, data, expected_version=1, actor=team["lead_auditor"])
    if submit:
        svc.transition(audit, Action.SUBMIT, team["lead_auditor"])
    db.session.commit()
    return audit


def bulk_centres_and_audits(n_centres: int, audits_per_centre: int, catalog, team, *, seed: int = 7,
                            start: int = 0):
    """Insert centres and audits (with 40 answered assessments each) in bulk."""
    from audit_app.extensions import db
    from audit_app.models import Assessment, Audit, AuditMember, CatalogCriterion, Centre, utcnow
    from audit_app.workflow import AuditKind, AuditStatus, Decision, TeamRole

    rng = random.Random(seed + start)
    now = utcnow()
    centre_rows = [
        dict(name=f"Innovationszentrum Nummer {start + i:04d} Süd", operating_company="Zentrum GmbH",
             street="Hauptstraße 1", postcode=f"{10000 + i:05d}", city=rng.choice(["Göttingen", "Jena", "Würzburg", "Lübeck", "Münster"]),
             federal_state=rng.choice(STATES), founded_year=rng.randint(1984, 2015),
             space_m2=rng.randint(1000, 12000), tenant_count=rng.randint(10, 120),
             occupancy_percent=Decimal(rng.randint(600, 980)) / 10, staff_count=rng.randint(2, 12),
             website="", contact_name="", contact_email="", contact_phone="", active=True,
             created_at=now, updated_at=now)
        for i in range(n_centres)
    ]
    db.session.execute(sa.insert(Centre), centre_rows)
    centre_ids = db.session.scalars(sa.select(Centre.id).order_by(Centre.id.desc()).limit(n_centres)).all()
    criteria = db.session.execute(
        sa.select(CatalogCriterion.id, CatalogCriterion.scoring_type)
        .where(CatalogCriterion.catalog_id == catalog.id)).all()
    statuses = list(AuditStatus)
    audit_rows = []
    for cid in centre_ids:
        for k in range(audits_per_centre):
            status = rng.choice(statuses)
            decided = status is AuditStatus.DECIDED
            audit_rows.append(dict(
                centre_id=cid, catalog_id=catalog.id, kind=AuditKind.INITIAL if k == 0 else AuditKind.RENEWAL,
                status=status, planned_on=date(2020 + k, 3, 1), due_on=date(2020 + k, 4, 1),
                decision=rng.choice(list(Decision)) if decided else None,
                decided_at=now if decided else None, decision_note="", override_reason="",
                created_at=now, updated_at=now))
    db.session.execute(sa.insert(Audit), audit_rows)
    audit_ids = db.session.scalars(
        sa.select(Audit.id).where(Audit.centre_id.in_(centre_ids)).order_by(Audit.id)).all()
    db.session.execute(sa.insert(AuditMember), [
        dict(audit_id=a, user_id=u.id, team_role=r, position=i)
        for a in audit_ids
        for i, (u, r) in enumerate(((team["lead_auditor"], TeamRole.LEAD_AUDITOR),
                                    (team["auditor"], TeamRole.AUDITOR)))])
    batch = []
    for a in audit_ids:
        for crit_id, kind in criteria:
            if kind.value == "number":
                batch.append(dict(audit_id=a, criterion_id=crit_id, points=None,
                                  value=Decimal(rng.randint(0, 100)), not_applicable=False,
                                  na_reason="", comment=COMMENT[:80], finding="",
                                  adjustment_reason="", version=2))
            else:
                batch.append(dict(audit_id=a, criterion_id=crit_id,
                                  points=3 if kind.value == "yesno" else rng.randint(1, 3),
                                  value=None, not_applicable=False, na_reason="",
                                  comment=COMMENT[:80], finding="", adjustment_reason="", version=2))
        if len(batch) > 20000:
            db.session.execute(sa.insert(Assessment), batch)
            batch = []
    if batch:
        db.session.execute(sa.insert(Assessment), batch)
    db.session.commit()
    return centre_ids
