"""Renewal reminders: due once per stage, printed, and sent to a real local SMTP server."""
from __future__ import annotations

import socketserver
import threading
from datetime import date

import pytest
import sqlalchemy as sa

from audit_app.extensions import db
from audit_app.models import Certificate, CertificateStatus, Event
from tests.conftest import fresh


class _SMTPHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP to accept messages: records envelope recipients and the data."""

    def write(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self) -> None:
        self.write("220 localhost test SMTP")
        recipients, data_mode, lines = [], False, []
        while True:
            raw = self.rfile.readline()
            if not raw:
                return
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            if data_mode:
                if line == ".":
                    self.server.messages.append({"to": recipients, "data": "\n".join(lines)})
                    recipients, data_mode, lines = [], False, []
                    self.write("250 queued")
                else:
                    lines.append(line)
                continue
            verb = line[:4].upper()
            if verb in ("EHLO", "HELO"):
                self.write("250 localhost")
            elif verb == "MAIL":
                self.write("250 ok")
            elif verb == "RCPT":
                recipients.append(line.split(":", 1)[1].strip(" <>"))
                self.write("250 ok")
            elif verb == "DATA":
                data_mode = True
                self.write("354 go ahead")
            elif verb == "QUIT":
                self.write("221 bye")
                return
            else:
                self.write("250 ok")


@pytest.fixture
def smtp_server():
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _SMTPHandler)
    server.daemon_threads = True
    server.messages = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


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
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.server_address[1])
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
