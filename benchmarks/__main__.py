"""Run the benchmark suite: ``python -m benchmarks [--short] [--json PATH]`` (or ``make bench``).

Builds its own data in a temporary instance (never a user's database) and prints one row
per figure: id, what, floor, subject, ratio, target, pass/fail. See PERFORMANCE targets in
the README. A benchmark, not a test: a slow machine prints FAIL rows but exits 0.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
from pathlib import Path

from . import data, pdf_figures, storage_figures
from .harness import HEADER, CountFigure, measure

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


def _token(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def signed_in(app, email: str):
    client = app.test_client()
    token = _token(client.get("/auth/login").get_data(as_text=True))
    response = client.post("/auth/login", data={"email": email, "password": data.PASSWORD,
                                                "csrf_token": token})
    assert response.status_code == 302, "sign-in failed"
    return client


def get_ok(client, path: str):
    def call():
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        response.close()
    return call


def queries(app, call, *, warm: bool = True) -> int:
    """SQL statements of one call, in the steady state (after one warm-up call by default:
    the catalogue and score caches are then filled, as on a running server)."""
    import sqlalchemy as sa

    from audit_app.extensions import db

    statements = []

    def before(conn, cursor, statement, *args):
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK")):
            statements.append(statement)

    with app.app_context():
        engine = db.engine
    if warm:
        call()
    sa.event.listen(engine, "before_cursor_execute", before)
    try:
        call()
    finally:
        sa.event.remove(engine, "before_cursor_execute", before)
    return len(statements)


def report_figure(audit, pairs: int):
    """P8: the report PDF of an answered 40-criterion audit (data gathering, HTML, render)
    against WeasyPrint rendering the same, already built HTML standalone."""
    from audit_app.pdf.render import render_pdf
    from audit_app.pdf.report import report_html
    from audit_app.services.reports import report_context
    from audit_app.services.reports import report_pdf

    html = report_html(report_context(audit, "de"))
    return measure("P8", "audit report PDF, 40 criteria with comments", "same-HTML",
                   lambda: render_pdf(html), lambda: report_pdf(audit, "de"), target=1.3,
                   pairs=pairs, warmup=1, repeat=1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--short", action="store_true", help="few pairs and less data: proves it runs (CI)")
    parser.add_argument("--json", metavar="PATH", help="also write the rows as JSON")
    parser.add_argument("--postgresql", action="store_true",
                        help="also measure the storage figures on a throwaway PostgreSQL")
    args = parser.parse_args(argv)
    pairs = 5 if args.short else 21
    n_centres = 200 if args.short else 1000

    from audit_app.catalog import load_catalog
    from audit_app.extensions import db
    from audit_app.models import Audit
    from audit_app.scoring import score
    from audit_app.services.catalogs import domain_catalog
    from audit_app.services.scoring import answer_of

    figures = []
    print(HEADER, flush=True)

    def add(figure):
        figures.append(figure)
        print(figure.row(), flush=True)

    with tempfile.TemporaryDirectory(prefix="audit-bench-") as folder:
        app = build_app(folder)
        with app.app_context():
            team = data.people()
            catalog = data.real_catalog()
            db.session.commit()
            audit40 = data.answered_audit(catalog, team)
            review40 = data.answered_audit(catalog, team, submit=True, name="Gründerzentrum Jena")
            big = data.sized_catalog(57)
            audit400 = data.answered_audit(big, team, name="Großes Zentrum Würzburg")
            review400 = data.answered_audit(big, team, submit=True, name="Großes Zentrum Lübeck")
            to_decide = data.answered_audit(catalog, team, submit=True,
                                            name="Innovations- und Gründerzentrum Würzburg")
            ids = {k: a.id for k, a in (("a40", audit40), ("r40", review40), ("a400", audit400), ("r400", review400),
                                          ("decide", to_decide))}
            catalog_id = catalog.id
            team_ids = {k: u.id for k, u in team.items()}

        def bulk(count: int, start: int) -> None:
            from audit_app.models import CatalogVersion, User

            with app.app_context():
                data.bulk_centres_and_audits(
                    count, 5, db.session.get(CatalogVersion, catalog_id),
                    {k: db.session.get(User, i) for k, i in team_ids.items()}, start=start)

        auditor = signed_in(app, "katrin@bench.example")
        lead = signed_in(app, "juergen@bench.example")
        hello_a, hello_l = get_ok(auditor, "/hello"), get_ok(lead, "/hello")

        add(measure("P1", "checklist page, 40 criteria answered", "hello", hello_a,
                    get_ok(auditor, f"/audits/{ids['a40']}/checklist"), target=4, pairs=pairs))
        q40 = queries(app, get_ok(auditor, f"/audits/{ids['a40']}/checklist"))
        q400 = queries(app, get_ok(auditor, f"/audits/{ids['a400']}/checklist"))
        add(CountFigure("P1q", "checklist queries at 40 / 400 criteria", q40, q400, limit=12))

        page = auditor.get(f"/audits/{ids['a40']}/checklist").get_data(as_text=True)
        token = _token(page)
        state = {"version": int(re.search(r'id="crit-A2".*?name="version" value="(\d+)"', page, re.DOTALL).group(1)),
                 "points": 1}

        def save():
            state["points"] = 2 if state["points"] == 1 else 1
            response = auditor.post(f"/audits/{ids['a40']}/checklist/A2",
                                    data={"csrf_token": token, "points": str(state["points"]),
                                          "version": str(state["version"]), "comment": data.COMMENT},
                                    headers={"HX-Request": "true"})
            assert response.status_code == 200, response.status_code
            state["version"] += 1

        add(measure("P2", "save one criterion (in-page POST)", "hello", hello_a, save, target=4,
                    pairs=pairs))
        add(CountFigure("P2q", "queries of one save", queries(app, save, warm=False), None, limit=8))

        add(measure("P3", "review page, 40 criteria", "hello", hello_l,
                    get_ok(lead, f"/audits/{ids['r40']}/review"), target=5, pairs=pairs))
        add(CountFigure("P3q", "review queries at 40 / 400 criteria",
                        queries(app, get_ok(lead, f"/audits/{ids['r40']}/review")),
                        queries(app, get_ok(lead, f"/audits/{ids['r400']}/review")), limit=None))

        bulk(n_centres // 10, 0)
        q_small = queries(app, get_ok(lead, "/"))
        bulk(n_centres - n_centres // 10, n_centres // 10)
        q_large = queries(app, get_ok(lead, "/"))
        add(measure("P4", f"lead dashboard, {n_centres} centres, {5 * n_centres} audits", "hello",
                    hello_l, get_ok(lead, "/"), target=10, pairs=pairs))
        add(CountFigure("P4q", f"dashboard queries at {n_centres // 10} / {n_centres} centres",
                        q_small, q_large, limit=None))
        add(measure("P5", f"centre list, {n_centres} centres, page of 50, filtered", "hello", hello_l,
                    get_ok(lead, "/centres/?q=zentrum&state=NI&sort=name&page=1"), target=4,
                    pairs=pairs))

        with app.app_context():
            audit = db.session.get(Audit, ids["a40"])
            domain = domain_catalog(audit.catalog_id)
            answers = {a.criterion.code: answer_of(a) for a in audit.assessments}

            def scoring():
                assert score(domain, answers).complete

            add(measure("P10", "scoring one complete 40-criterion audit", "hello", hello_a,
                        scoring, target=0.5, pairs=pairs))

            add(report_figure(audit, pairs))

        pdf_figures.figures(app, add, client=lead, hello=hello_l, audit_id=ids["decide"],
                            lead_id=team_ids["wg_lead"], pairs=pairs,
                            renders=100 if args.short else 500)

        storage_figures.figures(app, add, client=auditor, audit_id=ids["a40"],
                                actor_id=team_ids["lead_auditor"], pairs=pairs)
        if args.postgresql:
            storage_figures.postgresql_figures(add, pairs=pairs, signed_in=signed_in)

        def load_and_validate():
            load_catalog(ROOT / "criteria" / "aiz-2026.yaml")

        add(measure("C1", "loading and validating criteria/aiz-2026.yaml", "hello", hello_a,
                    load_and_validate, target=None, pairs=pairs, repeat=2))
        with app.app_context():
            db.engine.dispose()

    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps([f.as_dict() for f in figures], indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
