"""Realistic demo data: centres across the federal states, users of every role, audits in
every status, some decided. Loading twice changes nothing."""
from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import sqlalchemy as sa

from ..catalog import ScoringType
from ..extensions import db
from ..models import CatalogStatus, CatalogVersion, Centre
from ..scoring import Outcome
from ..workflow import Action, AuditKind, AuditStatus, Decision, Role
from . import audits as audit_service
from . import users as user_service
from .catalogs import domain_catalog

DEMO_PASSWORD = "demo-passwort-2026"
DEMO_DOMAIN = "demo.aiz-audit.de"

USERS = [
    # e-mail local part, name, roles
    ("geschaeftsstelle", "Birgit Schäfer", [Role.ADMIN]),
    ("leitung", "Jürgen Müller-Strauß", [Role.LEAD]),
    ("leitung2", "Dr. Özlem Yıldız", [Role.LEAD, Role.AUDITOR]),
    ("auditorin", "Katrin Weiß", [Role.AUDITOR]),
    ("auditor", "Thomas Groß", [Role.AUDITOR]),
    ("auditor3", "Märthe Lindqvist-Böhm", [Role.AUDITOR]),
    ("auditor4", "Andreas Köhler", [Role.AUDITOR]),
    ("gast", "Dr. Frauke Nüßlein", [Role.AUDITOR]),
]

# name, operating company, street, postcode, city, state, founded, m², tenants, occupancy %, staff, member since
CENTRES = [
    ("Technologiezentrum Göttingen", "Göttinger Innovations- und Technologiezentrum GmbH",
     "Hans-Adolf-Krebs-Weg 1", "37077", "Göttingen", "NI", 1986, 8400, 74, Decimal("91.5"), 9, 1992),
    ("Gründerzentrum Würzburg", "Innovations- und Gründerzentrum Würzburg GmbH",
     "Friedrich-Bergius-Ring 15", "97076", "Würzburg", "BY", 1993, 6200, 61, Decimal("88.0"), 7, 1995),
    ("BioInnovationsZentrum Düsseldorf", "Düsseldorfer Technologiezentren GmbH",
     "Merowingerplatz 1a", "40225", "Düsseldorf", "NW", 2000, 11800, 48, Decimal("95.2"), 12, 2001),
    ("TechnologieFabrik Münster", "Technologiehof Münster GmbH",
     "Mendelstraße 11", "48149", "Münster", "NW", 1990, 5400, 57, Decimal("82.4"), 6, 1994),
    ("Innovationszentrum Saarbrücken", "Starterzentrum Saar GmbH",
     "Campus A1 1", "66123", "Saarbrücken", "SL", 1996, 3100, 34, Decimal("79.0"), 4, 1998),
    ("Gründer- und Technologiezentrum Jena", "Technologie- und Innovationspark Jena GmbH",
     "Hans-Knöll-Straße 6", "07745", "Jena", "TH", 1991, 9700, 96, Decimal("93.8"), 11, 1993),
    ("Zentrum für Innovation Lübeck", "Innovationsgesellschaft Lübeck mbH",
     "Maria-Goeppert-Straße 9", "23562", "Lübeck", "SH", 1998, 4300, 42, Decimal("86.1"), 5, 2003),
    ("Technologiepark Görlitz", "Görlitzer Technologie- und Gründerzentrum GmbH",
     "Brückenstraße 24", "02826", "Görlitz", "SN", 2004, 2100, 19, Decimal("64.3"), 3, 2009),
    ("Gründerwerkstatt Bremen-Nord", "BRIG Bremer Innovationsgesellschaft mbH",
     "Fahrer Straße 2", "28759", "Bremen", "HB", 2008, 1600, 14, Decimal("71.0"), 2, 2012),
    ("Innovationszentrum Potsdam-Golm", "Standortmanagement Golm GmbH",
     "Am Mühlenberg 11", "14476", "Potsdam", "BB", 2003, 7200, 66, Decimal("97.5"), 8, 2005),
    ("TGZ Halle an der Saale", "Technologie- und Gründerzentrum Halle GmbH",
     "Weinbergweg 23", "06120", "Halle (Saale)", "ST", 1992, 10200, 118, Decimal("89.9"), 10, 1994),
    ("Startup-Haus Freiburg-Süd", "Freiburger Wirtschaftsförderung und Gründerhaus GmbH",
     "Lörracher Straße 40", "79115", "Freiburg im Breisgau", "BW", 2015, 1100, 11, Decimal("61.0"), 2, 2018),
    ("Rostocker Innovations- und Gründerzentrum", "RIGZ Rostock GmbH",
     "Joachim-Jungius-Straße 9", "18059", "Rostock", "MV", 1991, 5800, 52, Decimal("84.7"), 6, 1993),
    ("Darmstädter Gründerhaus Kranichstein", "Wissenschaftsstadt Darmstadt Gründer GmbH",
     "Rudolf-Müller-Anlage 3", "64289", "Darmstadt", "HE", 2011, 2600, 28, Decimal("76.4"), 3, 2014),
    ("Innovations- und Gründerzentrum Kaiserslautern", "IGZ Westpfalz GmbH",
     "Trippstadter Straße 110", "67663", "Kaiserslautern", "RP", 1997, 6900, 63, Decimal("87.3"), 7, 1999),
]

COMMENTS = {
    0: ["Keine Nachweise vorgelegt; im Gespräch nicht belegbar.",
        "Nicht vorhanden – die Geschäftsführung plant eine Einführung 2027."],
    1: ["Ansätze erkennbar, aber nicht schriftlich fixiert.",
        "Nur vereinzelt umgesetzt; Nachweise lückenhaft (Stichprobe von drei Fällen)."],
    2: ["Umgesetzt und dokumentiert; Stichprobe ohne Auffälligkeiten.",
        "Regelmäßig praktiziert, Protokolle der letzten zwei Jahre liegen vor."],
    3: ["Vorbildlich: systematisch, messbar und mit Wirkung für die Mieter belegt.",
        "Überzeugende Praxis, von Mietern im Gespräch ausdrücklich gelobt („sehr hilfreich“)."],
}


@dataclass(frozen=True)
class AuditPlan:
    centre: int  # index into CENTRES
    kind: AuditKind
    planned_on: date
    status: AuditStatus
    quality: float  # 0..1, how strong the centre is
    decided_on: date | None = None
    lead: str = "auditorin"
    auditors: tuple[str, ...] = ("auditor",)
    guest: str | None = None
    reviewer: str = "leitung"
    answered_share: float = 1.0
    zero: tuple[str, ...] = ()  # criteria that get 0 points (minor findings -> conditions)
    catalog_version: str = "2026"


PLANS = [
    # Decided in the past: some labels valid, one expiring soon, one lapsed.
    AuditPlan(0, AuditKind.INITIAL, date(2021, 2, 8), AuditStatus.DECIDED, 0.92, date(2021, 3, 18)),
    AuditPlan(0, AuditKind.RENEWAL, date(2026, 1, 19), AuditStatus.DECIDED, 0.9, date(2026, 3, 4),
              lead="auditor", auditors=("auditor3",)),
    AuditPlan(2, AuditKind.INITIAL, date(2022, 1, 10), AuditStatus.DECIDED, 0.88, date(2022, 2, 15),
              lead="auditor3", auditors=("auditor4",)),
    # Jena: awarded with conditions in December 2021 (both fulfilled in 2022); the label ends
    # in December 2026 and the renewal audit on the newer catalogue 2027 is under way (below).
    AuditPlan(5, AuditKind.INITIAL, date(2021, 10, 4), AuditStatus.DECIDED, 0.72, date(2021, 12, 15),
              auditors=("auditor4",), guest="gast", zero=("C4", "F5")),
    AuditPlan(10, AuditKind.INITIAL, date(2019, 9, 1), AuditStatus.DECIDED, 0.8, date(2019, 10, 24),
              lead="auditor", auditors=("auditorin",)),
    AuditPlan(7, AuditKind.INITIAL, date(2025, 9, 15), AuditStatus.DECIDED, 0.3, date(2025, 11, 6),
              lead="auditor4", auditors=("auditor",), reviewer="leitung2"),
    AuditPlan(9, AuditKind.INITIAL, date(2024, 10, 7), AuditStatus.DECIDED, 0.6, date(2024, 11, 28),
              lead="auditor3", auditors=("auditorin",)),
    # Open audits in every other status.
    AuditPlan(1, AuditKind.INITIAL, date(2026, 12, 9), AuditStatus.PLANNED, 0.7,
              lead="auditor", auditors=("auditor4",), answered_share=0.0),
    AuditPlan(3, AuditKind.INITIAL, date(2026, 11, 17), AuditStatus.IN_PROGRESS, 0.75,
              auditors=("auditor3",), answered_share=0.55),
    AuditPlan(6, AuditKind.INITIAL, date(2026, 10, 20), AuditStatus.SUBMITTED, 0.85,
              lead="auditor", auditors=("auditor4",), guest="gast"),
    AuditPlan(12, AuditKind.RENEWAL, date(2026, 9, 29), AuditStatus.IN_REVIEW, 0.66,
              lead="auditor3", auditors=("auditor",)),
    AuditPlan(4, AuditKind.INITIAL, date(2026, 9, 8), AuditStatus.CHANGES_REQUESTED, 0.7,
              auditors=("auditor",), reviewer="leitung2"),
    AuditPlan(13, AuditKind.INITIAL, date(2026, 11, 24), AuditStatus.IN_PROGRESS, 0.55,
              lead="auditor4", auditors=("auditorin",), answered_share=0.2),
    # Jena's renewal on the catalogue 2027: it starts from the 2021 audit (previous values
    # mapped through the 2027 file's mapping; two files carried forward, one expired).
    AuditPlan(5, AuditKind.RENEWAL, date(2026, 11, 10), AuditStatus.IN_PROGRESS, 0.8,
              lead="auditor3", auditors=("auditor",), answered_share=0.5,
              catalog_version="2027"),
]

#: Kaiserslautern: awarded with four conditions about 100 days before the demo is loaded,
#: so that one is fulfilled, one is answered and waits for its check, one was rejected with
#: its deadline extended, and one is overdue (within the grace period).
SHOWCASE = AuditPlan(14, AuditKind.INITIAL, date(2026, 6, 1), AuditStatus.DECIDED, 0.85,
                     date(2026, 8, 19), lead="auditor", auditors=("auditor4",),
                     reviewer="leitung2", zero=("A5", "C4", "E5", "F5"))
SHOWCASE_AGE_DAYS = 100


def _email(local: str) -> str:
    return f"{local}@{DEMO_DOMAIN}"


#: Centre contacts: e-mail local part, name, index into CENTRES.
CONTACTS = [
    ("kontakt.goettingen", "Henrike Pöhlmann", 0),
    ("kontakt.jena", "Lars Thümmler", 5),
    ("kontakt.freiburg", "Mia Schröder", 11),
    ("kontakt.halle", "Friederike Große-Löns", 10),
    ("kontakt.duesseldorf", "Can Öztürk", 2),
    ("kontakt.kaiserslautern", "Sabine Krüger-Öztürk", 14),
    ("kontakt.potsdam", "Jonas Bärwald", 9),
]


def demo_logins() -> list[tuple[str, str, str]]:
    """E-mail, name and roles of each demo login (centre contacts included)."""
    rows = [(_email(local), name, ", ".join(r.value for r in roles)) for local, name, roles in USERS]
    rows += [(_email(local), name, Role.CONTACT.value) for local, name, _i in CONTACTS]
    return rows


def _dt(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC)


def load_demo(seed: int = 2026) -> bool:
    """Create the demo data unless it is there already; True when something was created."""
    if user_service.find_by_email(_email("geschaeftsstelle")) is not None:
        return False
    catalogs = {row.version: row for row in db.session.scalars(
        sa.select(CatalogVersion).where(CatalogVersion.key == "aiz",
                                        CatalogVersion.status == CatalogStatus.ACTIVE))}
    if "2026" not in catalogs:
        raise RuntimeError("no active catalogue aiz 2026: run `flask --app audit_app init` first")
    rng = random.Random(seed)
    users = {
        local: user_service.create_user(
            email=_email(local), name=name, password=DEMO_PASSWORD, roles=roles
        )
        for local, name, roles in USERS
    }
    centres = []
    for (name, company, street, postcode, city, state, founded, space, tenants, occ, staff,
         member) in CENTRES:
        centre = Centre(
            name=name, operating_company=company, street=street, postcode=postcode, city=city,
            federal_state=state, founded_year=founded, space_m2=space, tenant_count=tenants,
            occupancy_percent=occ, staff_count=staff, member_since=date(member, 1, 1),
            website=f"https://www.{city.split()[0].lower().replace('ö', 'oe').replace('ü', 'ue').replace('ä', 'ae')}-innovation.example",
            contact_name="Zentrumsleitung", contact_email=f"info@{postcode}.example",
        )
        db.session.add(centre)
        centres.append(centre)
    db.session.flush()
    contacts = {}
    for local, name, centre_idx in CONTACTS:
        users[local] = contacts[centre_idx] = user_service.create_user(
            email=_email(local), name=name, password=DEMO_PASSWORD, roles=[Role.CONTACT],
            centre_id=centres[centre_idx].id)
    made = []
    for plan in PLANS:
        catalog = catalogs.get(plan.catalog_version, catalogs["2026"])
        made.append(_make_audit(plan, catalog, centres, users, rng))
    # The renewal's previous cycle: files with their dates, conditions fulfilled in 2022.
    jena_2021, jena_renewal = made[3], made[-1]
    _fulfil_conditions_of_the_past(made, users)
    _files_and_carrying(jena_2021, jena_renewal, users)
    today = date.today()
    showcase = replace(SHOWCASE, decided_on=today - timedelta(days=SHOWCASE_AGE_DAYS),
                       planned_on=today - timedelta(days=SHOWCASE_AGE_DAYS + 70))
    audit = _make_audit(showcase, catalogs["2026"], centres, users, random.Random(seed + 1))
    _condition_showcase(audit, users, today)
    from .demo_applications import make_applications

    make_applications(centres, users, contacts, today, rng)
    return True


def _pdf(title: str) -> bytes:
    """A small valid PDF naming its document (distinct bytes per file)."""
    return (b"%PDF-1.4\n% " + title.encode("utf-8") + b"\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")


def _fulfil_conditions_of_the_past(audits, users) -> None:
    """Conditions of the earlier decided audits were answered and accepted in time (F5 after
    a rejection with an extended deadline), so that no old condition is overdue. Where the
    centre has no contact in the demo, the association office entered the answer it received."""
    from . import conditions as condition_service

    checker = users["leitung"]
    for audit in audits:
        if audit is None or audit.decided_at is None or audit.decided_at.year >= 2026:
            continue
        answerer = next((u for u in users.values() if u.centre_id == audit.centre_id),
                        users["geschaeftsstelle"])
        for index, condition in enumerate(condition_service.for_audit(audit)):
            code = condition.criterion_code or ""
            cause, measure = CAUSES.get(code, _DEFAULT_CAUSE)
            day = condition.deadline - timedelta(days=40 - 7 * index)
            condition_service.respond(
                condition, answerer, cause=cause, measure=measure, max_bytes=10_000_000,
                proofs=[condition_service.ProofUpload(f"Nachweis_{code}_{day.year}.pdf",
                                                      _pdf(f"Nachweis {code}"))],
                now=_dt(day, 11))
            if code == "F5":
                rejected = day + timedelta(days=6)
                condition_service.reject(
                    condition, checker, today=rejected, now=_dt(rejected),
                    reason="Die Kennzahlen sind erhoben, aber noch nicht ausgewertet – bitte "
                           "den Bericht an den Beirat nachreichen.",
                    new_deadline=condition.deadline + timedelta(days=45),
                    extension_reason="Die Beiratssitzung liegt nach der ursprünglichen Frist.")
                day = day + timedelta(days=40)
                condition_service.respond(
                    condition, answerer, cause="Die Auswertung fehlte.",
                    measure="Kennzahlenbericht vom Beirat beraten und beschlossen (Protokoll "
                            "anbei).", max_bytes=10_000_000, now=_dt(day, 11),
                    proofs=[condition_service.ProofUpload(f"Beiratsprotokoll_{day.year}.pdf",
                                                          _pdf("Beiratsprotokoll"))])
            condition_service.accept(condition, checker, now=_dt(day + timedelta(days=8)),
                                     note="Nachweise vollständig; die Maßnahme wirkt.")


#: The centre's answers per criterion: the cause found and the measure taken.
CAUSES = {
    "C4": ("Qualifizierungsangebote waren nicht eingeplant, weil die Stelle der "
           "Gründungsberatung ein halbes Jahr unbesetzt war.",
           "Seminarreihe „Gründen in der Region“ mit der IHK vereinbart; vier Termine im Jahr, "
           "Einladungen und Teilnehmerlisten anbei."),
    "F5": ("Die Wirkung wurde nicht systematisch gemessen; es fehlte ein festes Kennzahlenset.",
           "Kennzahlenset (Gründungen, Arbeitsplätze, Verbleib) beschlossen und erstmals "
           "erhoben."),
    "E5": ("Keine aktive Rolle in Netzwerken, weil die Zuständigkeit ungeklärt war.",
           "Zentrumsleitung vertritt das Zentrum im Cluster „Smart Region“; Protokolle anbei."),
    "A5": ("Der Jahresbericht ging nur als Finanzbericht an den Träger.",
           "Jahresbericht um Ziele und Kennzahlen ergänzt; Beschluss des Aufsichtsrats anbei."),
    "D4": ("Der Standardmietvertrag enthielt keine Regel zur Verweildauer.",
           "Klausel ergänzt: Mietverträge für Gründer laufen höchstens fünf Jahre; neuer "
           "Standardmietvertrag anbei."),
}
_DEFAULT_CAUSE = ("Die Anforderung war nicht bekannt.",
                  "Maßnahme umgesetzt und dokumentiert; Nachweis anbei.")


def _files_and_carrying(previous, renewal, users) -> None:
    """Files of the previous cycle with their documents' dates, two carried forward onto the
    renewal as still valid; the expired business plan is flagged and not carried."""
    from . import evidence as evidence_service
    from . import renewal as renewal_service

    lead = previous.lead_auditor
    files = [
        ("A1", "Gesellschaftsvertrag_TIP_Jena_2019.pdf", date(2019, 5, 14), None),
        ("G1", "Organigramm_Zentrumsleitung_2021.pdf", date(2021, 9, 1), date(2027, 3, 31)),
        ("G3", "Wirtschaftsplan_2021.pdf", date(2020, 12, 10), date(2021, 12, 31)),
        ("D1", "Mieterliste_mit_Gruendungsjahr_2021.pdf", date(2021, 9, 30), date(2022, 9, 30)),
    ]
    made = {}
    for code, name, document_date, valid_until in files:
        assessment = audit_service.get_assessment(previous, code)
        made[code] = evidence_service.add_evidence(
            previous, assessment, filename=name, data=_pdf(name), actor=lead,
            max_bytes=10_000_000, document_date=document_date, valid_until=valid_until,
            now=previous.decided_at - timedelta(days=40))
    today = date.today()
    for code in ("A1", "G1"):
        renewal_service.carry_forward(renewal, code, made[code].id,
                                      actor=renewal.lead_auditor, still_valid=True, today=today)


def _condition_showcase(audit, users, today: date) -> None:
    """Kaiserslautern's four conditions in four states (relative to ``today``)."""
    from . import conditions as condition_service

    contact, checker = users["kontakt.kaiserslautern"], users["leitung2"]
    by_code = {c.criterion_code: c for c in condition_service.for_audit(audit)}
    decided = audit.decided_at.date()
    # C4: answered and accepted → fulfilled.
    c4 = by_code["C4"]
    condition_service.respond(
        c4, contact, cause=CAUSES["C4"][0], measure=CAUSES["C4"][1], max_bytes=10_000_000,
        proofs=[condition_service.ProofUpload("Seminarprogramm_2026.pdf", _pdf("Seminarprogramm"))],
        now=_dt(decided + timedelta(days=35), 9))
    condition_service.accept(c4, checker, now=_dt(decided + timedelta(days=42), 14),
                             note="Programm und Teilnehmerlisten geprüft.")
    # F5: answered, rejected with an extended deadline → open again, not yet due.
    f5 = by_code["F5"]
    condition_service.respond(
        f5, contact, cause=CAUSES["F5"][0], measure="Kennzahlenset entworfen.",
        max_bytes=10_000_000, now=_dt(decided + timedelta(days=60), 10))
    condition_service.reject(
        f5, checker, today=decided + timedelta(days=66), now=_dt(decided + timedelta(days=66)),
        reason="Ein Entwurf genügt nicht: Bitte die erste Erhebung und ihre Auswertung vorlegen.",
        new_deadline=today + timedelta(days=25),
        extension_reason="Die erste Erhebung ist erst zum Quartalsende möglich.")
    # A5: answered a few days ago, waiting for the check.
    a5 = by_code["A5"]
    condition_service.respond(
        a5, contact, cause=CAUSES["A5"][0], measure=CAUSES["A5"][1], max_bytes=10_000_000,
        proofs=[condition_service.ProofUpload("Jahresbericht_2025_mit_Kennzahlen.pdf",
                                              _pdf("Jahresbericht 2025"))],
        now=_dt(today - timedelta(days=3), 16))
    # E5: no answer: overdue since its deadline (within the grace period).


def _points_for(quality: float, rng: random.Random, allowed: tuple[int, ...]) -> int:
    target = quality * 3 + rng.uniform(-1.2, 1.0)
    return min(allowed, key=lambda p: abs(p - target))


def _value_for(code: str, centre: Centre, quality: float, rng: random.Random) -> Decimal:
    figures = {
        "B1": Decimal(int(centre.space_m2 * (0.25 + 0.35 * quality))),
        "B7": centre.occupancy_percent,
        "D1": Decimal(round(40 + 45 * quality + rng.uniform(-8, 8))),
        "D2": Decimal(centre.tenant_count),
        "D3": Decimal(round(6 + 14 * quality + rng.uniform(-3, 3))),
        "F3": Decimal(round(45 + 40 * quality + rng.uniform(-10, 10))),
    }
    value = figures.get(code, Decimal(round(100 * quality)))
    return max(Decimal(0), min(value, Decimal(100))) if code != "B1" and code != "D2" else value


def _make_audit(plan: AuditPlan, catalog: CatalogVersion, centres, users, rng):
    centre = centres[plan.centre]
    lead, reviewer = users[plan.lead], users[plan.reviewer]
    audit = audit_service.plan_audit(
        centre=centre, catalog=catalog, kind=plan.kind, planned_on=plan.planned_on,
        visit_on=plan.planned_on + timedelta(days=14),
        due_on=plan.planned_on + timedelta(days=28),
        lead_auditor=lead, auditors=[users[u] for u in plan.auditors],
        guest=users[plan.guest] if plan.guest else None, actor=users["leitung"],
    )
    domain = domain_catalog(catalog.id)
    criteria = list(domain.criteria)
    answered = round(len(criteria) * plan.answered_share)
    for criterion in criteria[:answered]:
        data = _answer(criterion, centre, plan, rng)
        assessment = audit_service.get_assessment(audit, criterion.code)
        audit_service.save_assessment(audit, criterion.code, data,
                                      expected_version=assessment.version, actor=lead)
    if plan.status is AuditStatus.PLANNED:
        return audit
    if plan.status is AuditStatus.IN_PROGRESS:
        return audit
    # Submitted two days after the visit, and reviewed soon after, never after the decision
    # or today: the timeline and the report then tell a plausible story.
    latest = min(plan.decided_on - timedelta(days=10) if plan.decided_on else date.today(),
                 date.today())
    submitted_on = min(plan.planned_on + timedelta(days=16), latest)
    audit_service.transition(audit, Action.SUBMIT, lead, now=_dt(submitted_on, 15))
    if plan.status is AuditStatus.SUBMITTED:
        return audit
    if plan.status is AuditStatus.CHANGES_REQUESTED:
        audit_service.transition(
            audit, Action.REQUEST_CHANGES, reviewer,
            note="Bitte die Nachweise zu B3 und C5 ergänzen und die Begründung zu E2 präzisieren.",
        )
        return audit
    audit_service.transition(audit, Action.BEGIN_REVIEW, reviewer,
                             now=_dt(min(submitted_on + timedelta(days=2), latest), 9))
    if plan.status is AuditStatus.IN_REVIEW:
        return audit
    _review_and_decide(audit, plan, reviewer, domain, rng)
    return audit


def _answer(criterion, centre, plan, rng) -> audit_service.AnswerInput:
    if criterion.na_allowed and (criterion.code == "G6" and plan.kind is AuditKind.INITIAL):
        return audit_service.AnswerInput(
            not_applicable=True, na_reason="Erstaudit – es gibt keine früheren Auditempfehlungen."
        )
    if criterion.na_allowed and rng.random() < 0.15:
        return audit_service.AnswerInput(
            not_applicable=True,
            na_reason="Trifft auf das Zentrum nicht zu (kein Hochschulstandort in der Region).",
        )
    if criterion.type is ScoringType.NUMBER:
        value = _value_for(criterion.code, centre, plan.quality, rng)
        points = criterion.points_for_value(value)
        return audit_service.AnswerInput(value=value, comment=rng.choice(COMMENTS[min(points, 3)]))
    if criterion.code in plan.zero:
        return audit_service.AnswerInput(
            points=0, comment="Kein Angebot vorhanden; wurde im Gespräch als Lücke bestätigt.",
            finding="Angebot innerhalb von drei Monaten schaffen und nachweisen.",
            finding_severity="minor",
        )
    quality = plan.quality
    if criterion.knockout and plan.quality > 0.5:
        quality = max(quality, 0.85)  # strong centres meet their knock-outs
    points = _points_for(quality, rng, criterion.allowed_points)
    return audit_service.AnswerInput(points=points, comment=rng.choice(COMMENTS[points]))


def _review_and_decide(audit, plan, reviewer, domain, rng) -> None:
    from .scoring import score_audit

    # The reviewer adjusts one scale criterion by a point, with a reason.
    scale = [c for c in domain.criteria if c.type is ScoringType.SCALE and not c.knockout]
    criterion = rng.choice(scale)
    assessment = audit_service.get_assessment(audit, criterion.code)
    if assessment.points is not None:
        new = min(3, assessment.points + 1) if assessment.points < 2 else assessment.points - 1
        audit_service.adjust_assessment(
            audit, criterion.code, actor=reviewer, points=new,
            reason="Nach Durchsicht der nachgereichten Unterlagen angepasst (Protokolle 2024/25).",
        )
    result = score_audit(audit)
    decision = {
        Outcome.AWARD: Decision.AWARD,
        Outcome.AWARD_WITH_CONDITIONS: Decision.AWARD_WITH_CONDITIONS,
        Outcome.REFUSE: Decision.REFUSE,
    }[result.outcome]
    audit_service.agree_with_remaining(audit, actor=reviewer)  # every row reviewed
    audit_service.transition(
        audit, Action.DECIDE, reviewer, decision=decision,
        note="Beschluss des Arbeitskreises in der Sitzung vom "
             f"{plan.decided_on.strftime('%d.%m.%Y')}.",
        now=_dt(plan.decided_on),
    )
