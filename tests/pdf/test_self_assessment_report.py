"""The report's section „Selbsteinschätzung und Auditergebnis“: the centre's own scores
beside the audit's, per category (chart and table) and where the points differ."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from audit_app.extensions import db
from audit_app.models import Audit
from audit_app.services import audits as svc
from audit_app.services import reports as report_svc
from tests.conftest import full_answers
from tests.factories import accept_application, make_application, ready_for_visit
from tests.pdf.test_certificates import pdf_text

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

#: The PDF's content does not depend on the database (the services are tested on both).
pytestmark = pytest.mark.parametrize("backend", ["sqlite"])


def visited(catalog, make_centre, make_user, *, self_overrides=None, audit_overrides=None):
    """An application walked to the visit with a full self-assessment, then scored by the
    team (a draft report can be printed)."""
    centre = make_centre(name="Technologiezentrum Göttingen")
    contact = make_user("contact", name="Jörg Weiß", centre=centre)
    lead_auditor = make_user("auditor", name="Katrin Weiß")
    audit = accept_application(make_application(centre, contact=contact),
                               lead_auditor=lead_auditor,
                               auditors=[make_user("auditor", name="Thomas Groß")])
    ready_for_visit(audit, contact, self_scores=full_answers(catalog, **(self_overrides or {})))
    for code, answer in full_answers(catalog, **(audit_overrides or {})).items():
        data = svc.AnswerInput(value=answer) if not isinstance(answer, int) else \
            svc.AnswerInput(points=answer)
        svc.save_assessment(audit, code, data,
                            expected_version=svc.get_assessment(audit, code).version,
                            actor=lead_auditor)
    db.session.commit()
    return audit


def flat(text: str) -> str:
    return " ".join(text.replace("\u00a0", " ").split())


def test_report_compares_the_self_assessment_with_the_audit(app, catalog, make_centre,
                                                            make_user):
    audit = visited(catalog, make_centre, make_user, audit_overrides={"A2": 1, "C4": 2})
    data = report_svc.report_pdf(db.session.get(Audit, audit.id), "de")
    text = flat(pdf_text(data))
    for expected in ("Selbsteinschätzung und Auditergebnis",
                     "Kriterien mit abweichenden Punkten (2)", "A2", "C4", "−2", "−1",
                     "Selbsteinschätzung: 100,0 %"):
        assert expected.replace("−", "-") in text.replace("−", "-"), expected
    if shutil.which("pdftoppm"):  # a picture to look at (test-artifacts/, not checked in)
        ARTIFACTS.mkdir(exist_ok=True)
        pdf = ARTIFACTS / "self-assessment-report.pdf"
        pdf.write_bytes(data)
        subprocess.run(["pdftoppm", "-png", "-r", "60", str(pdf),
                        str(ARTIFACTS / "self-assessment-report")], check=True, timeout=60)


def test_english_report_and_no_section_without_a_self_assessment(app, catalog, make_centre,
                                                                 make_user, make_audit):
    audit = visited(catalog, make_centre, make_user)
    text = flat(pdf_text(report_svc.report_pdf(db.session.get(Audit, audit.id), "en")))
    assert "Self-assessment and audit result" in text
    assert "The centre's points agree with the audit on every criterion both scored." in text
    plain = make_audit(answers=full_answers(catalog))
    text = flat(pdf_text(report_svc.report_pdf(db.session.get(Audit, plain.id), "de")))
    assert "Selbsteinschätzung" not in text
