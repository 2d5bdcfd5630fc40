"""The report of a renewal audit on a newer catalogue version: its renewal section (previous and
current percent per category, improved and declined criteria, the previous conditions with
their outcome), rendered for real and turned into PNG pages for looking at
(test-artifacts/renewal-report-*.png)."""
from __future__ import annotations

import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from audit_app.extensions import db
from audit_app.models import Audit
from audit_app.services import conditions as condition_service
from audit_app.services import reports as report_svc
from audit_app.services.catalogs import import_file
from audit_app.workflow import AuditKind, Decision
from tests.conftest import CRITERIA, full_answers
from tests.factories import answer_condition, decide
from tests.pdf.test_certificates import pdf_text

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def flat(text: str) -> str:
    return " ".join(text.replace("\u00a0", " ").split())


@pytest.mark.parametrize("backend", ["sqlite"])
def test_the_renewal_section_compares_the_cycles(backend, make_user, make_centre, make_audit,
                                                 catalog):
    newer = import_file(CRITERIA / "aiz-2027.yaml", activate=True).catalog
    db.session.commit()
    centre = make_centre(name="Gründer- und Technologiezentrum Jena")
    contact = make_user("contact", centre=centre)
    lead = make_user("lead")
    auditor = make_user("auditor", name="Katrin Weiß")
    old = make_audit(centre, lead=auditor, answers=full_answers(catalog, C4=0, F5=0, B2=2, C2=3))
    decide(old, lead, decision=Decision.AWARD_WITH_CONDITIONS,
           now=datetime(2026, 11, 2, 10, tzinfo=UTC))
    conditions = {c.criterion_code: c for c in condition_service.for_audit(old)}
    answer_condition(conditions["C4"], contact)
    condition_service.accept(conditions["C4"], lead)
    db.session.commit()
    renewal = make_audit(centre, lead=auditor, kind=AuditKind.RENEWAL, catalog=newer,
                         answers=full_answers(newer, B2=3, G7=2, C2=1, C4=3))
    data = report_svc.report_pdf(db.session.get(Audit, renewal.id), "de")
    text = flat(pdf_text(data))
    for expected in ("Erneuerung: Vergleich mit dem vorigen Zyklus", old.number,
                     "Verbesserte Kriterien", "Verschlechterte Kriterien",
                     "Auflagen des vorigen Zyklus", "C4", "G7", "C2"):
        assert expected in text, expected

    if shutil.which("pdftoppm"):
        ARTIFACTS.mkdir(exist_ok=True)
        pdf = ARTIFACTS / "renewal-report.pdf"
        pdf.write_bytes(data)
        subprocess.run(["pdftoppm", "-png", "-r", "60", str(pdf),
                        str(ARTIFACTS / "renewal-report")], check=True, timeout=60)
        assert list(ARTIFACTS.glob("renewal-report-*.png"))
