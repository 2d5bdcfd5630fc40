"""Command line: thin click commands over the services (``flask --app audit_app ...``)."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from flask_migrate import upgrade

from .catalog import CatalogError
from .extensions import db
from .models import CatalogStatus
from .services import catalogs as catalog_service
from .services import users as user_service
from .services.errors import ValidationFailed

catalog_cli = AppGroup("catalog", help="Validate, import and list criteria catalogues.")
user_cli = AppGroup("user", help="Manage users.")
token_cli = AppGroup("token", help="Create, list and revoke API tokens.")
documents_cli = AppGroup("documents", help="Certificate and report PDFs of decided audits.")


def _fail(message: str) -> None:
    click.secho(message, fg="red", err=True)
    sys.exit(1)


def _catalog_files(folder: str) -> list[Path]:
    return sorted(Path(folder).glob("*.yaml"))


#: Lines of :func:`import_all_catalogs` that warn (printed to standard error).
WARNING = "WARNING: "


def import_all_catalogs(folder: str) -> list[str]:
    """Import every catalogue file of ``folder`` (activating new ones); lines to print.

    A file whose key and version are stored already with *other* content is not imported
    (a stored version never changes: audits and certificates name it): its line starts
    with :data:`WARNING` and the stored version stays as it is.
    """
    lines = []
    for path in _catalog_files(folder):
        try:
            result = catalog_service.import_file(path, activate=True)
        except catalog_service.CatalogImportError as exc:
            lines.append(f"{WARNING}{path.name}: {exc}; the stored version stays in use")
            continue
        state = "imported" if result.created else "already present"
        lines.append(f"{result.catalog.label}: {state} ({path.name})")
    return lines


@click.command("init")
def init_command() -> None:
    """Upgrade the database and import every catalogue in criteria/ (safe to run again)."""
    upgrade(directory=current_app.extensions["migrate"].directory)
    try:
        lines = import_all_catalogs(current_app.config["CRITERIA_FOLDER"])
    except CatalogError as exc:
        db.session.rollback()
        _fail(str(exc))
    db.session.commit()
    click.echo("Database is up to date.")
    for line in lines:
        if line.startswith(WARNING):
            click.secho(line, fg="yellow", err=True)
        else:
            click.echo(line)


@catalog_cli.command("validate")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
def catalog_validate(paths: tuple[str, ...]) -> None:
    """Check catalogue files; print every error as file:line: path: message and exit 1.

    A file naming a predecessor is checked against that older version too: among the files
    given, else the file ``<key>-<version>.yaml`` next to it.
    """
    from .catalog.lineage import validate_files

    failed = False
    for path, catalog in validate_files(paths).items():
        if isinstance(catalog, CatalogError):
            failed = True
            for problem in catalog.problems:
                click.echo(str(problem), err=True)
        else:
            mapped = (f", mapped from {catalog.key} {catalog.predecessor.version}"
                      if catalog.predecessor else "")
            click.echo(
                f"{path}: OK ({catalog.key} {catalog.version}, "
                f"{len(catalog.categories)} categories, {catalog.criteria_count} criteria"
                f"{mapped})"
            )
    if failed:
        sys.exit(1)


@catalog_cli.command("import")
@click.argument("path", type=click.Path())
@click.option("--activate", is_flag=True, help="Make it the active version right away.")
def catalog_import(path: str, activate: bool) -> None:
    """Validate and import one catalogue file."""
    try:
        result = catalog_service.import_file(path, activate=activate)
    except CatalogError as exc:
        db.session.rollback()
        _fail(str(exc))
    except catalog_service.CatalogImportError as exc:
        db.session.rollback()
        _fail(f"{path}: {exc}")
    if activate and not result.created:
        catalog_service.set_status(result.catalog, CatalogStatus.ACTIVE)
    db.session.commit()
    state = "imported" if result.created else "already present, content unchanged"
    click.echo(f"{result.catalog.label}: {state} (status {result.catalog.status.value})")


@catalog_cli.command("list")
def catalog_list() -> None:
    """List the stored catalogue versions."""
    rows = catalog_service.list_catalogs()
    if not rows:
        click.echo("No catalogues imported yet. Run: flask --app audit_app init")
    for row in rows:
        lock = ", used by audits" if row.locked else ""
        click.echo(
            f"{row.key}\t{row.version}\t{row.status.value}{lock}\t{row.title_de}\t"
            f"sha256:{row.checksum[:12]}"
        )


@catalog_cli.command("set-status")
@click.argument("key")
@click.argument("version")
@click.argument("status", type=click.Choice([s.value for s in CatalogStatus]))
def catalog_set_status(key: str, version: str, status: str) -> None:
    """Set a catalogue version to draft, active or retired."""
    row = next(
        (c for c in catalog_service.list_catalogs() if c.key == key and c.version == version), None
    )
    if row is None:
        _fail(f"no catalogue {key} {version}")
    catalog_service.set_status(row, CatalogStatus(status))
    db.session.commit()
    click.echo(f"{row.label}: {status}")


@user_cli.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option(
    "--role", "roles", multiple=True, required=True,
    help="admin, lead, auditor or contact; repeat for several roles.",
)
@click.option("--centre-id", type=int, default=None, help="The centre of a centre contact.")
@click.option("--language", type=click.Choice(["de", "en"]), default="de")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def user_create(email, name, roles, centre_id, language, password_stdin) -> None:
    """Create a user; the password comes from a prompt or from standard input."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = user_service.create_user(
            email=email, name=name, password=password, roles=roles,
            centre_id=centre_id, language=language,
        )
    except ValidationFailed as exc:
        db.session.rollback()
        details = "; ".join(f"{k}: {v}" for k, v in exc.fields.items())
        _fail(f"User not created. {details}")
    db.session.commit()
    click.echo(f"Created user {user.id} <{user.email}> ({', '.join(sorted(r.value for r in user.roles))})")


@token_cli.command("create")
@click.option("--email", required=True, help="The user the token acts for.")
@click.option("--label", default="", help="What the token is for, e.g. the script's name.")
def token_create(email: str, label: str) -> None:
    """Create an API token and print it once (only its hash is stored)."""
    from .services import tokens as token_service

    user = user_service.find_by_email(email)
    if user is None:
        _fail(f"No user with the e-mail address {email}.")
    try:
        token, plain = token_service.create_token(user, label=label)
    except ValidationFailed as exc:
        db.session.rollback()
        _fail("Token not created. " + "; ".join(f"{k}: {v}" for k, v in exc.fields.items()))
    db.session.commit()
    click.echo(f"Token {token.id} for {user.email} ({token.prefix}…), shown only this once:",
               err=True)
    click.echo(plain)


@token_cli.command("list")
def token_list() -> None:
    """List the tokens: id, prefix, user, label, created, last used, status."""
    from .services import tokens as token_service

    for t in token_service.list_tokens():
        status = "revoked" if t.revoked_at else "active"
        used = t.last_used_at.strftime("%Y-%m-%d %H:%M") if t.last_used_at else "never"
        click.echo(f"{t.id}\t{t.prefix}…\t{t.user.email}\t{t.label or '-'}\t"
                   f"created {t.created_at:%Y-%m-%d}\tlast used {used}\t{status}")


@token_cli.command("revoke")
@click.argument("token_id", type=int)
def token_revoke(token_id: int) -> None:
    """Revoke a token by its id; requests with it are refused from now on."""
    from .services import tokens as token_service

    token = token_service.get_token(token_id)
    if token is None:
        _fail(f"No token {token_id}.")
    changed = token_service.revoke_token(token)
    db.session.commit()
    click.echo(f"Token {token_id} revoked." if changed else f"Token {token_id} was already revoked.")


@documents_cli.command("render-pending")
def documents_render_pending() -> None:
    """Render every certificate and report PDF still pending or failed; exit 1 if any fails."""
    from .services import documents

    summary = documents.render_pending()
    click.echo(f"{summary.done} document(s) rendered, {summary.failed} failed.")
    if summary.failed:
        _fail("Some documents could not be rendered; see the log and the audit pages.")


@click.command("demo")
def demo_command() -> None:
    """Load realistic demo data (idempotent) and print the demo logins."""
    from .services import demo

    upgrade(directory=current_app.extensions["migrate"].directory)
    import_all_catalogs(current_app.config["CRITERIA_FOLDER"])
    created = demo.load_demo()
    db.session.commit()
    if created:
        click.echo("Demo data loaded.")
    else:
        click.echo("Demo data already present.")
    click.echo("Demo logins (password for all: " + demo.DEMO_PASSWORD + "):")
    logins = demo.demo_logins()
    width = max(len(email) for email, _name, _roles in logins)
    for email, name, roles in logins:
        click.echo(f"  {email:{width}} {name:28} {roles}")


@click.command("reminders")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Pretend today is this date (YYYY-MM-DD).")
@click.option("--dry-run", is_flag=True, help="Only print the due reminders, send nothing.")
def reminders_command(today, dry_run: bool) -> None:
    """Print the due renewal reminders and, when SMTP is configured, send them."""
    from datetime import date

    from .services import reminders

    day = today.date() if today else date.today()
    due = reminders.due_reminders(day)
    if not due:
        click.echo("No reminders are due.")
        return
    for r in due:
        c = r.certificate
        to = ", ".join(r.recipients) or "(no recipient: add a contact e-mail to the centre)"
        click.echo(f"{c.number}\t{c.centre.name}\tvalid until {c.valid_until.isoformat()}\t"
                   f"{r.days_left} days left\tstage {r.stage}\t{to}")
    config = current_app.config
    if dry_run or not config.get("MAIL_SERVER"):
        click.echo("Not sent: " + ("--dry-run." if dry_run else "no MAIL_SERVER configured."))
        return
    # End the reading transaction first: each claim then starts a transaction of its own
    # (SQLite cannot turn a reader into a writer once another connection has written).
    db.session.commit()
    sent = []
    try:
        count = reminders.send(due, config, after_each=lambda: (db.session.commit(),
                                                                sent.append(1)))
    except OSError as exc:  # smtplib errors are OSErrors too
        db.session.rollback()
        if not sent:
            _fail(f"Sending failed, nothing recorded: {exc}")
        _fail(f"Sending failed after {len(sent)} reminder(s), which are recorded: {exc}")
    db.session.commit()
    skipped = sum(1 for r in due if r.recipients) - count
    click.echo(f"Sent {count} reminder(s)."
               + (f" {skipped} were sent by another run at the same time." if skipped else ""))


@click.command("conditions")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="The day to act for (YYYY-MM-DD); default: today in Berlin.")
@click.option("--dry-run", is_flag=True, help="Only print what is due; send and change nothing.")
def conditions_command(today, dry_run: bool) -> None:
    """The daily run for conditions (cron): deadline reminders 30 and 7 days before, and the
    suspension of certificates whose condition is overdue beyond CONDITION_GRACE_DAYS.

    Safe to run twice a day and on several servers at once: a reminder is claimed by a unique
    row before it is sent, a suspension is one conditional update.
    """
    from datetime import UTC
    from datetime import datetime as _datetime
    from datetime import time as _time
    from zoneinfo import ZoneInfo

    from .services import conditions

    berlin = ZoneInfo("Europe/Berlin")
    day = today.date() if today else _datetime.now(berlin).date()
    # The events carry the day acted for: now on today, 06:00 Berlin time on another day
    # (a run catching up on a missed day records that day, not the day it ran).
    now = None if day == _datetime.now(berlin).date() else _datetime.combine(
        day, _time(6), tzinfo=berlin).astimezone(UTC)
    config = current_app.config
    grace = config["CONDITION_GRACE_DAYS"]
    due = conditions.due_reminders(day)
    suspensions = conditions.due_suspensions(day, grace)
    for r in due:
        c = r.condition
        to = ", ".join(r.recipients) or "(no recipient: add a contact e-mail to the centre)"
        click.echo(f"reminder\t{c.audit.number}\t{c.criterion_code or '-'}\t{c.centre.name}\t"
                   f"deadline {c.deadline.isoformat()}\t{r.days_left} days left\t"
                   f"stage {r.stage}\t{to}")
    for s in suspensions:
        codes = ", ".join(c.criterion_code or "-" for c in s.conditions)
        since = min(c.deadline for c in s.conditions).isoformat()
        click.echo(f"suspend\t{s.certificate.number}\t{s.certificate.centre.name}\t"
                   f"conditions {codes} overdue since {since} (grace {grace} days)")
    if not due and not suspensions:
        click.echo(f"Nothing is due on {day.isoformat()}.")
        return
    if dry_run:
        click.echo("Dry run: nothing sent, nothing changed.")
        return
    # End the reading transaction first: each change then starts a transaction of its own
    # (SQLite cannot turn a reader into a writer once another connection has written).
    db.session.commit()
    suspended = 0
    for s in suspensions:
        if conditions.suspend(s, now):
            suspended += 1
        db.session.commit()
    if suspensions:
        others = len(suspensions) - suspended
        click.echo(f"Suspended {suspended} certificate(s)."
                   + (f" {others} were suspended by another run." if others else ""))
    if not due:
        return
    if not config.get("MAIL_SERVER"):
        click.echo("Reminders not sent: no MAIL_SERVER configured.")
        return
    sent = []
    try:
        count = conditions.send_reminders(
            due, config, after_each=lambda: (db.session.commit(), sent.append(1)), now=now)
    except OSError as exc:  # smtplib errors are OSErrors too
        db.session.rollback()
        _fail(f"Sending failed after {len(sent)} reminder(s), which are recorded: {exc}")
    db.session.commit()
    skipped = sum(1 for r in due if r.recipients) - count
    click.echo(f"Sent {count} reminder(s)."
               + (f" {skipped} were sent by another run at the same time." if skipped else ""))


def init_app(app: Flask) -> None:
    for command in (init_command, demo_command, catalog_cli, user_cli, token_cli,
                    documents_cli, reminders_command, conditions_command):
        app.cli.add_command(command)


__all__ = ["import_all_catalogs", "init_app"]
