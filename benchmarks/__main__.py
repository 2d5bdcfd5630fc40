"""Run the benchmark suite: ``python -m benchmarks [--short] [--json PATH]`` (or ``make bench``).

Builds its own data in a temporary instance (never a user's database) and prints one row
per figure: id, what, floor, times, ratio, target, pass/fail.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def build_app(folder: str):
    os.environ["AUDIT_APP_INSTANCE_PATH"] = folder
    from flask_migrate import upgrade

    from audit_app import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.db",
                      "SECRET_KEY": "bench"})
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
    return app


def complete_audit(app):
    """One audit with every criterion answered and 300-character comments."""
    from audit_app.extensions import db
    from audit_app.models import Centre
    from audit_app.services import audits as svc
    from audit_app.services.catalogs import domain_catalog, import_file
    from audit_app.services.users import create_user
    from audit_app.workflow import AuditKind

    comment = ("Stichprobe geprüft: Unterlagen vollständig, Gespräche mit Mietern bestätigen die "
               "Angaben; Verbesserungspotenzial bei der Dokumentation der Beratungsfälle. ") * 3
    comment = comment[:300]
    catalog = import_file(ROOT / "criteria" / "aiz-2026.yaml", activate=True).catalog
    centre = Centre(name="Technologiezentrum Göttingen", city="Göttingen", federal_state="NI")
    db.session.add(centre)
    lead = create_user(email="lead@bench.example", name="Jürgen Müller-Strauß",
                       password="bench-passwort-123", roles=["auditor"])
    other = create_user(email="aud@bench.example", name="Katrin Weiß",
                        password="bench-passwort-123", roles=["auditor"])
    from datetime import date

    audit = svc.plan_audit(centre=centre, catalog=catalog, kind=AuditKind.INITIAL,
                           planned_on=date(2026, 11, 2), lead_auditor=lead, auditors=[other])
    for i, criterion in enumerate(domain_catalog(catalog.id).criteria):
        if criterion.type.value == "number":
            data = svc.AnswerInput(value=Decimal(criterion.bands[-1].start), comment=comment)
        else:
            data = svc.AnswerInput(points=criterion.allowed_points[i % len(criterion.allowed_points)],
                                   comment=comment)
        svc.save_assessment(audit, criterion.code, data, expected_version=1, actor=lead)
    db.session.commit()
    return audit.id


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--short", action="store_true", help="few pairs: proves it runs (CI)")
    parser.add_argument("--json", metavar="PATH", help="also write the rows as JSON")
    args = parser.parse_args(argv)
    pairs = 5 if args.short else 25

    from audit_app.catalog import load_catalog
    from audit_app.extensions import db
    from audit_app.models import Audit
    from audit_app.scoring import score
    from audit_app.services.catalogs import domain_catalog
    from audit_app.services.scoring import answer_of

    from .harness import HEADER, measure

    figures = []
    with tempfile.TemporaryDirectory(prefix="audit-bench-") as folder:
        app = build_app(folder)
        client = app.test_client()

        def hello():
            response = client.get("/hello")
            assert response.status_code == 200

        with app.app_context():
            audit_id = complete_audit(app)
            audit = db.session.get(Audit, audit_id)
            catalog = domain_catalog(audit.catalog_id)
            answers = {a.criterion.code: answer_of(a) for a in audit.assessments}
            assert len(answers) == 40

            def scoring():
                result = score(catalog, answers)
                assert result.complete

            figures.append(measure("P10", "scoring one complete 40-criterion audit", "hello",
                                   hello, scoring, target=0.5, pairs=pairs))

        def load_and_validate():
            load_catalog(ROOT / "criteria" / "aiz-2026.yaml")

        figures.append(measure("C1", "loading and validating criteria/aiz-2026.yaml", "hello",
                               hello, load_and_validate, target=None, pairs=pairs, repeat=2))
        with app.app_context():
            db.engine.dispose()

    print(HEADER)
    for figure in figures:
        print(figure.row())
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps([f.as_dict() for f in figures], indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
