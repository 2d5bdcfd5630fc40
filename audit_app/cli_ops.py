"""Operations commands: ``flask --app audit_app backup DEST`` and ``restore SRC``."""
from __future__ import annotations

import click
from flask import Flask, current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from .services import backup as service


@click.command("backup")
@click.argument("dest", type=click.Path(file_okay=False))
def backup_command(dest: str) -> None:
    """Back up the database and the files folder into the new folder DEST (app may run)."""
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):  # no request to ask
        _backup(dest)


def _backup(dest: str) -> None:
    try:
        manifest = service.backup(current_app._get_current_object(), dest)
    except service.BackupFailed as exc:
        raise click.ClickException(_("Backup failed: %(reason)s", reason=str(exc.message))) from None
    click.echo(_("Backup written to %(dest)s: %(kind)s database, revision %(revision)s, "
                 "%(count)d files.", dest=dest, kind=manifest["database"],
                 revision=manifest["alembic_revision"], count=len(manifest["files"])))
    if manifest["stored_files"]:
        click.echo(_("%(count)d stored files are held by the database and its dump; each was "
                     "checked against its SHA-256.", count=len(manifest["stored_files"])))


@click.command("restore")
@click.argument("src", type=click.Path(file_okay=False))
@click.option("--force", is_flag=True, help="Replace the content of a non-empty database.")
def restore_command(src: str, force: bool) -> None:
    """Verify the backup SRC and restore the database and files from it."""
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        _restore(src, force)


def _restore(src: str, force: bool) -> None:
    try:
        result = service.restore(current_app._get_current_object(), src, force=force)
    except (service.RestoreRefused, service.BackupFailed) as exc:
        raise click.ClickException(
            _("Restore refused, nothing was changed: %(reason)s", reason=str(exc.message))
        ) from None
    click.echo(_("Restored the %(kind)s database (revision %(revision)s) and %(count)d files.",
                 kind=result.database, revision=result.revision, count=result.files))
    if result.damaged:
        raise click.ClickException(
            _("%(count)d stored files in the restored database do not match the backup, e.g. "
              "%(key)s; run `flask --app audit_app storage check`.",
              count=len(result.damaged), key=result.damaged[0]))
    if result.stored_files:
        click.echo(_("%(count)d stored files held by the database match the backup.",
                     count=result.stored_files))


def init_app(app: Flask) -> None:
    for command in (backup_command, restore_command):
        app.cli.add_command(command)
