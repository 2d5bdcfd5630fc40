"""Plain JSON values from models and score results (the shapes of the OpenAPI schemas).

Percents are decimal strings with one decimal place, rounded down by the scoring package's
:func:`percent_1dp`, the same function behind every percent on the pages and in the PDFs.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from ..labels import event_label
from ..scoring import ScoreResult, Severity, percent_1dp
from ..services.audit_actions import available_actions
from ..templating import current_lang


def iso(value: date | datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def decimal(value: Decimal | None) -> str | None:
    return None if value is None else format(value, "f")


def hundredths(value: Decimal | None) -> str | None:
    """A stored two-decimal value (assessments' numbers) always as "1234.50"."""
    return None if value is None else format(value.quantize(Decimal("0.01")), "f")


def pct(value) -> str | None:
    return None if value is None else str(percent_1dp(value))


def user(u) -> dict:
    return {"id": u.id, "name": u.name, "email": u.email,
            "roles": sorted(r.value for r in u.roles), "active": u.active,
            "centre_id": u.centre_id}


def me(u) -> dict:
    return {**user(u), "language": u.language}


def catalog_summary(c) -> dict:
    return {"key": c.key, "version": c.version, "title_de": c.title_de, "title_en": c.title_en,
            "status": c.status.value}


def catalog_detail(row, catalog) -> dict:
    rules = catalog.rules
    return {
        **catalog_summary(row),
        "rules": {
            "overall_minimum": decimal(rules.overall_minimum),
            "category_minimum": decimal(rules.category_minimum),
            "knockout_minimum": rules.knockout_minimum,
            "na_warning_percent": decimal(rules.na_warning_percent),
            "condition_deadline_months": rules.condition_deadline_months,
            "validity_years": rules.validity_years,
        },
        "bands": [{"minimum": decimal(b.minimum), "label_de": b.label.de, "label_en": b.label.en}
                  for b in rules.report_bands],
        "scoring_types": {
            "scale": {"points": [0, 1, 2, 3]},
            "yesno": {"points": [0, 3]},
            "number": {"points": "by the criterion's bands"},
        },
        "categories": [
            {
                "code": cat.code, "title_de": cat.title.de, "title_en": cat.title.en,
                "weight": cat.weight,
                "criteria": [
                    {
                        "code": c.code, "title_de": c.title.de, "title_en": c.title.en,
                        "guidance_de": c.guidance.de, "guidance_en": c.guidance.en,
                        "evidence_de": c.evidence.de, "evidence_en": c.evidence.en,
                        "type": c.type.value, "weight": c.weight, "knockout": c.knockout,
                        "na_allowed": c.na_allowed,
                        "bands": [{"start": decimal(b.start), "points": b.points} for b in c.bands],
                        "unit": c.unit, "minimum": decimal(c.minimum), "maximum": decimal(c.maximum),
                    }
                    for c in cat.criteria
                ],
            }
            for cat in catalog.categories
        ],
    }


CENTRE_FIELDS = (
    "name", "operating_company", "street", "postcode", "city", "federal_state", "founded_year",
    "space_m2", "tenant_count", "occupancy_percent", "staff_count", "website", "contact_name",
    "contact_email", "contact_phone", "member_since", "active",
)


def centre(c, *, label_status=None, label_until=None) -> dict:
    out = {"id": c.id}
    for key in CENTRE_FIELDS:
        value = getattr(c, key)
        if isinstance(value, Decimal):
            value = decimal(value)
        elif isinstance(value, date):
            value = value.isoformat()
        out[key] = value
    out["label_status"] = None if label_status is None else str(label_status)
    out["label_until"] = iso(label_until)
    return out


def centre_input(c) -> dict:
    """A centre's stored values as the validation accepts them (for PATCH: merge, then check)."""
    return {key: getattr(c, key) for key in CENTRE_FIELDS}


def audit_summary(a, result: ScoreResult | None = None) -> dict:
    out = {
        "id": a.id, "number": a.number, "status": a.status.value, "kind": a.kind.value,
        "centre": {"id": a.centre.id, "name": a.centre.name, "city": a.centre.city},
        "catalog": {"key": a.catalog.key, "version": a.catalog.version},
        "planned_on": iso(a.planned_on), "visit_on": iso(a.visit_on), "due_on": iso(a.due_on),
        "decision": a.decision.value if a.decision else None, "decided_at": iso(a.decided_at),
        "team": [{"user_id": m.user_id, "name": m.user.name, "team_role": m.team_role.value}
                 for m in a.members],
        "certificate": audit_certificate(a),
    }
    if result is not None:
        out["overall_percent"] = pct(result.overall_percent)
        out["outcome"] = result.outcome.value
    return out


def audit_certificate(a) -> dict | None:
    """The certificate the audit's decision issued (the newest): number and stored status."""
    newest = a.certificates[0] if a.certificates else None
    return None if newest is None else {"number": newest.number, "status": newest.status.value}


def assessment(code: str, a) -> dict:
    return {
        "code": code, "points": a.points, "value": hundredths(a.value),
        "not_applicable": a.not_applicable, "reason": a.na_reason, "comment": a.comment,
        "finding": a.finding,
        "finding_severity": a.finding_severity.value if a.finding_severity else None,
        "adjusted_points": a.adjusted_points, "adjusted_value": hundredths(a.adjusted_value),
        "adjustment_reason": a.adjustment_reason, "answered": a.answered,
        "updated_at": iso(a.updated_at), "reviewed_at": iso(a.reviewed_at), "version": a.version,
    }


def score(result: ScoreResult) -> dict:
    lang = current_lang()

    def finding(f) -> dict:
        return {"criterion": f.criterion_code, "category": f.category_code, "kind": str(f.kind),
                "text": f.text(lang)}

    band = result.band
    return {
        "overall_percent": pct(result.overall_percent),
        "categories": [{"code": c.code, "percent": pct(c.percent), "dropped": c.dropped,
                        "below_minimum": c.below_minimum, "answered": c.answered,
                        "total": c.total} for c in result.categories],
        "knockouts_failed": [k.code for k in result.knockouts if k.met is False],
        "findings": {
            "major": [finding(f) for f in result.findings if f.severity == Severity.MAJOR],
            "minor": [finding(f) for f in result.findings if f.severity == Severity.MINOR],
            "observations": [finding(f) for f in result.findings
                             if f.severity == Severity.OBSERVATION],
        },
        "missing": list(result.missing),
        "outcome": result.outcome.value,
        "reasons": [{"code": str(r.code), "text": r.text(lang)} for r in result.reasons],
        "band": None if band is None else {"minimum": decimal(band.minimum),
                                           "label": band.label.get(lang)},
    }


def audit_detail(audit, sheet, user) -> dict:
    return {
        **audit_summary(audit),
        "decision_note": audit.decision_note,
        "override_reason": audit.override_reason,
        "created_at": iso(audit.created_at),
        "assessments": [assessment(code, item.assessment) for code, item in sheet.items.items()],
        "score": score(sheet.result),
        "actions": [{"action": a.action.value, "enabled": a.enabled, "needs_note": a.needs_note,
                     "blocked_by": list(a.blocked_by)}
                    for a in available_actions(audit, user, sheet.result)],
    }


def event(e) -> dict:
    return {
        "id": e.id, "action": e.action, "label": event_label(e.action),
        "occurred_at": iso(e.occurred_at),
        "actor": None if e.actor is None else {"id": e.actor.id, "name": e.actor.name},
        "subject_type": e.subject_type, "subject_id": e.subject_id,
        "old": e.old, "new": e.new, "note": e.note,
    }


def certificate(c, public_status: str) -> dict:
    return {
        "number": c.number, "status": c.status.value, "public_status": public_status,
        "status_reason": c.status_reason, "audit_id": c.audit_id,
        "centre": {"id": c.centre.id, "name": c.centre.name, "city": c.centre.city},
        "catalog": {"key": c.catalog.key, "version": c.catalog.version},
        "issued_at": iso(c.issued_at), "valid_from": iso(c.valid_from),
        "valid_until": iso(c.valid_until),
        "conditions": [{"criterion": x.get("criterion"), "text_de": x.get("text_de", ""),
                        "text_en": x.get("text_en", ""), "deadline": x.get("deadline")}
                       for x in (c.conditions or [])],
        "pdf_sha256": c.pdf_sha256,
    }
