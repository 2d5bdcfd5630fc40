"""``flask --app audit_app storage check`` and ``storage migrate --to database|folder``."""
from __future__ import annotations

import sys

import click
from flask import Flask
from flask.cli import AppGroup

from ..extensions import db
from . import manage
from .base import CorruptFile, StorageError
from .store import BACKENDS, current

storage_cli = AppGroup("storage", help="Check stored files; move them between backends.")


def _print_problems(problems) -> None:
    for p in problems:
        used = "; ".join(p.used_by) or "not named by any row"
        click.echo(f"{p.kind}\t{p.key}\t{p.backend}\t{used}\t{p.detail}", err=True)


@storage_cli.command("check")
def check_command() -> None:
    """Verify every stored file against its SHA-256; list what is missing or corrupt."""
    try:
        report = manage.check(current())
    finally:
        db.session.rollback()
    where = ", ".join(f"{count} in {name}" for name, count in sorted(report.by_backend.items()))
    click.echo(f"Checked {report.checked} file(s), {report.bytes} bytes"
               + (f" ({where})" if where else "") + ".")
    if report.problems:
        _print_problems(report.problems)
        missing = sum(p.kind == "missing" for p in report.problems)
        click.echo(f"{missing} missing, {len(report.problems) - missing} corrupt.", err=True)
        sys.exit(1)
    click.echo("All files match their SHA-256.")


@storage_cli.command("migrate")
@click.option("--to", "target", type=click.Choice(BACKENDS), required=True,
              help="The backend every file should be in afterwards.")
def migrate_command(target: str) -> None:
    """Copy every file into TARGET, verify each copy's SHA-256, then switch the rows.

    Resumable and safe to repeat: verified copies from an interrupted run are kept, files
    already in TARGET are left alone. The source copies stay where they are.
    """
    storage = current()
    problems = manage.register_unregistered(storage)
    db.session.commit()
    failed = {p.key for p in problems}
    copies: list[manage.Copied] = []
    while True:  # files stored meanwhile under the old setting are picked up too
        keys = [k for k in manage.to_move(storage, target)
                if k not in failed and k not in {c.key for c in copies}]
        db.session.rollback()
        if not keys:
            break
        for key in keys:
            try:
                copy = manage.copy_verified(storage, key, target)
            except StorageError as exc:
                db.session.rollback()
                failed.add(key)
                kind = "corrupt" if isinstance(exc, CorruptFile) else "missing"
                problems.append(manage.Problem(key, kind, "", str(exc)))
                continue
            db.session.commit()
            copies.append(copy)
    changed = manage.switch(storage, copies, target)
    db.session.commit()
    copied = sum(c.copied for c in copies)
    click.echo(f"{copied} file(s) copied to {target}, {len(copies) - copied} verified copies "
               f"kept from before; {changed} row(s) switched to {target}.")
    if problems:
        _print_problems(problems)
        click.echo(f"{len(problems)} file(s) could not be moved; fix them and run again.", err=True)
        sys.exit(1)
    click.echo("Every file is in " + target + ".")


def init_app(app: Flask) -> None:
    app.cli.add_command(storage_cli)
