"""Factories that create test data through the services, usable inside any app context.

The ``make_*`` fixtures of ``tests/conftest.py`` hand these out per test; module-scoped
"worlds" (built once into a database template, see ``build_template``) use them directly.
"""
from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal

PASSWORD = "Prüfer-Passwort-2026"

#: One counter per process: users and centres made by a module's world and by its tests never
#: share an e-mail address or a name.
_seq = itertools.count(1)


def next_number() -> int:
    return next(_seq)


def make_user(role="auditor", *, roles=None, name=None, email=None, centre=None, language="de"):
    """A committed user with the test password; ``centre`` makes a contact of that centre."""
    from audit_app.extensions import db
    from audit_app.services.users import create_user

    n = next_number()
    user = create_user(
        email=email or f"prüfer{n}@zentren-test.de".replace("ü", "ue"),
        name=name or f"Jürgen Müller-Strauß {n}",
        password=PASSWORD,
        roles=roles or [role],
        centre_id=centre.id if centre is not None else None,
        language=language,
    )
    db.session.commit()
    return user


def make_centre(**kw):
    """A committed centre with realistic key figures (overridable by keyword)."""
    from audit_app.extensions import db
    from audit_app.models import Centre

    n = next_number()
    values = dict(
        name=f"Technologiezentrum Göttingen {n}",
        operating_company="Göttinger Innovations- und Technologiezentrum GmbH",
        street="Hans-Adolf-Krebs-Weg 1",
        postcode="37077",
        city="Göttingen",
        federal_state="NI",
        founded_year=1986,
        space_m2=8400,
        tenant_count=74,
        staff_count=9,
    )
    values.update(kw)
    centre = Centre(**values)
    db.session.add(centre)
    db.session.commit()
    return centre


def real_catalog():
    """The catalogue ``criteria/aiz-2026.yaml`` as the database template holds it (active)."""
    import sqlalchemy as sa

    from audit_app.extensions import db
    from audit_app.models import CatalogVersion

    row = db.session.scalar(
        sa.select(CatalogVersion).where(CatalogVersion.key == "aiz",
                                        CatalogVersion.version == "2026")
    )
    assert row is not None, "the database template holds no catalogue (use the catalog fixture)"
    return row


def make_audit(centre=None, *, answers=None, lead=None, auditors=None, kind=None,
               planned_on=date(2026, 11, 2), catalog=None):
    """Plan an audit on the real catalogue and save the given answers through the service.

    ``answers`` maps codes to ``AnswerInput``, points (int), values (Decimal) or ``"na"``.
    A fresh lead auditor and auditor are made unless ``lead`` / ``auditors`` are given.
    """
    from audit_app.extensions import db
    from audit_app.services import audits as svc
    from audit_app.workflow import AuditKind

    catalog = catalog or real_catalog()
    centre = centre or make_centre()
    lead = lead or make_user("auditor")
    auditors = auditors or [make_user("auditor")]
    audit = svc.plan_audit(
        centre=centre, catalog=catalog, kind=kind or AuditKind.INITIAL, planned_on=planned_on,
        lead_auditor=lead, auditors=auditors,
    )
    for code, answer in (answers or {}).items():
        if answer == "na":
            answer = svc.AnswerInput(not_applicable=True,
                                     na_reason="Trifft hier nicht zu – Begründung")
        elif isinstance(answer, int):
            answer = svc.AnswerInput(points=answer)
        elif isinstance(answer, Decimal):
            answer = svc.AnswerInput(value=answer)
        assessment = svc.get_assessment(audit, code)
        svc.save_assessment(audit, code, answer, expected_version=assessment.version, actor=lead)
    db.session.commit()
    return audit


def full_answers(catalog, **overrides) -> dict:
    """Answers for every criterion of ``catalog``: full marks, numbers at their top band."""
    from audit_app.services.catalogs import domain_catalog

    answers = {}
    for criterion in domain_catalog(catalog.id).criteria:
        if criterion.type.value == "number":
            answers[criterion.code] = Decimal(criterion.bands[-1].start)
        else:
            answers[criterion.code] = 3
    answers.update(overrides)
    return answers


def decide(audit, reviewer, *, decision=None, now=None):
    """Submit (as the lead auditor), review (agree with every row) and decide ``audit``;
    ``decision`` defaults to the computed outcome, ``now`` to the clock. Commits."""
    from audit_app.extensions import db
    from audit_app.services import audits as svc
    from audit_app.services.scoring import score_audit
    from audit_app.workflow import Action, Decision

    svc.transition(audit, Action.SUBMIT, audit.lead_auditor, now=now)
    svc.transition(audit, Action.BEGIN_REVIEW, reviewer, now=now)
    svc.agree_with_remaining(audit, actor=reviewer)
    decision = decision or Decision(score_audit(audit).outcome.value)
    svc.transition(audit, Action.DECIDE, reviewer, decision=decision, now=now)
    db.session.commit()
    return audit


def answer_condition(condition, contact, *, proof: bytes | None = b"%PDF-1.4\n%%EOF\n",
                     now=None):
    """The contact answers ``condition`` (with one PDF proof unless ``proof`` is None)."""
    from audit_app.extensions import db
    from audit_app.services import conditions as svc

    proofs = [svc.ProofUpload("Nachweis_Maßnahme.pdf", proof)] if proof else []
    svc.respond(condition, contact, cause="Ursache: Zuständigkeit war ungeklärt.",
                measure="Maßnahme: Verantwortliche benannt, Ablauf beschrieben.",
                proofs=proofs, max_bytes=1_000_000, now=now)
    db.session.commit()
