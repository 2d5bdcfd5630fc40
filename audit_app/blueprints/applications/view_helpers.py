"""Precomputed values for the centre's area and the checklist's centre panel, so the
templates hold no domain logic (formatting of answers, a card's state, the right link)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask import g, url_for
from flask_babel import format_date, format_decimal
from flask_babel import gettext as _

from ...catalog.questionnaire import Question, QuestionType
from ...templating import current_lang
from ...workflow import CENTRE_SIDE, AuditStatus
from . import bp


def _number(value: Decimal, places: int = 2) -> str:
    return format_decimal(value, format="#,##0." + "#" * places if places else "#,##0")


@bp.app_template_global()
def answer_display(question: Question, value) -> str:
    """An answer as read ("3.200 m²", "ja", "12.03.2026", the file names); "–" for none."""
    if value is None or value == []:
        return "–"
    if question.type is QuestionType.FILE or isinstance(value, list):
        return ", ".join(doc.original_name for doc in value)
    if question.type is QuestionType.YESNO or isinstance(value, bool):
        return _("yes") if value else _("no")
    if question.type is QuestionType.DATE or isinstance(value, date):
        return format_date(value, "medium" if current_lang() == "en" else "dd.MM.yyyy")
    if question.type is QuestionType.NUMBER:
        unit = f" {question.unit}" if question.unit else ""
        return f"{_number(Decimal(value), question.decimals)}{unit}"
    return str(value)


def input_value(question: Question, answer) -> str:
    """The stored answer as it goes into its field (no digit grouping: "3200", "91,5")."""
    if answer is None or answer.value is None:
        return ""
    value = answer.value
    if question.type is QuestionType.YESNO:
        return "yes" if value else "no"
    if question.type is QuestionType.DATE:
        return value.isoformat()
    if question.type is QuestionType.NUMBER:
        return format_decimal(value, format="0." + "#" * max(question.decimals, 0)
                              if question.decimals else "0")
    return str(value)


@bp.app_template_global()
def question_state(line, overrides: dict) -> dict:
    """What a question shows: the stored answer, or what was typed after a refusal."""
    override = overrides.get(line.question.key, {})
    answer = line.answer
    return {
        "value": override["typed"] if "typed" in override else input_value(line.question, answer),
        "version": answer.version if answer is not None else 0,
        "errors": override.get("errors", {}),
        "missing": override.get("missing", False),
        "updated_at": answer.updated_at if answer is not None else None,
    }


@bp.app_template_global()
def question_hint(question: Question) -> str:
    """The range and unit of a number question, or the format of a date: "0 – 100 %"."""
    if question.type is QuestionType.DATE:
        return _("Date (DD.MM.YYYY)")
    if question.type is not QuestionType.NUMBER:
        return ""
    unit = f" {question.unit}" if question.unit else ""
    low, high = question.minimum, question.maximum
    places = question.decimals

    def shown(value):  # years and small counts without digit grouping ("1950", not "1.950")
        if high is not None and high < 10000 and not places:
            return str(int(value))
        return _number(value, places)

    if low is not None and high is not None:
        text = _("from %(low)s to %(high)s%(unit)s", low=shown(low), high=shown(high), unit=unit)
    elif low is not None:
        text = _("at least %(low)s%(unit)s", low=shown(low), unit=unit)
    else:
        text = unit.strip()
    if places:
        text += " · " + _("up to %(places)s decimal places", places=places)
    return text


@bp.app_template_global()
def self_card_state(item, overrides: dict) -> dict:
    """A self-assessment card: the stored score, or what was typed after a refusal."""
    row = item.row
    override = overrides.get(item.criterion.code, {})
    typed = override.get("typed")
    stored = {"points": "" if row.points is None else str(row.points),
              "value": "" if row.value is None else format_decimal(row.value, format="0.##"),
              "not_applicable": row.not_applicable, "comment": row.comment}
    shown = stored if typed is None else {
        "points": typed.get("points", ""), "value": typed.get("value", ""),
        "not_applicable": typed.get("not_applicable") == "1", "comment": typed.get("comment", "")}
    return {"values": shown, "version": row.version, "errors": override.get("errors", {}),
            "answered": row.answered, "updated_at": row.updated_at}


@bp.app_template_global()
def audit_home_url(audit) -> str:
    """Where an audit is worked on now: the centre's area before the visit, else the checklist."""
    if audit.status in CENTRE_SIDE and audit.status is not AuditStatus.DOCUMENTS_REVIEWED:
        return url_for("applications.detail", application_id=audit.id)
    return url_for("audits.checklist", audit_id=audit.id)


@bp.app_template_global()
def centre_card(audit, code: str):
    """The centre's side of criterion ``code`` on the checklist (None when there is none),
    loaded once per request for the whole audit (five queries)."""
    from ...services.centre_side import card_extras

    cache = g.get("_aiz_card_extras")
    if cache is None or cache[0] != audit.id:
        cache = g._aiz_card_extras = (audit.id, card_extras(audit))
    return cache[1].get(code)


@bp.app_template_global()
def prefill_state(extras, assessment) -> str | None:
    """How the auditors' value relates to the centre's: "open" (not confirmed yet),
    "confirmed" or "corrected" (None without a prefill)."""
    if extras is None or extras.prefill is None:
        return None
    if assessment.value is None:
        return "open"
    return "confirmed" if Decimal(assessment.value) == extras.prefill.value else "corrected"


@bp.app_template_global()
def prefill_text(extras) -> str:
    """„Selbstauskunft vom 12.03.2026: 3.200 m²“."""
    p = extras.prefill
    unit = f" {p.unit}" if p.unit else ""
    return _("Self-report of %(day)s: %(value)s", day=format_date(p.source_day, "dd.MM.yyyy"),
             value=f"{_number(p.value, p.question.decimals)}{unit}")


@bp.app_template_global()
def self_delta(extras, assessment_result) -> int | None:
    """The team's points minus the centre's own (None when either is missing)."""
    if extras is None or extras.self_points is None or assessment_result is None:
        return None
    if assessment_result.points is None:
        return None
    return assessment_result.points - extras.self_points


@bp.app_template_global()
def figure_label(name: str) -> str:
    """A key figure's name in words (the centre page's wording)."""
    return {"space_m2": _("Space"), "tenant_count": _("Tenants"), "occupancy_percent":
            _("Occupancy"), "staff_count": _("Staff"), "founded_year": _("Founded")}.get(name, name)


@bp.app_template_global()
def figure_value(name: str, value) -> str:
    """A key figure's value as shown on the centre page ("8.400 m²", "91,5 %")."""
    if value is None:
        return "–"
    if name == "occupancy_percent":
        return format_decimal(Decimal(str(value)), format="#,##0.0") + (
            "\u00a0%" if current_lang() != "en" else "%")
    if name == "founded_year":
        return str(value)
    number = format_decimal(Decimal(str(value)), format="#,##0")
    return f"{number} m²" if name == "space_m2" else number
