"""The centre register as CSV: columns, import with a preview (sealed for the confirm step)
and export for German Excel. Every row is checked by the same rules as the centre form
(:func:`audit_app.services.centres.clean_centre_data`).
"""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from ..extensions import db
from ..models import Centre, EventAction
from . import events, inputs
from .centres import _duplicate_message, _json_value, _number, clean_centre_data
from .errors import ServiceError, ValidationFailed

# --------------------------------------------------------------------------------------------
# CSV: columns, import with preview, export

#: CSV columns: field → (German header, English header). The export writes the headers of the
#: user's language; the import accepts either (and the aliases below), in any order.
CSV_COLUMNS: dict[str, tuple[str, str]] = {
    "name": ("Name", "name"),
    "operating_company": ("Betreibergesellschaft", "operating_company"),
    "street": ("Straße", "street"),
    "postcode": ("PLZ", "postcode"),
    "city": ("Ort", "city"),
    "federal_state": ("Bundesland", "federal_state"),
    "founded_year": ("Gründungsjahr", "founded_year"),
    "space_m2": ("Fläche_m2", "space_m2"),
    "tenant_count": ("Mieter", "tenant_count"),
    "occupancy_percent": ("Auslastung_Prozent", "occupancy_percent"),
    "staff_count": ("Mitarbeitende", "staff_count"),
    "website": ("Website", "website"),
    "contact_name": ("Kontakt", "contact_name"),
    "contact_email": ("E-Mail", "contact_email"),
    "contact_phone": ("Telefon", "contact_phone"),
    "member_since": ("Mitglied_seit", "member_since"),
    "active": ("Aktiv", "active"),
}
REQUIRED_COLUMNS = ("name", "city", "federal_state")
_HEADER_ALIASES = {
    "zentrum": "name", "betreiber": "operating_company", "strasse": "street", "postleitzahl":
    "postcode", "stadt": "city", "land": "federal_state", "state": "federal_state", "gruendung":
    "founded_year", "flaeche": "space_m2", "flaeche_m²": "space_m2", "tenants": "tenant_count",
    "auslastung": "occupancy_percent", "staff": "staff_count", "mitarbeiter": "staff_count",
    "webseite": "website", "ansprechpartner": "contact_name", "email": "contact_email",
    "e_mail_adresse": "contact_email", "phone": "contact_phone", "mitglied": "member_since",
}

MAX_IMPORT_BYTES = 1024 * 1024
MAX_IMPORT_ROWS = 2000
#: Largest sealed preview carried in the confirm form (Flask refuses form fields > 500 kB).
MAX_SEALED_CHARS = inputs.LIMITS["import.sealed"]
IMPORT_MAX_AGE_SECONDS = 2 * 3600
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _normalise_header(header: str) -> str:
    text = header.strip().lstrip("\ufeff").casefold()
    for old, new in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss"), ("²", "2")):
        text = text.replace(old, new)
    return re.sub(r"[\s\-./]+", "_", text).strip("_")


def _header_lookup() -> dict[str, str]:
    lookup = {_normalise_header(alias): key for alias, key in _HEADER_ALIASES.items()}
    for key, (german, english) in CSV_COLUMNS.items():
        lookup[_normalise_header(german)] = key
        lookup[_normalise_header(english)] = key
        lookup[key] = key
    return lookup


def neutralise_formula(cell: str) -> str:
    """Prefix ``'`` to a cell that a spreadsheet would run as a formula (=, +, -, @, tab, CR)."""
    return "'" + cell if cell.startswith(_FORMULA_START) else cell


def _restore_formula(cell: str) -> str:
    """Undo :func:`neutralise_formula`, so an export imports back to the same values."""
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(_FORMULA_START) else cell


@dataclass
class ImportRow:
    """One data row of an import file: its line, the cells, the converted values, the problems."""

    line: int
    cells: dict[str, str]
    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class ImportPreview:
    """A parsed import file: file-level problems, or every row with its own problems."""

    text: str = ""
    delimiter: str = ";"
    #: The file's header for each field, to name columns in messages as the file does.
    headers: dict[str, str] = field(default_factory=dict)
    rows: list[ImportRow] = field(default_factory=list)
    file_errors: list[str] = field(default_factory=list)

    @property
    def rows_with_errors(self) -> list[ImportRow]:
        return [r for r in self.rows if r.errors]

    @property
    def importable(self) -> bool:
        """True only when the file and every row are fine: one bad row imports nothing."""
        return bool(self.rows) and not self.file_errors and not self.rows_with_errors


def _sniff_delimiter(header_line: str) -> str:
    """The delimiter of the header line: the most frequent of ``;``, ``,`` and tab."""
    counts = {d: header_line.count(d) for d in (";", ",", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ";"


def parse_centre_csv(data: bytes, *, today: date | None = None) -> ImportPreview:
    """Read an import file into a preview, checking every row as :func:`create_centre` would.

    UTF-8 with or without BOM; ``;``, ``,`` or tab as delimiter (taken from the header line);
    a header row naming the columns (:data:`CSV_COLUMNS`, German or English, any order; name,
    city and federal state are required). Empty lines are skipped. A name that already exists
    in the register or repeats an earlier row is an error: the import only creates centres.
    Nothing is stored.
    """
    today = today or date.today()
    preview = ImportPreview()
    if len(data) > MAX_IMPORT_BYTES:
        preview.file_errors.append(_("The file is larger than %(size)s MB. Please split it.",
                                     size=MAX_IMPORT_BYTES // (1024 * 1024)))
        return preview
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        preview.file_errors.append(_(
            "The file is not UTF-8 encoded. In Excel, save it as „CSV UTF-8 (Comma delimited)“."
        ))
        return preview
    if "\x00" in text:
        preview.file_errors.append(_("This is not a CSV text file."))
        return preview
    preview.text = text
    if not text.strip():
        preview.file_errors.append(_("The file is empty."))
        return preview
    preview.delimiter = _sniff_delimiter(text.lstrip().splitlines()[0])
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=preview.delimiter))
    except csv.Error as exc:
        preview.file_errors.append(_("The file cannot be read as CSV: %(error)s", error=str(exc)))
        return preview
    numbered = [(i + 1, r) for i, r in enumerate(records) if any(c.strip() for c in r)]
    header = numbered[0][1]
    columns = _map_header(header, preview)
    if preview.file_errors:
        return preview
    data_rows = numbered[1:]
    if not data_rows:
        preview.file_errors.append(_("The file contains no centres, only the header row."))
        return preview
    if len(data_rows) > MAX_IMPORT_ROWS:
        preview.file_errors.append(_(
            "The file has %(rows)s rows; at most %(max)s can be imported at once. Please split it.",
            rows=_number(len(data_rows)), max=_number(MAX_IMPORT_ROWS),
        ))
        return preview
    existing = {name.lower(): name for name in db.session.scalars(sa.select(Centre.name))}
    seen: dict[str, int] = {}
    for line, record in data_rows:
        row = _parse_row(line, record, columns, today)
        name_key = row.values.get("name", "").lower()
        if "name" not in row.errors and name_key:
            if name_key in existing:
                row.errors["name"] = _duplicate_message(existing[name_key])
            elif name_key in seen:
                row.errors["name"] = _("The same name as in line %(line)s.", line=seen[name_key])
            else:
                seen[name_key] = line
        preview.rows.append(row)
    return preview


def _map_header(header: list[str], preview: ImportPreview) -> list[str | None]:
    """The field of each column; file-level errors for unknown, repeated or missing columns."""
    lookup = _header_lookup()
    columns: list[str | None] = []
    unknown = []
    for cell in header:
        if not cell.strip():
            columns.append(None)
            continue
        key = lookup.get(_normalise_header(cell))
        if key is None:
            unknown.append(cell.strip())
        elif key in preview.headers:
            preview.file_errors.append(_("The column „%(column)s“ appears twice.",
                                         column=cell.strip()))
        else:
            preview.headers[key] = cell.strip()
        columns.append(key)
    if unknown:
        preview.file_errors.append(_(
            "Unknown columns: %(columns)s. The column names are listed below the upload field.",
            columns=", ".join(f"„{u}“" for u in unknown),
        ))
    missing = [CSV_COLUMNS[k][0] for k in REQUIRED_COLUMNS if k not in preview.headers]
    if missing:
        preview.file_errors.append(_("Required columns are missing: %(columns)s.",
                                     columns=", ".join(f"„{m}“" for m in missing)))
    return columns


def _parse_row(line: int, record: list[str], columns: list[str | None], today: date) -> ImportRow:
    cells: dict[str, str] = {}
    extra = False
    for index, raw in enumerate(record):
        key = columns[index] if index < len(columns) else None
        if key is None:
            extra = extra or (index >= len(columns) and bool(raw.strip()))
            continue
        cells[key] = _restore_formula(raw.strip())
    row = ImportRow(line=line, cells=cells)
    row.values, row.errors = clean_centre_data(cells, today=today)
    if extra:
        row.errors["_row"] = _("This line has more cells than the header row.")
    return row


def seal_import(preview: ImportPreview, filename: str, user) -> str:
    """The file's text signed (and compressed) for the confirm form, bound to the user.

    The confirm step re-reads and re-checks the text with :func:`open_sealed_import`, so a
    tampered, foreign or stale preview can never be imported. Raises ServiceError when the
    sealed text would be too large to post back.
    """
    token = _serializer().dumps({"u": user.id, "f": filename, "t": preview.text})
    if len(token) > MAX_SEALED_CHARS:
        raise ServiceError(_("The file is too large to import in one go. Please split it."))
    return token


def open_sealed_import(token: str, user) -> tuple[str, str]:
    """The ``(text, filename)`` sealed by :func:`seal_import` for this user, at most 2 hours old."""
    try:
        payload = _serializer().loads(token, max_age=IMPORT_MAX_AGE_SECONDS)
    except SignatureExpired:
        raise ServiceError(_("The preview has expired. Please upload the file again.")) from None
    except BadSignature:
        raise ServiceError(_("The preview could not be verified. Please upload the file again.")) from None
    if not isinstance(payload, dict) or payload.get("u") != user.id:
        raise ServiceError(_("The preview could not be verified. Please upload the file again."))
    return str(payload.get("t", "")), str(payload.get("f", ""))


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="centres-csv-import")


def import_centres(preview_rows: list[ImportRow], actor, *, filename: str = "") -> list[Centre]:
    """Create a centre for every row of a checked preview, or none if any row has an error.

    Records one ``centre_created`` event per centre, noting the file.
    """
    if not preview_rows or any(row.errors for row in preview_rows):
        raise ValidationFailed(_("Nothing was imported: the file has errors."))
    centres = [Centre(**row.values) for row in preview_rows]
    db.session.add_all(centres)
    db.session.flush()
    note = f"CSV import: {filename}" if filename else "CSV import"
    for centre, row in zip(centres, preview_rows):
        events.record(EventAction.CENTRE_CREATED, actor=actor, subject_type="centre", subject_id=centre.id,
                      new={k: _json_value(v) for k, v in row.values.items()}, note=note)
    db.session.flush()
    return centres


def _export_cells(centre: Centre, lang: str) -> list[str]:
    def integer(value: int | None) -> str:
        return "" if value is None else str(value)

    occupancy = "" if centre.occupancy_percent is None else (
        format(centre.occupancy_percent, "f").replace(".", ",")
    )
    since = centre.member_since.strftime("%d.%m.%Y") if centre.member_since else ""
    yes, no = ("ja", "nein") if lang == "de" else ("yes", "no")
    values = {
        "name": centre.name, "operating_company": centre.operating_company,
        "street": centre.street, "postcode": centre.postcode, "city": centre.city,
        "federal_state": centre.federal_state_name,
        "founded_year": integer(centre.founded_year), "space_m2": integer(centre.space_m2),
        "tenant_count": integer(centre.tenant_count), "occupancy_percent": occupancy,
        "staff_count": integer(centre.staff_count), "website": centre.website,
        "contact_name": centre.contact_name, "contact_email": centre.contact_email,
        "contact_phone": centre.contact_phone, "member_since": since,
        "active": yes if centre.active else no,
    }
    return [neutralise_formula(values[key] or "") for key in CSV_COLUMNS]


def export_centres_csv(rows: Iterable[Centre], *, lang: str = "de") -> bytes:
    """The centres as CSV for German Excel: UTF-8 with BOM, ``;``, CRLF, decimal comma.

    The columns are the import's (:data:`CSV_COLUMNS`, headers in ``lang``), so an export can
    be imported again; dates as DD.MM.YYYY, the federal state by name, ``active`` as ja/nein
    (yes/no in English). Cells that a spreadsheet would run as a formula get a leading ``'``.
    """
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([german if lang == "de" else english for german, english in CSV_COLUMNS.values()])
    for centre in rows:
        writer.writerow(_export_cells(centre, lang))
    return ("\ufeff" + out.getvalue()).encode("utf-8")
