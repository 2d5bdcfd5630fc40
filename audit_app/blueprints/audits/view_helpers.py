"""Precomputed values for the audit templates, so the templates hold no domain logic."""
from __future__ import annotations

from decimal import Decimal

from flask import current_app, g, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_wtf.csrf import generate_csrf

from ...catalog import SCALE_LABELS, YESNO_LABELS, Criterion, ScoringType
from ...templating import current_lang
from . import bp


@bp.app_template_global()
def point_options(criterion: Criterion) -> list[tuple[int, str]]:
    """The choices of a scale or yes/no criterion: (points, "2 – umgesetzt")."""
    lang = current_lang()
    if criterion.type is ScoringType.YESNO:
        return [(p, YESNO_LABELS[p].get(lang)) for p in (3, 0)]
    return [(p, f"{p} – {SCALE_LABELS[p].get(lang)}") for p in (0, 1, 2, 3)]


def _num(value: Decimal) -> str:
    return format_decimal(value, format="#,##0.##")


@bp.app_template_global()
def band_lines(criterion: Criterion) -> list[str]:
    """A number criterion's bands as readable lines: "ab 1.000 m²: 2 Punkte"."""
    unit = f" {criterion.unit}" if criterion.unit else ""
    return [_("from %(start)s%(unit)s: %(points)s points", start=_num(band.start), unit=unit,
              points=band.points) for band in criterion.bands]


@bp.app_template_global()
def points_label(criterion: Criterion, points: int | None) -> str:
    """The label of a points value for this criterion ("ja", "2 – umgesetzt", "–")."""
    if points is None:
        return "–"
    lang = current_lang()
    if criterion.type is ScoringType.YESNO and points in YESNO_LABELS:
        return YESNO_LABELS[points].get(lang)
    return f"{points} – {SCALE_LABELS[points].get(lang)}"


@bp.app_template_global()
def value_label(criterion: Criterion, value: Decimal | None) -> str:
    if value is None:
        return "–"
    unit = f" {criterion.unit}" if criterion.unit else ""
    return f"{_num(value)}{unit}"


@bp.app_template_global()
def card_texts(audit) -> dict:
    """Everything a checklist card or review row repeats, built once per request: fixed texts in the
    user's language, the severity choices, the CSRF token and the card URLs (with a
    ``{code}`` slot). A 40-card page otherwise spent a third of its time in gettext."""
    cached = g.get("_aiz_card_texts")
    if cached is not None and cached["audit_id"] == audit.id:
        return cached
    from ...labels import label
    from ...scoring import Severity

    slot = "__code__"
    texts = g._aiz_card_texts = {
        "audit_id": audit.id,
        "csrf": generate_csrf(),
        "save_url": url_for("audits.save_criterion", audit_id=audit.id, code=slot)
        .replace(slot, "{code}"),
        "upload_url": url_for("audits.upload_evidence", audit_id=audit.id, code=slot)
        .replace(slot, "{code}"),
        "review_url": url_for("audits.review_criterion", audit_id=audit.id, code=slot)
        .replace(slot, "{code}"),
        "severities": [(s.value, label(s)) for s in Severity],
        "ko_title": _("Knock-out criterion"),
        "knockout": _("knock-out"),
        "guidance": _("Guidance for auditors"),
        "evidence": _("Evidence:"),
        "value": _("Value"),
        "bands": _("Bands:"),
        "rating": _("Rating"),
        "na": _("Not applicable"),
        "na_lower": _("not applicable"),
        "na_reason": _("Reason for N/A"),
        "comment": _("Comment"),
        "finding_optional": _("Finding (optional)"),
        "finding": _("Finding"),
        "severity": _("Severity"),
        "save": _("Save"),
        "not_answered": _("not answered yet"),
        "remove": _("Remove"),
        # The file name goes in with str.format after translation (names may hold "%").
        "remove_confirm": _("Remove the file “{name}” from this criterion? This cannot be "
                            "undone here (it stays in the audit trail)."),
        "upload": _("Upload"),
        "dates_summary": _("Date and validity of the document (optional, before choosing the file)"),
        "document_date": _("Date of the document (optional)"),
        "valid_until": _("Valid until (optional)"),
        # the review table's rows
        "points": _("points"),
        "points_title": _("Points"),
        "adjusted": _("Adjusted:"),
        "agreed": _("agreed"),
        "agree": _("Agree"),
        "discard_adjustment": _("Discard adjustment and agree"),
        "discard_confirm": _("Discard this adjustment and its reason, and agree with the "
                             "auditors' rating? This cannot be undone."),
        "adjust": _("Adjust"),
        "adjustment_reason": _("Reason for the adjustment"),
        "save_adjustment": _("Save adjustment"),
        "attach": _("Attach evidence (PDF, image, office document, max. %(size)s MB)",
                    size=current_app.config["EVIDENCE_MAX_BYTES"] // 1048576),
    }
    return texts


@bp.app_template_global()
def card_state(item, overrides: dict, extras=None) -> dict:
    """What a checklist card shows: the stored answer, or what the user typed after an error.

    A number criterion the centre reported in its submitted questionnaire (``extras``, see
    ``services.centre_side.card_extras``) shows that value in its field until the auditors
    save one: ``prefilled`` is then True (the card stays unanswered until they do)."""
    a = item.assessment
    override = overrides.get(item.criterion.code, {})
    typed = override.get("typed")
    stored = {
        "points": "" if a.points is None else str(a.points),
        "value": "" if a.value is None else format_decimal(a.value, format="0.##"),
        "not_applicable": a.not_applicable,
        "na_reason": a.na_reason,
        "comment": a.comment,
        "finding": a.finding,
        "finding_severity": a.finding_severity.value if a.finding_severity else "",
    }
    shown = dict(stored)
    prefilled = False
    if (typed is None and extras is not None and extras.prefill is not None
            and a.value is None and not a.not_applicable):
        shown["value"] = format_decimal(extras.prefill.value, format="0.##")
        prefilled = True
    if typed is not None:
        shown = {
            "points": typed.get("points", ""),
            "value": typed.get("value", ""),
            "not_applicable": typed.get("not_applicable") == "1",
            "na_reason": typed.get("na_reason", ""),
            "comment": typed.get("comment", ""),
            "finding": typed.get("finding", ""),
            "finding_severity": typed.get("finding_severity", ""),
        }
    return {
        "values": shown,
        "stored": stored,
        "version": a.version,
        "state": override.get("state"),
        "errors": override.get("errors", {}),
        "answered": a.answered,
        "updated_at": a.updated_at,
        "updated_by": a.updated_by.name if a.updated_by else None,
        "prefilled": prefilled,
    }


@bp.app_template_global()
def audit_steps(audit) -> list[dict]:
    """The step bar: each step's label and whether it is done, current or to come (with the
    centre's steps first for an audit that began with an application)."""
    from ...labels import label
    from ...services.applications import is_application
    from ...workflow import CENTRE_SIDE, AuditStatus, steps_for

    status = audit.status
    if status is AuditStatus.DECLINED:
        return [{"label": label(AuditStatus.APPLIED), "state": "done"},
                {"label": label(AuditStatus.DECLINED), "state": "current"}]
    steps = steps_for(status in CENTRE_SIDE or is_application(audit))
    # "changes requested" sits between in progress and submitted on the bar.
    position = {s: i for i, s in enumerate(steps)}
    current = position.get(status, position[AuditStatus.IN_PROGRESS])
    return [
        {
            "label": label(status) if (i == current and status not in steps) else label(step),
            "state": "done" if i < current or status is AuditStatus.DECIDED else
                     "current" if i == current else "todo",
        }
        for i, step in enumerate(steps)
    ]


@bp.app_template_global()
def severity_label(value: str | None) -> str:
    from ...labels import label
    from ...scoring import Severity

    return label(Severity(value)) if value else "–"


@bp.app_template_filter()
def filesize(size: int) -> str:
    """Bytes as "1,2 MB" / "34 kB" in the user's locale."""
    if size >= 1024 * 1024:
        return f"{format_decimal(size / (1024 * 1024), format='#,##0.0')} MB"
    if size >= 1024:
        return f"{format_decimal(size / 1024, format='#,##0')} kB"
    return f"{size} B"


def _short(value) -> str:
    if value is None or value == "":
        return "–"
    if value is True:
        return "✓"
    if value is False:
        return "✗"
    text = str(value)
    return text if len(text) <= 60 else text[:57] + "…"


@bp.app_template_global()
def event_lines(event) -> list[str]:
    """An event's changes as short "field: old → new" lines."""
    from ...labels import FIELD_LABELS, label
    from ...workflow import AuditStatus

    old, new = event.old, event.new
    if isinstance(old, str) and isinstance(new, str):
        try:
            return [f"{label(AuditStatus(old))} → {label(AuditStatus(new))}"]
        except ValueError:
            return [f"{_short(old)} → {_short(new)}"]
    lines = []
    if isinstance(new, dict) and event.action.startswith(("assessment_",)):
        old = old if isinstance(old, dict) else {}
        for key, value in new.items():
            if old.get(key) == value:
                continue  # unchanged ("adjusted value: – → –" said nothing)
            name = str(FIELD_LABELS.get(key, key))
            lines.append(f"{name}: {_short(old.get(key))} → {_short(value)}")
    elif isinstance(new, dict) and event.action == "document_reviewed":
        from ...models import DocumentReviewStatus

        lines.append(label(DocumentReviewStatus(new["status"])) + (
            f": {_short(new.get('note'))}" if new.get("note") else ""))
    elif isinstance(new, dict) and event.action == "key_figures_updated":
        from ..applications.view_helpers import figure_label, figure_value

        old = old if isinstance(old, dict) else {}
        lines += [f"{figure_label(k)}: {figure_value(k, old.get(k))} → {figure_value(k, v)}"
                  for k, v in new.items()]
    elif isinstance(new, dict) and "name" in new:
        lines.append(new["name"])
    elif isinstance(old, dict) and "name" in old:
        lines.append(old["name"])
    elif isinstance(new, dict) and "decision" in new:
        from ...workflow import Decision

        lines.append(label(Decision(new["decision"])))
    return lines


@bp.app_template_global()
def event_title(event) -> str:
    """The event's label; a stored PDF says in which language."""
    from ...labels import event_label

    title = event_label(event.action)
    lang = event.new.get("lang") if isinstance(event.new, dict) else None
    if lang in ("de", "en") and event.action.endswith("_pdf_stored"):
        return f"{title} ({_('German') if lang == 'de' else _('English')})"
    return title


@bp.app_template_global()
def trail_groups() -> list[tuple[str, str]]:
    """The trail's filter: (group, words)."""
    from ...labels import TRAIL_GROUPS

    return [(key, str(words)) for key, words in TRAIL_GROUPS.items()]


@bp.app_template_global()
def field_label(key: str) -> str:
    from ...labels import FIELD_LABELS

    return str(FIELD_LABELS.get(key, key))


@bp.app_template_global()
def previous_label(entry, year: int) -> str:
    """A previous cycle's value for one criterion: "2021: 2 – umgesetzt", "2021: ja",
    "2021: 3.200 m² (2 Punkte)", "2021: nicht anwendbar"."""
    criterion = entry.criterion
    if entry.not_applicable:
        return f"{year}: {_('not applicable')}"
    if criterion.type is ScoringType.NUMBER and entry.value is not None:
        return f"{year}: {value_label(criterion, entry.value)} ({_('%(points)s points', points=entry.points)})"
    return f"{year}: {points_label(criterion, entry.points)}"


def _today():
    from ...services.certificates import today_in_berlin

    cached = g.get("_aiz_today")
    if cached is None:
        cached = g._aiz_today = today_in_berlin()
    return cached


@bp.app_template_global()
def evidence_note(evidence) -> dict:
    """What a file's list entry says besides its name: the document's dates, whether it has
    expired (today in Berlin) and whether it was carried forward from the previous cycle."""
    from ...templating import localdate

    parts = []
    if evidence.document_date:
        parts.append(_("document of %(day)s", day=localdate(evidence.document_date)))
    if evidence.valid_until:
        parts.append(_("valid until %(date)s", date=localdate(evidence.valid_until)))
    return {"dates": " · ".join(parts), "expired": evidence.expired(_today()),
            "carried": evidence.carried_from_id is not None}


@bp.app_template_global()
def previous_codes(previous) -> str:
    """The previous cycle's codes behind a criterion, for its lineage badge ("E3, E4")."""
    return ", ".join(e.code for e in previous.entries)


@bp.app_template_global()
def today_berlin():
    """Today in Berlin for the page (fixed by ``VERIFY_TODAY`` in tests)."""
    return _today()
