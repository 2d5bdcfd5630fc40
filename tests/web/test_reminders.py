"""Renewal reminders: due once per stage, printed, and sent to a real local SMTP server."""
from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from audit_app.extensions import db
from audit_app.models import Certificate, CertificateStatus, Event
from tests.conftest import fresh
from tests.smtp_sink import smtp_sink


@pytest.fixture
def smtp_server():
    with smtp_sink() as server:
        yield server


@pytest.fixture
def certificates(make_centre, make_user, make_audit):
    """Certificates ending in 200 days, in 400 days, and one already renewed."""
    def cert(centre, number, valid_until, status=CertificateStatus.VALID):
        audit = make_audit(centre)
        c = Certificate(number=number, audit_id=audit.id, centre_id=centre.id,
                        catalog_id=audit.catalog_id, valid_from=date(valid_until.year - 5, valid_until.month, 1),
                        valid_until=valid_until, status=status)
        db.session.add(c)
        return c

    soon = make_centre(name="Technologiezentrum Göttingen", contact_email="Info@TZ-Goettingen.example")
    make_user("contact", email="kontakt@tz-goettingen.example", centre=soon)
    later = make_centre(name="Gründerzentrum Jena")
    renewed = make_centre(name="Zentrum Würzburg")
    cert(soon, "AIZ-2022-0001", date(2027, 6, 14))          # 200 days after 2026-11-26
    cert(later, "AIZ-2023-0002", date(2027, 12, 31))        # 400 days: not yet due
    cert(renewed, "AIZ-2022-0003", date(2027, 3, 1))
    cert(renewed, "AIZ-2026-0004", date(2031, 3, 1))        # the renewal
    db.session.commit()


def test_reminders_are_printed_without_sending(runner, certificates):
    result = runner.invoke(args=["reminders", "--today", "2026-11-26"])
    assert result.exit_code == 0, result.output
    assert "AIZ-2022-0001\tTechnologiezentrum Göttingen" in result.output
    assert "200 days left\tstage 365" in result.output
    assert "info@tz-goettingen.example, kontakt@tz-goettingen.example" in result.output
    assert "AIZ-2023-0002" not in result.output and "AIZ-2022-0003" not in result.output
    assert "no MAIL_SERVER configured" in result.output


def test_reminders_are_sent_once_per_stage(app, runner, certificates, smtp_server):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port)
    result = runner.invoke(args=["reminders", "--today", "2026-11-26"])
    assert result.exit_code == 0 and "Sent 1 reminder(s)." in result.output, result.output
    assert len(smtp_server.messages) == 1
    message = smtp_server.messages[0]
    assert sorted(message["to"]) == ["info@tz-goettingen.example", "kontakt@tz-goettingen.example"]
    assert "AIZ-2022-0001" in message["data"]
    fresh()
    event = db.session.scalars(sa.select(Event).where(Event.action == "reminder_sent")).one()
    assert event.note == "365"
    # The same stage is not sent again the next day; the 180-day stage is, later.
    assert "No reminders are due." in runner.invoke(args=["reminders", "--today", "2026-11-27"]).output
    assert "stage 180" in runner.invoke(args=["reminders", "--today", "2026-12-20", "--dry-run"]).output


def test_a_failing_mail_server_records_nothing(app, runner, certificates):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=1)  # nothing listens there
    result = runner.invoke(args=["reminders", "--today", "2026-11-26"])
    assert result.exit_code == 1 and "Sending failed, nothing recorded" in result.output
    fresh()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Event).where(
        Event.action == "reminder_sent")) == 0


def test_lead_dashboard_lists_expiring_labels_but_not_renewed_ones(certificates):
    from audit_app.services.dashboard import lead_dashboard

    numbers = [c.number for c in lead_dashboard(date(2026, 11, 26)).expiring]
    assert numbers == ["AIZ-2022-0001"]  # Würzburg's 2027 certificate was renewed


def test_a_reminder_claimed_by_another_run_meanwhile_is_not_sent_again(app, certificates,
                                                                       smtp_server):
    """Another server's run sent the reminder after this run found it due: its committed
    claim row makes this run skip it."""
    from audit_app.models import ReminderSent
    from audit_app.services import reminders

    due = reminders.due_reminders(date(2026, 11, 26))
    assert [(r.certificate.number, r.stage) for r in due] == [("AIZ-2022-0001", 365)]
    db.session.commit()
    with db.engine.begin() as other_server:
        other_server.execute(sa.insert(ReminderSent).values(
            certificate_id=due[0].certificate.id, stage=365, sent_at=datetime.now(UTC)))
    config = {**app.config, "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp_server.port}
    assert reminders.send(due, config, after_each=db.session.commit) == 0
    assert smtp_server.messages == []
    assert reminders.due_reminders(date(2026, 11, 27)) == []


def test_a_failed_sending_releases_its_claim(app, certificates):
    from audit_app.models import ReminderSent
    from audit_app.services import reminders

    due = reminders.due_reminders(date(2026, 11, 26))
    db.session.commit()
    with pytest.raises(OSError):
        reminders.send(due, {**app.config, "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": 1})
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ReminderSent)) == 0
    assert len(reminders.due_reminders(date(2026, 11, 27))) == 1


@pytest.mark.parametrize("backend", ["sqlite"])
def test_the_migration_turns_sent_reminder_events_into_claims(app, backend, runner, certificates,
                                                              smtp_server):
    from flask_migrate import downgrade, upgrade

    from audit_app.models import ReminderSent

    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port)
    assert "Sent 1 reminder(s)." in runner.invoke(args=["reminders", "--today", "2026-11-26"]).output
    fresh()
    before = db.session.execute(sa.select(ReminderSent.certificate_id, ReminderSent.stage)).all()
    assert len(before) == 1
    db.session.remove()
    directory = app.extensions["migrate"].directory
    downgrade(directory=directory, revision="08f8890eb5eb-1")
    upgrade(directory=directory)
    assert db.session.execute(sa.select(ReminderSent.certificate_id, ReminderSent.stage)).all() \
        == before
    assert "No reminders are due." in runner.invoke(args=["reminders", "--today",
                                                          "2026-11-27"]).output
