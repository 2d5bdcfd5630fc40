"""Renewal audits on both databases: the previous cycle beside every criterion through the
catalogue mapping (aiz-2027 continues aiz-2026), evidence carried forward only with an explicit
„noch gültig“, the report's comparison, and the certificate's lifecycle dates."""
from __future__ import annotations

from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from audit_app.extensions import db
from audit_app.catalog import LineageKind
from audit_app.models import Certificate, CertificateStatus, ConditionState, Event
from audit_app.services import audits as audit_service
from audit_app.services import conditions as condition_service
from audit_app.services import evidence as evidence_service
from audit_app.services import renewal
from audit_app.services.catalogs import import_file
from audit_app.services.errors import ValidationFailed
from audit_app.workflow import AuditKind, Decision
from tests.conftest import CRITERIA
from tests.factories import answer_condition, decide, full_answers

DECIDED_2026 = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
TODAY = date(2031, 6, 1)
PDF = b"%PDF-1.4\n% Nachweis\n%%EOF\n"


@pytest.fixture
def cycle(app, make_user, make_centre, make_audit, catalog):
    """A decided 2026 audit with conditions (C4 closed, F5 open) and files on B2 and F5, and a
    renewal audit planned on aiz-2027 from it."""
    newer = import_file(CRITERIA / "aiz-2027.yaml", activate=True).catalog
    db.session.commit()
    centre = make_centre(name="Technologiezentrum Göttingen")
    contact = make_user("contact", centre=centre)
    lead = make_user("lead")
    auditor = make_user("auditor")
    old = make_audit(centre, lead=auditor, answers=full_answers(catalog, C4=0, F5=0, B2=2))
    b2 = audit_service.get_assessment(old, "B2")
    expired = evidence_service.add_evidence(
        old, b2, filename="Flächenplan_2026.pdf", data=PDF, actor=auditor, max_bytes=10_000,
        document_date=date(2026, 3, 1), valid_until=date(2028, 12, 31))
    still = evidence_service.add_evidence(
        old, audit_service.get_assessment(old, "F5"), filename="Wirkungsbericht.pdf",
        data=PDF + b"2", actor=auditor, max_bytes=10_000)
    db.session.commit()
    decide(old, lead, decision=Decision.AWARD_WITH_CONDITIONS, now=DECIDED_2026)
    conditions = {c.criterion_code: c for c in condition_service.for_audit(old)}
    answer_condition(conditions["C4"], contact)
    condition_service.accept(conditions["C4"], lead)
    db.session.commit()
    new = make_audit(centre, lead=auditor, kind=AuditKind.RENEWAL, catalog=newer,
                     planned_on=date(2031, 5, 4),
                     answers={"A1": 3, "B2": 3, "G7": 1})
    return SimpleNamespace(old=old, new=new, lead=lead, auditor=auditor, newer=newer,
                           expired=expired, still=still, conditions=conditions, centre=centre)


def test_a_renewal_starts_from_the_latest_decided_audit(cycle):
    assert cycle.new.previous_audit_id == cycle.old.id
    with pytest.raises(ValidationFailed) as exc:  # a previous audit for an initial audit
        audit_service.plan_audit(
            centre=cycle.centre, catalog=cycle.newer, kind=AuditKind.INITIAL,
            planned_on=date(2031, 5, 4), lead_auditor=cycle.auditor, auditors=[],
            previous=cycle.old)
    assert "kind" in exc.value.fields
    db.session.rollback()


def test_previous_values_follow_the_mapping(cycle):
    previous = renewal.previous_cycle(cycle.new)
    assert previous.year == 2026
    by_code = previous.by_code
    assert by_code["A1"].kind is LineageKind.UNCHANGED and by_code["A1"].entries[0].points == 3
    assert by_code["G7"].kind is LineageKind.RENAMED
    assert [e.code for e in by_code["G7"].entries] == ["F5"]
    assert by_code["G7"].entries[0].points == 0 and by_code["G7"].entries[0].conditions
    assert by_code["B8"].kind is LineageKind.SPLIT and by_code["B8"].entries[0].code == "B2"
    assert by_code["E3"].kind is LineageKind.MERGED
    assert [e.code for e in by_code["E3"].entries] == ["E3", "E4"]
    assert by_code["C8"].kind is LineageKind.NEW and by_code["C8"].entries == []
    assert [c.criterion_code for c in by_code["C4"].entries[0].conditions] == ["C4"]


def test_carrying_a_file_forward_needs_the_confirmation(cycle):
    with pytest.raises(ValidationFailed) as exc:
        renewal.carry_forward(cycle.new, "G7", cycle.still.id, actor=cycle.auditor,
                              still_valid=False, today=TODAY)
    assert "still_valid" in exc.value.fields
    with pytest.raises(ValidationFailed) as exc:  # not a file of this criterion's predecessor
        renewal.carry_forward(cycle.new, "A1", cycle.still.id, actor=cycle.auditor,
                              still_valid=True, today=TODAY)
    assert "evidence_id" in exc.value.fields
    db.session.rollback()
    carried = renewal.carry_forward(cycle.new, "G7", cycle.still.id, actor=cycle.auditor,
                                    still_valid=True, today=TODAY)
    db.session.commit()
    assert carried.carried_from_id == cycle.still.id and carried.sha256 == cycle.still.sha256
    assert db.session.scalar(sa.select(Event).where(
        Event.action == "evidence_carried_forward")).note == "G7"
    with pytest.raises(ValidationFailed) as exc:  # once only
        renewal.carry_forward(cycle.new, "G7", cycle.still.id, actor=cycle.auditor,
                              still_valid=True, today=TODAY)
    assert "evidence_id" in exc.value.fields


def test_an_expired_file_needs_a_new_valid_until(cycle):
    assert cycle.expired.expired(TODAY) and not cycle.expired.expired(date(2028, 12, 31))
    with pytest.raises(ValidationFailed) as exc:
        renewal.carry_forward(cycle.new, "B8", cycle.expired.id, actor=cycle.auditor,
                              still_valid=True, today=TODAY)
    assert "valid_until" in exc.value.fields
    with pytest.raises(ValidationFailed) as exc:  # not in the past either
        renewal.carry_forward(cycle.new, "B8", cycle.expired.id, actor=cycle.auditor,
                              still_valid=True, today=TODAY, valid_until=date(2031, 5, 31))
    assert "valid_until" in exc.value.fields
    db.session.rollback()
    carried = renewal.carry_forward(cycle.new, "B8", cycle.expired.id, actor=cycle.auditor,
                                    still_valid=True, today=TODAY, valid_until=date(2033, 1, 1))
    assert carried.valid_until == date(2033, 1, 1)
    assert carried.document_date == date(2026, 3, 1)


def test_the_comparison_for_the_report(cycle):
    from audit_app.services.catalogs import domain_catalog
    from audit_app.services.scoring import score_audit

    previous = renewal.previous_cycle(cycle.new)
    result = score_audit(cycle.new)
    comparison = renewal.comparison(previous, domain_catalog(cycle.newer.id), result, TODAY)
    assert comparison.previous_year == 2026 and comparison.previous_number == cycle.old.number
    assert [c.code for c in comparison.categories][0] == "A"
    assert [(c.code, c.previous_code, c.previous_points, c.current_points) for c in comparison.improved] == [
        ("B2", "B2", 2, 3), ("G7", "F5", 0, 1)]
    states = {c.criterion_code: (c.state, c.current_code) for c in comparison.conditions}
    assert states["C4"] == (ConditionState.CLOSED, "C4")
    assert states["F5"] == (ConditionState.OVERDUE, "G7")


def test_a_renewal_before_expiry_supersedes_after_a_gap_starts_new(app, cycle, make_audit):
    from audit_app.services.certificates import continuity

    old_certificate = db.session.scalar(
        sa.select(Certificate).where(Certificate.audit_id == cycle.old.id))
    assert old_certificate.valid_until == date(2031, 11, 2)
    renewed = make_audit(cycle.centre, kind=AuditKind.RENEWAL, catalog=cycle.newer,
                         planned_on=date(2031, 5, 4),
                         answers=full_answers(cycle.newer))
    decide(renewed, cycle.lead, decision=Decision.AWARD,
           now=datetime(2031, 6, 1, 9, 0, tzinfo=UTC))
    new_certificate = db.session.scalar(
        sa.select(Certificate).where(Certificate.audit_id == renewed.id))
    db.session.refresh(old_certificate)
    assert old_certificate.status is CertificateStatus.SUPERSEDED
    assert new_certificate.valid_from == date(2031, 6, 1)
    assert continuity(new_certificate)["kind"] == "continued"
    # The open F5 condition of the superseded certificate is no longer to be fulfilled.
    assert condition_service.load(cycle.conditions["F5"].id).status.value == "cancelled"

    # Another centre whose label ran out before its renewal was decided: a new validity.
    lapsed = make_audit(None, answers=full_answers(cycle.newer), catalog=cycle.newer)
    decide(lapsed, cycle.lead, decision=Decision.AWARD,
           now=datetime(2026, 11, 3, 9, 0, tzinfo=UTC))
    late = make_audit(lapsed.centre, kind=AuditKind.RENEWAL, catalog=cycle.newer,
                      answers=full_answers(cycle.newer), planned_on=date(2031, 12, 1))
    decide(late, cycle.lead, decision=Decision.AWARD, now=datetime(2032, 2, 1, 9, 0, tzinfo=UTC))
    first = db.session.scalar(sa.select(Certificate).where(Certificate.audit_id == lapsed.id))
    second = db.session.scalar(sa.select(Certificate).where(Certificate.audit_id == late.id))
    assert first.status is CertificateStatus.VALID  # expired by date, not superseded
    assert second.valid_from == date(2032, 2, 1) and second.valid_until == date(2037, 2, 1)
    info = continuity(second)
    assert info["kind"] == "new" and info["gap_from"] == date(2031, 11, 4)
