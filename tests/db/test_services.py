"""Services against the real databases: catalogue import, users, assessments, events."""
from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm.exc import StaleDataError

from audit_app.extensions import db
from audit_app.models import (
    AppendOnlyError,
    Assessment,
    CatalogCriterion,
    CatalogLockedError,
    CatalogStatus,
    CatalogVersion,
    Event,
    User,
)
from audit_app.services import audits as svc
from audit_app.services.catalogs import CatalogImportError, domain_catalog, import_file
from audit_app.services.errors import ValidationFailed, VersionConflict
from audit_app.services.users import create_user
from tests.conftest import CRITERIA, PASSWORD


def _snapshot(model) -> list[tuple]:
    rows = db.session.execute(sa.select(model.__table__)).all()
    return sorted(tuple(r) for r in rows)


class TestCatalogImport:
    def test_real_catalogue_is_stored_with_every_criterion(self, catalog):
        assert catalog.label == "aiz-2026"
        assert catalog.status is CatalogStatus.ACTIVE
        codes = db.session.scalars(
            sa.select(CatalogCriterion.code)
            .where(CatalogCriterion.catalog_id == catalog.id)
            .order_by(CatalogCriterion.position)
        ).all()
        assert len(codes) == 40 and codes[0] == "A1" and codes[-1] == "G6"
        domain = domain_catalog(catalog.id)
        assert domain.criterion("B1").points_for_value(Decimal(3000)) == 3
        assert domain.criterion("A1").knockout and not domain.criterion("A1").na_allowed
        assert domain.rules.validity_years == 5
        assert domain.title.de == "AIZ-Kriterienkatalog 2026"

    def test_importing_the_same_file_again_changes_nothing(self, catalog):
        before = db.session.scalar(sa.select(sa.func.count()).select_from(CatalogCriterion))
        result = import_file(CRITERIA / "aiz-2026.yaml")
        assert result.created is False and result.catalog.id == catalog.id
        assert db.session.scalar(sa.select(sa.func.count()).select_from(CatalogCriterion)) == before

    def test_changed_file_under_same_version_is_refused(self, catalog, tmp_path):
        changed = tmp_path / "aiz-2026.yaml"
        text = (CRITERIA / "aiz-2026.yaml").read_text(encoding="utf-8")
        changed.write_text(text.replace("AIZ-Kriterienkatalog 2026", "AIZ-Kriterienkatalog 2026 (geändert)", 1), encoding="utf-8")
        with pytest.raises(CatalogImportError, match="new version"):
            import_file(changed)

    def test_catalogue_used_by_an_audit_cannot_change(self, make_audit, catalog):
        make_audit()
        assert catalog.locked
        criterion = db.session.scalar(
            sa.select(CatalogCriterion).where(CatalogCriterion.catalog_id == catalog.id).limit(1)
        )
        criterion.weight = 1 if criterion.weight != 1 else 2
        with pytest.raises(CatalogLockedError):
            db.session.flush()
        db.session.rollback()
        catalog = db.session.get(CatalogVersion, catalog.id)
        catalog.title_de = "Anderer Titel"
        with pytest.raises(CatalogLockedError):
            db.session.flush()
        db.session.rollback()
        # Only the status may still change.
        catalog = db.session.get(CatalogVersion, catalog.id)
        catalog.status = CatalogStatus.RETIRED
        db.session.commit()


class TestUsers:
    def test_password_is_hashed_with_scrypt(self, app, make_user):
        # The tests hash cheaply (PASSWORD_HASH_METHOD); the production default is scrypt.
        from audit_app import config as defaults

        assert defaults.PASSWORD_HASH_METHOD == "scrypt"
        app.config["PASSWORD_HASH_METHOD"] = defaults.PASSWORD_HASH_METHOD
        user = make_user("lead")
        assert user.password_hash.startswith("scrypt:")
        assert PASSWORD not in user.password_hash
        assert user.check_password(PASSWORD) and not user.check_password("falsch")

    def test_an_unset_hash_method_means_scrypt(self, app, make_user):
        app.config["PASSWORD_HASH_METHOD"] = None
        assert make_user("lead").password_hash.startswith("scrypt:")

    @pytest.mark.parametrize(
        "changes, field",
        [
            ({"email": "kein-at-zeichen"}, "email"),
            ({"roles": ["superuser"]}, "roles"),
            ({"roles": []}, "roles"),
            ({"password": "zu-kurz"}, "password"),
            ({"name": "  "}, "name"),
            ({"roles": ["contact"]}, "centre_id"),
        ],
    )
    def test_bad_user_input_is_refused_and_nothing_is_stored(self, app, changes, field):
        values = dict(email="jürgen@zentren-test.de", name="Jürgen Größ", password=PASSWORD,
                      roles=["auditor"])
        values.update(changes)
        with pytest.raises(ValidationFailed) as exc:
            create_user(**values)
        assert field in exc.value.fields
        db.session.rollback()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0

    def test_duplicate_email_is_refused_whatever_its_case(self, make_user):
        make_user(email="katrin.weiss@zentren-test.de")
        with pytest.raises(ValidationFailed) as exc:
            create_user(email="Katrin.Weiss@Zentren-Test.de", name="Katrin Weiß",
                        password=PASSWORD, roles=["auditor"])
        assert exc.value.fields == {"email": "is already registered"}


class TestAssessments:
    @pytest.mark.parametrize(
        "code, answer, field",
        [
            ("A2", svc.AnswerInput(points=4), "points"),
            ("A2", svc.AnswerInput(points=-1), "points"),
            ("A4", svc.AnswerInput(points=2), "points"),  # yes/no takes 0 or 3
            ("C7", svc.AnswerInput(not_applicable=True, na_reason=""), "na_reason"),
            ("A1", svc.AnswerInput(not_applicable=True, na_reason="Satzung fehlt"), "not_applicable"),
            ("A2", svc.AnswerInput(not_applicable=True, na_reason="nicht relevant"), "not_applicable"),
            ("B1", svc.AnswerInput(value="-5"), "value"),
            ("B1", svc.AnswerInput(value="viel"), "value"),
            ("B7", svc.AnswerInput(value="101"), "value"),
            ("B1", svc.AnswerInput(points=2), "points"),
            ("A2", svc.AnswerInput(points=2, finding="Lücke", finding_severity=None), "finding_severity"),
        ],
    )
    def test_invalid_answers_are_refused_and_change_nothing(self, make_audit, code, answer, field):
        audit = make_audit(answers={"A3": 2})
        before = (_snapshot(Assessment), _snapshot(Event))
        assessment = svc.get_assessment(audit, code)
        with pytest.raises(ValidationFailed) as exc:
            svc.save_assessment(audit, code, answer, expected_version=assessment.version,
                                actor=audit.lead_auditor)
        assert field in exc.value.fields
        db.session.rollback()
        assert (_snapshot(Assessment), _snapshot(Event)) == before

    def test_save_writes_old_and_new_values_to_the_event_log(self, make_audit):
        audit = make_audit(answers={"A2": 1})
        assessment = svc.get_assessment(audit, "A2")
        assert assessment.version == 2
        svc.save_assessment(audit, "A2", svc.AnswerInput(points=3, comment="Strategie 2030 liegt vor – „überzeugend“"),
                            expected_version=2, actor=audit.lead_auditor)
        db.session.commit()
        event = db.session.scalars(
            sa.select(Event).where(Event.action == "assessment_saved").order_by(Event.id.desc())
        ).first()
        assert event.old == {"points": 1, "comment": ""}
        assert event.new == {"points": 3, "comment": "Strategie 2030 liegt vor – „überzeugend“"}
        assert event.audit_id == audit.id and event.actor_id == audit.lead_auditor.id

    def test_stale_version_is_refused_with_the_stored_answer(self, make_audit):
        audit = make_audit(answers={"A2": 1})
        with pytest.raises(VersionConflict) as exc:
            svc.save_assessment(audit, "A2", svc.AnswerInput(points=3), expected_version=1,
                                actor=audit.lead_auditor)
        assert exc.value.current.points == 1

    def test_a_resend_of_the_stored_answer_with_a_stale_version_is_no_conflict(self, make_audit):
        """An offline outbox may send a save again whose answer was lost on the way back:
        identical to what is stored, it overwrites nothing, so it is answered as saved."""
        from decimal import Decimal

        audit = make_audit(answers={"A2": 2, "B1": Decimal("3200")})
        events_before = db.session.scalar(sa.select(sa.func.count()).select_from(Event))
        same = svc.save_assessment(audit, "A2", svc.AnswerInput(points=2), expected_version=1,
                                   actor=audit.lead_auditor)
        also_same = svc.save_assessment(audit, "B1", svc.AnswerInput(value="3200,00"),
                                        expected_version=1, actor=audit.lead_auditor)
        db.session.commit()
        assert same.version == 2 and also_same.version == 2
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Event)) == events_before
        with pytest.raises(VersionConflict):  # any difference, a comment too, still conflicts
            svc.save_assessment(audit, "A2", svc.AnswerInput(points=2, comment="Nachtrag – Büro"),
                                expected_version=1, actor=audit.lead_auditor)

    def test_concurrent_update_loses_at_the_database(self, app, make_audit):
        """Two sessions load version 2; the second write is refused, the first one stays.

        PostgreSQL reports the changed version (StaleDataError); SQLite in WAL mode already
        refuses the stale reader's attempt to write (SQLITE_BUSY_SNAPSHOT). Web requests that
        write open their transaction with BEGIN IMMEDIATE, so there they queue instead.
        """
        from sqlalchemy.orm import Session

        audit = make_audit(answers={"A2": 1})
        assessment_id = svc.get_assessment(audit, "A2").id
        with Session(db.engine) as first, Session(db.engine) as second:
            a1 = first.get(Assessment, assessment_id)
            a2 = second.get(Assessment, assessment_id)
            a1.points = 3
            first.commit()
            a2.points = 0
            with pytest.raises((StaleDataError, OperationalError)):
                second.commit()
        db.session.rollback()  # end this session's older snapshot
        assert db.session.get(Assessment, assessment_id).points == 3


def test_events_cannot_be_changed_or_deleted(make_audit):
    make_audit(answers={"A2": 1})
    event = db.session.scalars(sa.select(Event)).first()
    event.note = "manipuliert"
    with pytest.raises(AppendOnlyError):
        db.session.flush()
    db.session.rollback()
    event = db.session.scalars(sa.select(Event)).first()
    db.session.delete(event)
    with pytest.raises(AppendOnlyError):
        db.session.flush()
    db.session.rollback()


def test_cached_scores_follow_every_change(make_audit, make_user):
    """Lists use cached results; a saved answer or a reviewer's adjustment changes the key."""
    from audit_app.services.scoring import score_audit, score_audits

    audit = make_audit(answers={"A2": 1})
    first = score_audits([audit])[audit.id]
    assert score_audits([audit])[audit.id] is first  # unchanged input: the cached result
    category_a = first.category("A").percent
    svc.save_assessment(audit, "A2", svc.AnswerInput(points=3), expected_version=2,
                        actor=audit.lead_auditor)
    db.session.commit()
    second = score_audits([audit])[audit.id]
    assert second is not first and second.category("A").percent > category_a
    assert second == score_audit(audit)


def test_a_decision_renders_certificate_and_report_in_both_languages(
        make_audit, make_user, catalog, pdf_renders):
    """Four documents per award (the recording renderer counts them; tests/pdf reads real ones)."""
    from audit_app.workflow import Action, Decision
    from tests.conftest import full_answers

    lead, wg_lead = make_user("auditor"), make_user("lead")
    audit = make_audit(answers=full_answers(catalog), lead=lead)
    svc.transition(audit, Action.SUBMIT, lead)
    svc.transition(audit, Action.BEGIN_REVIEW, wg_lead)
    before = len(pdf_renders.calls)
    svc.agree_with_remaining(audit, actor=wg_lead)  # decide needs every row reviewed
    svc.transition(audit, Action.DECIDE, wg_lead, decision=Decision.AWARD)
    db.session.commit()
    rendered = pdf_renders.calls[before:]
    assert len(rendered) == 4
    assert all(audit.centre.name in html for html in rendered)
    assert sum('lang="en"' in html for html in rendered) == 2
