"""Demo data of the centre's side: one centre in each status before the visit (applied,
declined, questionnaire open, questionnaire submitted, documents reviewed), told as a
plausible story relative to ``today``."""
from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta

from ..catalog import ScoringType
from ..extensions import db
from ..models import DocumentReviewStatus
from ..workflow import AuditKind
from . import applications, centre_side

#: A small valid PDF for the demo's handed-in documents.
DEMO_PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
            b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


def _dt(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC)


def _answers(centre, quality: float) -> dict[str, str]:
    """Answers a centre of this quality would give (German spelling, as typed)."""
    space = centre.space_m2 or 3000
    startup = int(space * (0.25 + 0.35 * quality))
    return {
        "gruendungsjahr": str(centre.founded_year or 1995),
        "rechtsform_traeger": centre.operating_company,
        "gesellschafter": "Stadt 51 %, Sparkasse 25 %, IHK 24 %",
        "unternehmensgegenstand": "Gegenstand des Unternehmens ist die Förderung von "
        "Existenzgründungen und jungen technologieorientierten Unternehmen, der "
        "Technologietransfer zwischen Wissenschaft und Wirtschaft sowie die regionale "
        "Wirtschaftsentwicklung.",
        "beirat": "yes" if quality > 0.5 else "no",
        "mietflaeche_gesamt": str(space),
        "gruenderflaeche": str(startup),
        "auslastung": str(centre.occupancy_percent or "80").replace(".", ","),
        "kleinste_einheit": "16",
        "coworking_plaetze": "20",
        "mietdauer_monate": "36",
        "miete_gruender": "8,20",
        "preisliste_stand": "01.01.2026",
        "anzahl_mieter": str(centre.tenant_count or 20),
        "anteil_junge_technologie": str(round(45 + 35 * quality)),
        "neuaufnahmen_quote": "12,5",
        "verweildauer_regel": "yes",
        "beratungen_vorjahr": str(round(40 + 120 * quality)),
        "leistungsangebot": "Gründungsberatung durch das Zentrumsmanagement, Coaching mit "
        "Mentorinnen und Mentoren, Fördermittelsprechstunde mit der NBank, Gründerfrühstück.",
        "mieterzufriedenheit": "yes",
        "kooperationen_hochschulen": "4",
        "verbleib_region": "72",
        "mitarbeitende": str(centre.staff_count or 4),
        "zentrumsleitung": "Zentrumsleitung mit voller Stelle, Stellvertretung 50 %",
        "jahresabschluss_geprueft": "yes",
        "kostendeckung": "78,5",
    }


def _fill(audit, contact, centre, quality: float, rng: random.Random, *, share: float = 1.0,
          day: date) -> None:
    sheet = centre_side.centre_sheet(audit)
    answers = _answers(centre, quality)
    keys = [k for k in answers if k in sheet.answers]
    for key in keys[: round(len(keys) * share)]:
        answer = sheet.answers[key]
        centre_side.save_answer(audit, key, answers[key], expected_version=answer.version,
                                actor=contact)
    questionnaire = sheet.questionnaire
    files = [q.key for q in questionnaire.questions if q.type.value == "file"]
    files += [d.key for d in questionnaire.documents if d.required]
    for key in files[: round(len(files) * share)]:
        title = (questionnaire.question(key).text.de if questionnaire.has_question(key)
                 else questionnaire.document(key).title.de)
        name = title.split(" (")[0].replace(" ", "_").replace("/", "-")[:60] + ".pdf"
        centre_side.add_document(audit, key, filename=name, data=DEMO_PDF, actor=contact,
                                 max_bytes=1_000_000, today=day)
    selfs = centre_side.self_sheet(audit)
    criteria = list(selfs.items.values())
    for item in criteria[: round(len(criteria) * share)]:
        criterion = item.criterion
        if criterion.type is ScoringType.NUMBER:
            value = criterion.bands[min(len(criterion.bands) - 1,
                                        1 + round(quality + rng.uniform(-0.4, 0.4)))].start
            data = centre_side.SelfInput(value=value)
        else:
            target = quality * 3 + rng.uniform(-0.6, 1.2)  # centres see themselves kindly
            points = min(criterion.allowed_points, key=lambda p: abs(p - target))
            data = centre_side.SelfInput(points=points, comment="Eigene Einschätzung der "
                                         "Zentrumsleitung." if points < 2 else "")
        centre_side.save_self_assessment(audit, criterion.code, data,
                                         expected_version=item.row.version, actor=contact)


def make_applications(centres, users, contacts, today: date, rng: random.Random) -> None:
    """One centre in each status before the visit (see the module docstring)."""
    office, lead = users["geschaeftsstelle"], users["leitung"]

    def apply(idx, kind, applied_on, start_in, contact=None, message=""):
        preferred_from = applied_on + timedelta(days=start_in)
        return applications.apply(
            centre=centres[idx], kind=kind, preferred_from=preferred_from,
            preferred_until=preferred_from + timedelta(days=60), message=message,
            actor=contact or office, today=applied_on, now=_dt(applied_on, 10))

    def accept(audit, on: date, lead_auditor, auditors, visit_in: int):
        start = centre_side.application_of(audit).preferred_from
        applications.accept(audit, actor=lead, planned_on=start,
                            visit_on=start + timedelta(days=visit_in - 30),
                            due_on=start + timedelta(days=visit_in - 16),
                            lead_auditor=users[lead_auditor],
                            auditors=[users[u] for u in auditors], now=_dt(on, 11))

    # Applied: Startup-Haus Freiburg-Süd, a young centre applying for the first time, has
    # begun its questionnaire and self-assessment.
    applied_on = today - timedelta(days=6)
    freiburg = apply(11, AuditKind.INITIAL, applied_on, 45, contacts[11],
                     "Wir möchten uns erstmals um das Siegel bewerben; ein Termin nach den "
                     "Sommerferien wäre uns am liebsten.")
    _fill(freiburg, contacts[11], centres[11], 0.45, rng, share=0.4, day=applied_on)

    # Declined: Technologiepark Görlitz applied again soon after a refusal.
    declined = apply(7, AuditKind.INITIAL, today - timedelta(days=30), 30,
                     message="Erneuter Antrag nach dem Audit 2025.")
    applications.decline(declined, actor=lead, now=_dt(today - timedelta(days=25), 9),
                         reason="Die Auflagen aus dem Audit vom November 2025 sind noch nicht "
                                "umgesetzt (Gründerfläche unter 1.000 m²). Bitte beantragen "
                                "Sie das Audit erneut, sobald die Erweiterung bezogen ist.")

    # Questionnaire open: TGZ Halle, accepted, about half answered.
    applied_on = today - timedelta(days=20)
    halle = apply(10, AuditKind.RENEWAL, applied_on, 40, contacts[10])
    accept(halle, applied_on + timedelta(days=3), "auditor3", ("auditor",), 50)
    _fill(halle, contacts[10], centres[10], 0.75, rng, share=0.55, day=applied_on)

    # Questionnaire submitted: Potsdam-Golm, complete, waiting for the team's document review.
    applied_on = today - timedelta(days=35)
    potsdam = apply(9, AuditKind.INITIAL, applied_on, 40, contacts[9])
    accept(potsdam, applied_on + timedelta(days=2), "auditorin", ("auditor4",), 55)
    _fill(potsdam, contacts[9], centres[9], 0.72, rng, day=applied_on)
    applications.submit_questionnaire(potsdam, actor=contacts[9], today=today - timedelta(days=4),
                                      now=_dt(today - timedelta(days=4), 16))

    # Documents reviewed: Düsseldorf, one document incomplete (a replacement is requested).
    applied_on = today - timedelta(days=50)
    duesseldorf = apply(2, AuditKind.RENEWAL, applied_on, 45, contacts[2])
    accept(duesseldorf, applied_on + timedelta(days=2), "auditor3", ("auditor4",), 60)
    _fill(duesseldorf, contacts[2], centres[2], 0.88, rng, day=applied_on)
    applications.submit_questionnaire(duesseldorf, actor=contacts[2],
                                      today=today - timedelta(days=15),
                                      now=_dt(today - timedelta(days=15), 15))
    for line in centre_side.centre_sheet(duesseldorf).documents:
        incomplete = line.document.key == "wirtschaftsplan"
        if not line.document.required and not line.files:
            continue
        centre_side.review_document(
            duesseldorf, line.document.key, actor=users["auditor3"],
            status=(DocumentReviewStatus.INCOMPLETE if incomplete
                    else DocumentReviewStatus.PRESENT).value,
            note="Bitte den Wirtschaftsplan 2026 mit Finanzierungsübersicht nachreichen."
            if incomplete else "", now=_dt(today - timedelta(days=8), 14))
    applications.complete_document_review(duesseldorf, actor=users["auditor3"],
                                          now=_dt(today - timedelta(days=8), 15))
    db.session.flush()
