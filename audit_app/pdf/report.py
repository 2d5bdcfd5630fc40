"""The audit report (Auditbericht): a prepared source, then plain values, then HTML, then PDF.

This module queries nothing and imports no service: :func:`audit_app.services.reports.
report_source` gathers everything (the scored sheet, team, submission, conditions, decider)
in a fixed number of queries and hands it over as a :class:`ReportSource`;
:func:`build_context` turns that into the strings, numbers and lists of dicts the template
places.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from babel.dates import format_datetime
from babel.numbers import format_decimal
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from markupsafe import Markup

from ..catalog import ScoringType
from ..catalog.model import SCALE_LABELS, YESNO_LABELS
from ..charts import chart_for_result
from ..labels import LABELS
from ..scoring import SEVERITY_ORDER, Severity, format_percent
from .certificate import format_day
from .render import render_pdf

LABEL_NAME = "Anerkanntes Innovationszentrum"


@dataclass(frozen=True)
class ReportSource:
    """Everything the report shows, gathered by the service layer (no query happens here).

    ``sheet`` is the scored audit sheet; ``members`` are ``(team role, name)`` pairs in team
    order; days are already the calendar days in Berlin; ``decided_at_local`` the decision's
    moment in Berlin time.
    """

    audit: Any
    sheet: Any
    members: list[tuple[Any, str]]
    submitted_on: date | None
    decided: bool
    decided_on: date | None
    decided_at_local: datetime | None
    decided_by_name: str
    conditions: list[dict]
    association_name: str
    #: The certificate the decision issued (its number), if any.
    certificate_number: str = ""
    #: The centre's self-assessment scored by the engine (None: the centre scored nothing)
    #: and how many criteria it scored.
    self_result: Any = None
    self_answered: int = 0
    #: A renewal's comparison with the previous cycle
    #: (:class:`audit_app.services.renewal.RenewalComparison`), None otherwise.
    renewal: Any = None


def _labels() -> dict[str, str]:
    """Every fixed text of the report, in the locale forced by the caller."""
    return {
        "title": _("Audit report"),
        "draft": _("DRAFT"),
        "draft_note": _("Draft: this audit has not been decided yet. The results may still change."),
        "page_of": _("Page %(page)s of %(pages)s"),
        "centre": _("Centre"),
        "operating_company": _("Operating company"),
        "city": _("City"),
        "audit_number": _("Audit number"),
        "kind": _("Kind of audit"),
        "catalog": _("Criteria catalogue"),
        "version": _("Version %(version)s"),
        "status": _("Status"),
        "dates": _("Dates"),
        "planned": _("Planned start"),
        "visit": _("Site visit"),
        "submitted": _("Submitted"),
        "decided": _("Decided"),
        "team": _("Audit team"),
        "issuer": _("Issued by"),
        "summary": _("Summary"),
        "outcome": _("Outcome"),
        "decision": _("Decision"),
        "computed": _("Computed outcome"),
        "provisional": _("Provisional outcome"),
        "reasons": _("Reasons"),
        "overall": _("Overall result"),
        "band": _("Rating"),
        "no_band": _("no rating band"),
        "categories": _("Results by category"),
        "category": _("Category"),
        "weight": _("Weight"),
        "percent": _("Result"),
        "knockouts": _("Knock-out criteria"),
        "ko_met": _("met"),
        "ko_not_met": _("not met"),
        "ko_open": _("open"),
        "chart_title": _("Category results with the pass line"),
        "pass_line": _("pass line"),
        "below_minimum": _("(below minimum)"),
        "not_rated": _("not rated"),
        "figures": _("Key figures of the centre"),
        "space": _("Rentable space"),
        "tenants": _("Tenant firms"),
        "occupancy": _("Occupancy"),
        "staff": _("Centre staff"),
        "founded": _("Founded"),
        "state": _("Federal state"),
        "member_since": _("Member since"),
        "criteria": _("Assessment by criterion"),
        "code": _("No."),
        "criterion": _("Criterion"),
        "auditor_value": _("Auditors"),
        "review_value": _("Review"),
        "knockout": _("KO"),
        "knockout_long": _("knock-out criterion"),
        "na": _("N/A"),
        "na_reason": _("Reason for N/A"),
        "comment": _("Comment"),
        "evidence": _("Evidence"),
        "adjusted": _("adjusted"),
        "adjustment_reason": _("Reason for the adjustment"),
        "agreed": _("agreed"),
        "not_reviewed": "–",
        "finding": _("Finding"),
        "findings": _("Findings"),
        "no_findings": _("No findings."),
        "deadline": _("Deadline"),
        "deadline_after": _("%(months)s months after the decision"),
        "strengths": _("Strengths"),
        "strengths_intro": _("Criteria rated exemplary:"),
        "no_strengths": _("No criterion was rated exemplary."),
        "decision_record": _("Decision record"),
        "decided_by": _("Decided by"),
        "decided_at": _("Decided on"),
        "certificate": _("Certificate"),
        "note": _("Note"),
        "override": _("Justification of the deviation from the computed outcome"),
        "not_decided": _("The audit has not been decided yet."),
        "renewal": _("Renewal: comparison with the previous cycle"),
        "renewal_intro": _("This renewal audit starts from audit %(number)s, decided on "
                           "%(day)s against %(catalog)s."),
        "renewal_mapped": _("Criteria are compared through the catalogue versions' mapping "
                            "(renamed, split, merged, new and removed criteria)."),
        "previous_cycle": _("Previous cycle"),
        "this_cycle": _("This audit"),
        "change": _("Change"),
        "improved": _("Criteria that improved"),
        "declined": _("Criteria that declined"),
        "none_improved": _("No criterion improved."),
        "none_declined": _("No criterion declined."),
        "previous_conditions": _("Conditions of the previous cycle"),
        "no_previous_conditions": _("The previous cycle set no conditions."),
        "outcome_col": _("Outcome"),
        "now_criterion": _("now"),
        "points_change": _("%(before)s → %(after)s points"),
        "pp": _("pp"),
        "sampling_title": _("About this report"),
        "sampling": _("An audit relies on sampling: the auditors examined documents and spoke "
                      "with people selected by them. The report states what they found; it "
                      "cannot exclude that shortcomings exist which the sample did not show."),
    }


def _css_string(text: str) -> str:
    """A CSS string literal for fixed texts placed by ``content:`` (never user text)."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("<", "\\3C ").replace("\n", " ")
    return f'"{escaped}"'


def _page_counter(template: str) -> Markup:
    """ "Page %(page)s of %(pages)s" as CSS ``content``: "Seite " counter(page) " von " ..."""
    marker = "\x00"
    text = template % {"page": marker + "page" + marker, "pages": marker + "pages" + marker}
    parts = []
    for i, piece in enumerate(text.split(marker)):
        if i % 2:
            parts.append(f"counter({piece})")
        elif piece:
            parts.append(_css_string(piece))
    return Markup(" ".join(parts))


def _number(value, lang: str, digits: str = "#,##0.##") -> str:
    return format_decimal(value, format=digits, locale="de_DE" if lang == "de" else "en_GB")


def _points_text(criterion, points, value, lang: str, t: dict) -> str:
    """What a criterion scored: "2 von 3 (umgesetzt)", "3.000 m² → 3 von 3"; "–" without."""
    if value is not None and criterion.type is ScoringType.NUMBER:
        unit = f" {criterion.unit}" if criterion.unit else ""
        return f"{_number(value, lang)}{unit} → {t['of3'] % {'points': criterion.points_for_value(value)}}"
    if points is None:
        return "–"
    names = YESNO_LABELS if criterion.type is ScoringType.YESNO else SCALE_LABELS
    name = names.get(points)
    return t["of3"] % {"points": points} + (f" ({name.get(lang)})" if name else "")


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def _when(moment: datetime, lang: str) -> str:
    pattern = "dd.MM.yyyy, HH:mm" if lang == "de" else "d MMMM y, HH:mm"
    return format_datetime(moment, pattern, locale=lang)


def _day(value: date | None, lang: str) -> str:
    return format_day(value, lang) if value is not None else "–"


def build_context(source: ReportSource, lang: str = "de") -> dict:
    """Plain values for ``templates/pdf/report.html`` (no ORM objects escape).

    ``lang`` is "de" (default) or "en". The report is a draft (marked on every page) while
    the audit is not decided. Condition deadlines come from the issued certificate (3 months
    after the decision by default); a draft states the rule instead of a date.
    """
    lang = "en" if lang == "en" else "de"
    audit = source.audit
    sheet = source.sheet
    result = sheet.result
    catalog = sheet.catalog
    centre = audit.centre
    catalog_row = audit.catalog
    conditions = source.conditions
    decided = source.decided

    with force_locale(lang):
        t = _labels()
        t["of3"] = _("%(points)s of 3")
        t["version"] = t["version"] % {"version": catalog_row.version}
        page_counter = _page_counter(t["page_of"])
        deadline_rule = t["deadline_after"] % {"months": result.deadline_months}
        kind = str(LABELS[audit.kind])
        status = str(LABELS[audit.status])
        team = [{"role": _capitalised(str(LABELS[role])), "name": name}
                for role, name in source.members]
        outcome = _capitalised(str(LABELS[result.outcome]))
        decision = _capitalised(str(LABELS[audit.decision])) if decided else ""
        severity_titles = {Severity.MAJOR: _("Major findings"),
                           Severity.MINOR: _("Minor findings"),
                           Severity.OBSERVATION: _("Observations")}
        chart = chart_for_result(result, catalog, lang, title=t["chart_title"],
                                 pass_text=t["pass_line"], below_text=t["below_minimum"],
                                 dropped_text=t["not_rated"])
        comparison = _comparison(source, result, catalog, lang) if source.self_result else None

    titles = {c.code: c.title.get(lang) for c in catalog.criteria}
    # One condition per criterion (its text joins the rule's and the auditor's findings);
    # a finding without a criterion is found by its text.
    deadlines = {c.get("criterion") or c.get("text_de"): c.get("deadline") for c in conditions}

    categories = []
    for section in sheet.sections:
        cat = section.result
        rows = []
        for item in section.items:
            c, a = item.criterion, item.assessment
            adjusted = a.adjusted_points is not None or a.adjusted_value is not None
            rows.append({
                "code": c.code,
                "title": c.title.get(lang),
                "weight": c.weight,
                "knockout": c.knockout,
                "not_applicable": a.not_applicable,
                "na_reason": a.na_reason,
                "auditor": t["na"] if a.not_applicable else _points_text(c, a.points, a.value, lang, t),
                "adjusted": _points_text(c, a.adjusted_points, a.adjusted_value, lang, t) if adjusted else "",
                "adjustment_reason": a.adjustment_reason if adjusted else "",
                "agreed": a.reviewed_at is not None and not adjusted,
                "comment": a.comment,
                "finding": a.finding,
                "evidence": [ev.original_name for ev in item.evidence],
            })
        categories.append({
            "code": section.category.code,
            "title": section.category.title.get(lang),
            "weight": section.category.weight,
            "percent": t["not_rated"] if cat.dropped else format_percent(cat.percent, lang),
            "below_minimum": cat.below_minimum,
            "rows": rows,
        })

    findings = []
    for severity in SEVERITY_ORDER:
        items = []
        for f in result.findings:
            if f.severity != severity:
                continue
            deadline = ""
            if severity == Severity.MINOR:
                stored = deadlines.get(f.criterion_code or f.text("de"))
                if stored:
                    deadline = format_day(date.fromisoformat(stored), lang)
                elif not decided:
                    deadline = deadline_rule
            items.append({"code": f.criterion_code or f.category_code or "", "text": f.text(lang),
                          "deadline": deadline})
        findings.append({"title": severity_titles[severity], "severity": severity.value,
                         "entries": items, "deadlines": any(e["deadline"] for e in items)})

    renewal = _renewal_context(source.renewal, lang, t, titles) if source.renewal else None

    strengths = [
        {"code": code, "title": titles[code]}
        for code, r in result.criteria.items()
        if r.points == 3 and catalog.criterion(code).type is ScoringType.SCALE
    ]
    knockouts = [
        {"code": k.code, "title": titles.get(k.code, ""),
         "status": t["ko_open"] if k.met is None else t["ko_met"] if k.met else t["ko_not_met"],
         "css": "" if k.met is None else "ok" if k.met else "bad"}
        for k in result.knockouts
    ]
    band = result.awarded_band
    occupancy = centre.occupancy_percent
    figures = [
        (t["space"], f"{_number(centre.space_m2, lang)} m²" if centre.space_m2 is not None else "–"),
        (t["tenants"], _number(centre.tenant_count, lang) if centre.tenant_count is not None else "–"),
        (t["occupancy"], format_percent(occupancy, lang) if occupancy is not None else "–"),
        (t["staff"], _number(centre.staff_count, lang) if centre.staff_count is not None else "–"),
        (t["founded"], str(centre.founded_year) if centre.founded_year else "–"),
        (t["state"], centre.federal_state_name),
        (t["member_since"], _day(centre.member_since, lang)),
    ]
    return {
        "lang": lang,
        "t": t,
        "draft": not decided,
        "page_counter": page_counter,
        "header": Markup(_css_string(f"{t['title']} {audit.number}")),
        "draft_css": Markup(_css_string(t["draft"])),
        "label": LABEL_NAME,
        "association_name": source.association_name,
        "centre_name": centre.name,
        "operating_company": centre.operating_company,
        "city": centre.city,
        "audit_number": audit.number,
        "audit_kind": kind,
        "audit_status": status,
        "catalog_title": catalog_row.title_de if lang == "de" else catalog_row.title_en,
        "catalog_version": t["version"],
        "dates": [
            (t["planned"], _day(audit.planned_on, lang)),
            (t["visit"], _day(audit.visit_on, lang)),
            (t["submitted"], _day(source.submitted_on, lang)),
            (t["decided"], _day(source.decided_on, lang) if decided else "–"),
        ],
        "team": team,
        "outcome": outcome,
        "decision": decision,
        "reasons": [r.text(lang) for r in result.reasons],
        "overall": format_percent(result.overall_percent, lang),
        "band": band.label.get(lang) if band else t["no_band"],
        "categories": categories,
        "knockouts": knockouts,
        "chart": chart,
        "comparison": comparison,
        "figures": figures,
        "findings": findings,
        "strengths": strengths,
        "renewal": renewal,
        "decision_record": {
            "decision": decision,
            "computed": outcome,
            "decided_by": source.decided_by_name,
            "decided_at": _when(source.decided_at_local, lang),
            "note": audit.decision_note,
            "override_reason": audit.override_reason,
            "certificate": source.certificate_number,
        } if decided else None,
    }


def _comparison(source: ReportSource, result, catalog, lang: str) -> dict:
    """The section „Selbsteinschätzung und Auditergebnis“: both results per category (chart
    and table) and the criteria where the centre's points differ from the audit's (call
    within the forced locale)."""
    from ..charts import comparison_chart

    own = source.self_result
    self_text, audit_text = _("Self-assessment"), _("Audit")
    rows = []
    for mine, theirs in zip(own.categories, result.categories, strict=True):
        rows.append({"code": theirs.code, "title": theirs.title.get(lang),
                     "self_percent": None if mine.dropped else mine.percent,
                     "audit_percent": None if theirs.dropped else theirs.percent,
                     "dropped": theirs.dropped,
                     "self_text": "–" if mine.dropped or mine.percent is None
                     else format_percent(mine.percent, lang),
                     "audit_text": _("not rated") if theirs.dropped
                     else format_percent(theirs.percent, lang)})
    differences = []
    for criterion in catalog.criteria:
        mine, theirs = own.criteria[criterion.code], result.criteria.get(criterion.code)
        if (mine.answered and theirs is not None and theirs.answered
                and mine.points is not None and theirs.points is not None
                and mine.points != theirs.points):
            differences.append({"code": criterion.code, "title": criterion.title.get(lang),
                                "self": mine.points, "audit": theirs.points,
                                "delta": f"{theirs.points - mine.points:+d}"})
    total = sum(1 for _c in catalog.criteria)
    return {
        "title": _("Self-assessment and audit result"),
        "intro": _("Before the visit the centre scored %(answered)s of %(total)s criteria "
                   "itself on the same scale. Scored by the same rules, its own view comes "
                   "to %(overall)s overall (%(outcome)s).",
                   answered=source.self_answered, total=total,
                   overall=format_percent(own.overall_percent, lang),
                   outcome=str(LABELS[own.outcome])),
        "chart": comparison_chart(rows, lang=lang, title=_("Self-assessment and audit result "
                                                          "by category"),
                                  self_text=self_text, audit_text=audit_text,
                                  dropped_text=_("not rated")),
        "rows": rows,
        "self": self_text,
        "audit": audit_text,
        "differences": differences,
        "differences_title": _("Criteria where the points differ"),
        "difference": _("Difference"),
        "no_differences": _("The centre's points agree with the audit on every criterion "
                            "both scored."),
    }


def _delta(previous, current, lang: str, t: dict) -> tuple[str, str]:
    """The change between two percents as shown (the difference of the rounded-down values),
    "+4,2 Pp." / "+4.2 pp", and its CSS class."""
    from ..scoring import percent_1dp

    if previous is None or current is None:
        return "–", ""
    delta = percent_1dp(current) - percent_1dp(previous)
    sign = "+" if delta > 0 else "−" if delta < 0 else "±"
    digits = str(abs(delta))
    if lang == "de":
        digits = digits.replace(".", ",")
    return f"{sign}{digits} {t['pp']}", "ok" if delta > 0 else "bad" if delta < 0 else ""


def _renewal_context(renewal, lang: str, t: dict, titles: dict) -> dict:
    """Plain values of the report's renewal section (see ``services.renewal.comparison``)."""
    from ..labels import CONDITION_STATE_WORDS

    with force_locale(lang):
        states = {state: str(words.short) for state, words in CONDITION_STATE_WORDS.items()}
        fulfilled_on = _("fulfilled on %(day)s")
        intro = t["renewal_intro"] % {
            "number": renewal.previous_number,
            "day": _day(renewal.previous_decided_on, lang),
            "catalog": f"{renewal.previous_catalog.get(lang)}"}
    overall_delta, overall_css = _delta(renewal.previous_overall, renewal.current_overall,
                                        lang, t)
    categories = []
    for c in renewal.categories:
        delta, css = _delta(c.previous, c.current, lang, t)
        categories.append({
            "code": c.code, "title": c.title.get(lang),
            "previous": t["not_rated"] if c.previous_dropped else format_percent(c.previous, lang),
            "current": t["not_rated"] if c.current_dropped else format_percent(c.current, lang),
            "delta": delta, "css": css})

    def change(ch):
        return {"code": ch.code, "title": ch.title.get(lang),
                "previous_code": ch.previous_code if ch.previous_code != ch.code else "",
                "text": t["points_change"] % {"before": ch.previous_points,
                                              "after": ch.current_points}}

    conditions = []
    for c in renewal.conditions:
        outcome = states[c.state]
        if c.state.value == "closed" and c.closed_on:
            outcome = fulfilled_on % {"day": format_day(c.closed_on, lang)}
        conditions.append({
            "code": c.criterion_code or "", "text": c.text.get(lang),
            "deadline": format_day(c.deadline, lang), "outcome": outcome,
            "css": "ok" if c.state.value == "closed" else
                   "bad" if c.state.value == "overdue" else "",
            "now": c.current_code if c.current_code and c.current_code != c.criterion_code
            else ""})
    return {
        "intro": intro,
        "previous_overall": format_percent(renewal.previous_overall, lang),
        "current_overall": format_percent(renewal.current_overall, lang),
        "overall_delta": overall_delta, "overall_css": overall_css,
        "previous_year": renewal.previous_year,
        "categories": categories,
        "improved": [change(ch) for ch in renewal.improved],
        "declined": [change(ch) for ch in renewal.declined],
        "conditions": conditions,
    }


def render_report(context: dict) -> bytes:
    """HTML from the context (autoescaped), then PDF/A-3b bytes."""
    return render_pdf(report_html(context))


def report_html(context: dict) -> str:
    """The report's HTML (the benchmark renders it standalone as its floor)."""
    template = current_app.jinja_env.get_template("pdf/report.html")
    return template.render(**context)
