"""The certificate (Urkunde): plain values from the database, then HTML, then PDF.

:func:`certificate_context` is the only place that reads ORM objects; the template sees
strings, dates already formatted, and two pieces of SVG we draw ourselves (seal, QR code).
"""
from __future__ import annotations

from datetime import date

from babel.dates import format_date
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from markupsafe import Markup

from ..models import Certificate, User
from ..workflow import AuditKind
from .render import render_pdf


def format_day(day: date, lang: str) -> str:
    """26.11.2026 in German, "26 November 2026" in English."""
    if lang == "de":
        return day.strftime("%d.%m.%Y")
    return format_date(day, "d MMMM y", locale="en")


def verify_url(number: str) -> str:
    """The public verification URL printed on and encoded in the certificate."""
    return current_app.config["BASE_URL"].rstrip("/") + "/verify/" + number


def qr_svg(url: str) -> Markup:
    """The QR code of ``url`` as inline SVG (segno; our own markup, no user text)."""
    import segno

    code = segno.make(url, error="m")
    return Markup(code.svg_inline(scale=4, border=0, dark="#1d2a44", omitsize=True))


def _labels() -> dict[str, str]:
    """Every fixed text of the certificate, in the locale forced by the caller."""
    return {
        "title": _("Certificate"),
        "label": "Anerkanntes Innovationszentrum",
        "awards": _("awards the quality label"),
        "to": _("to"),
        "operated_by": _("operated by"),
        "basis": _('The centre was audited against the "%(catalog)s", version %(version)s.'),
        "number": _("Certificate number"),
        "valid": _("Valid from %(start)s until %(end)s"),
        "decided": _("Decision of the working group on %(day)s"),
        "kind": _("Kind of audit"),
        "director": _("Managing director"),
        "wg_lead": _("Working-group lead"),
        "place_date": _("%(place)s, %(day)s"),
        "verify": _("Check this certificate's status at"),
        "seal_top": _("Quality label"),
        "conditions": _("Awarded with conditions."),
    }


def _kind(kind: AuditKind) -> str:
    return _("initial audit") if kind is AuditKind.INITIAL else _("renewal audit")


def certificate_context(certificate: Certificate, lang: str = "de") -> dict:
    """Plain values for ``templates/pdf/certificate.html`` (no ORM objects escape)."""
    audit = certificate.audit
    centre = certificate.centre
    catalog = certificate.catalog
    decided_by: User | None = audit.decided_by
    decided_on = certificate.valid_from
    url = verify_url(certificate.number)
    config = current_app.config
    valid_from = format_day(certificate.valid_from, lang)
    valid_until = format_day(certificate.valid_until, lang)
    decided_text = format_day(decided_on, lang)
    catalog_title = catalog.title_de if lang == "de" else catalog.title_en
    with force_locale(lang):
        labels = _labels()
        kind = _kind(audit.kind)
        # Formatting here, not in the template: the template only places finished strings.
        labels["basis"] = labels["basis"] % {"catalog": catalog_title, "version": catalog.version}
        labels["valid"] = labels["valid"] % {"start": valid_from, "end": valid_until}
        labels["decided"] = labels["decided"] % {"day": decided_text}
        labels["place_date"] = labels["place_date"] % {
            "place": config["CERTIFICATE_PLACE"], "day": decided_text}
    return {
        "lang": lang,
        "t": labels,
        "number": certificate.number,
        "centre_name": centre.name,
        "operating_company": centre.operating_company,
        "city": centre.city,
        "valid_from": valid_from,
        "valid_until": valid_until,
        "decided_on": decided_text,
        "decision_year": str(decided_on.year),
        "audit_kind": kind,
        "audit_number": audit.number,
        "catalog_title": catalog_title,
        "catalog_version": catalog.version,
        "with_conditions": bool(certificate.conditions),
        "association_name": config["ASSOCIATION_NAME"],
        "association_short": config["ASSOCIATION_SHORT_NAME"],
        "director_name": config["CERTIFICATE_DIRECTOR_NAME"],
        "lead_name": decided_by.name if decided_by is not None else "",
        "place": config["CERTIFICATE_PLACE"],
        "verify_url": url,
        "qr_svg": qr_svg(url),
        "status_mark": None,
    }


def status_mark(status: str, since: date | None, lang: str) -> dict | None:
    """The mark printed across a copy of a suspended, withdrawn or invalidated certificate.

    ``None`` for every other status. The words are the public status words; the line says
    since when and that the certificate does not certify the label now.
    """
    with force_locale(lang):
        if status == "withdrawn":
            word, line = _("WITHDRAWN"), _("Withdrawn on %(day)s. This certificate is no longer valid.")
        elif status == "suspended":
            word, line = _("SUSPENDED"), _("Suspended since %(day)s. The label is not valid while suspended.")
        elif status == "invalid":
            word, line = _("INVALID"), _("Invalid since %(day)s: the audit was reopened.")
        else:
            return None
        day = format_day(since, lang) if since else "–"
        return {"word": str(word), "line": str(line) % {"day": day}}


def render_certificate(context: dict) -> bytes:
    """HTML from the context (autoescaped), then PDF/A-3b bytes."""
    # Straight from the environment: no request context processors, autoescape by .html.
    template = current_app.jinja_env.get_template("pdf/certificate.html")
    return render_pdf(template.render(**context))
