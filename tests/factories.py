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


#: The day the centre's side is tested on ("today" is always an argument).
APPLIED_ON = date(2026, 3, 2)

#: Plausible answers for every question of criteria/aiz-2026.yaml (file questions: uploads).
ANSWERS = {
    "gruendungsjahr": "1986", "rechtsform_traeger": "Göttinger Innovations- und "
    "Technologiezentrum GmbH", "gesellschafter": "Stadt Göttingen 51 %, Landkreis 49 %",
    "unternehmensgegenstand": "Förderung von Existenzgründungen, Technologietransfer und "
    "regionaler Wirtschaftsentwicklung („Zweck der Gesellschaft“)", "beirat": "yes",
    "mietflaeche_gesamt": "8.400", "gruenderflaeche": "3.200", "auslastung": "91,5",
    "kleinste_einheit": "18", "coworking_plaetze": "24", "mietdauer_monate": "36",
    "miete_gruender": "7,50", "preisliste_stand": "01.01.2026", "anzahl_mieter": "74",
    "anteil_junge_technologie": "64", "neuaufnahmen_quote": "14,5", "verweildauer_regel": "yes",
    "beratungen_vorjahr": "120", "leistungsangebot": "Gründungsberatung, Coaching, Fördermittel",
    "mieterzufriedenheit": "yes", "kooperationen_hochschulen": "6", "verbleib_region": "78",
    "mitarbeitende": "9", "zentrumsleitung": "Dr. Jürgen Müller-Strauß, 100 %",
    "jahresabschluss_geprueft": "yes", "kostendeckung": "82,5", "letztes_audit": "",
}

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def make_application(centre=None, *, contact=None, kind=None, today=APPLIED_ON,
                     preferred_from=date(2026, 4, 13), preferred_until=date(2026, 6, 30),
                     message="Wir beantragen das Siegel „Anerkanntes Innovationszentrum“."):
    """A committed application (status *applied*) of ``centre`` by its ``contact``."""
    from audit_app.extensions import db
    from audit_app.services import applications
    from audit_app.workflow import AuditKind

    centre = centre or make_centre()
    contact = contact or make_user("contact", centre=centre)
    audit = applications.apply(centre=centre, kind=kind or AuditKind.INITIAL,
                               preferred_from=preferred_from, preferred_until=preferred_until,
                               message=message, actor=contact, today=today)
    db.session.commit()
    return audit


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


def accept_application(audit, *, lead=None, lead_auditor=None, auditors=None,
                       planned_on=date(2026, 4, 20), visit_on=date(2026, 5, 12),
                       due_on=date(2026, 5, 29)):
    """Plan an application's audit (committed): a lead, a lead auditor and an auditor."""
    from audit_app.extensions import db
    from audit_app.services import applications

    applications.accept(audit, actor=lead or make_user("lead"), planned_on=planned_on,
                        visit_on=visit_on, due_on=due_on,
                        lead_auditor=lead_auditor or make_user("auditor"),
                        auditors=auditors or [make_user("auditor")])
    db.session.commit()
    return audit


def answer_questionnaire(audit, contact, answers=None, *, files=True):
    """Answer the questionnaire (``ANSWERS`` unless given) and hand in a file for each file
    question and required document (committed)."""
    from audit_app.extensions import db
    from audit_app.services import centre_side

    sheet = centre_side.centre_sheet(audit)
    for key, raw in (ANSWERS if answers is None else answers).items():
        answer = sheet.answers.get(key)
        if answer is not None:
            centre_side.save_answer(audit, key, raw, expected_version=answer.version,
                                    actor=contact)
    if files:
        keys = [q.key for q in sheet.questionnaire.questions if q.type.value == "file"]
        keys += [d.key for d in sheet.questionnaire.documents if d.required]
        for key in keys:
            centre_side.add_document(audit, key, filename=f"{key}-Übersicht.pdf", data=PDF,
                                     actor=contact, max_bytes=10_000, today=APPLIED_ON)
    db.session.commit()
    return audit


def ready_for_visit(audit, contact, *, lead_auditor=None, self_scores=None):
    """Walk an accepted application to the visit (committed): the contact answers, scores
    ``self_scores`` ({code: points | Decimal}) and submits; every required document is
    marked present and the document review completed by the lead auditor."""
    from audit_app.extensions import db
    from audit_app.services import applications, centre_side
    from audit_app.workflow import TeamRole

    answer_questionnaire(audit, contact)
    sheet = centre_side.self_sheet(audit)
    for code, score in (self_scores or {}).items():
        data = (centre_side.SelfInput(value=score) if isinstance(score, Decimal)
                else centre_side.SelfInput(points=score))
        centre_side.save_self_assessment(audit, code, data,
                                         expected_version=sheet.items[code].row.version,
                                         actor=contact)
    applications.submit_questionnaire(audit, actor=contact, today=APPLIED_ON)
    lead_auditor = lead_auditor or next(m.user for m in audit.members
                                        if m.team_role is TeamRole.LEAD_AUDITOR)
    for line in centre_side.centre_sheet(audit).documents:
        centre_side.review_document(audit, line.document.key, status="present", note="",
                                    actor=lead_auditor)
    applications.complete_document_review(audit, actor=lead_auditor)
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
