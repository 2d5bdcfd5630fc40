"""The OpenAPI 3.1 description of API v1: one dict, served as JSON and rendered as /docs.

The request bodies' schemas are generated from the pydantic models of
:mod:`audit_app.api.schemas`; the /docs page's model is :mod:`audit_app.api.docs`. Tests check that every route of the blueprint is described here and vice versa, validate
the description itself, and validate every response the tests receive against it.
"""
from __future__ import annotations

import copy
from functools import lru_cache

from ..models.certificate import CertificateStatus
from ..services.inputs import LIMITS
from ..workflow import Action, AuditKind, AuditStatus, Decision, Role, TeamRole
from .schemas import body_schemas

VERSION = "1.0.0"


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(schema: dict) -> dict:
    if "$ref" in schema:
        return {"anyOf": [schema, {"type": "null"}]}
    out = dict(schema)
    kind = out.get("type")
    out["type"] = [kind, "null"] if isinstance(kind, str) else [*kind, "null"]
    if "enum" in out:
        out["enum"] = [*out["enum"], None]
    return out


def _obj(properties: dict, required: list | tuple | None = None, *, extra: bool = False,
         **more) -> dict:
    out = {"type": "object", "properties": properties,
           "required": list(properties) if required is None else list(required),
           "additionalProperties": extra}
    out.update(more)
    return out


STR = {"type": "string"}
INT = {"type": "integer"}
BOOL = {"type": "boolean"}
DATE = {"type": "string", "format": "date"}
DATETIME = {"type": "string", "format": "date-time"}
ID = {"type": "integer", "minimum": 1, "maximum": 2_147_483_647}
PERCENT = {"type": "string", "pattern": r"^\d{1,3}\.\d$",
           "description": "A percent with one decimal place, rounded down (\"64.9\")."}
DECIMAL = {"type": "string", "pattern": r"^-?\d+(\.\d+)?$"}
ANY = {}


def _page(item: str) -> dict:
    return _obj({"items": {"type": "array", "items": _ref(item)},
                 "page": {"type": "integer", "minimum": 1},
                 "per_page": {"type": "integer", "minimum": 1, "maximum": 100},
                 "total": {"type": "integer", "minimum": 0}})


def _schemas() -> dict:
    team_member = _obj({"user_id": INT, "name": STR,
                        "team_role": {"type": "string", "enum": [t.value for t in TeamRole]}})
    finding = _obj({"criterion": _nullable(STR), "category": _nullable(STR), "kind": STR,
                    "text": STR})
    centre_props = {
        "name": STR, "operating_company": STR, "street": STR, "postcode": STR, "city": STR,
        "federal_state": STR, "founded_year": _nullable(INT), "space_m2": _nullable(INT),
        "tenant_count": _nullable(INT), "occupancy_percent": _nullable(DECIMAL),
        "staff_count": _nullable(INT), "website": STR, "contact_name": STR,
        "contact_email": STR, "contact_phone": STR, "member_since": _nullable(DATE),
        "active": BOOL,
    }
    assessment = _obj({
        "code": STR, "points": _nullable({"type": "integer", "minimum": 0, "maximum": 3}),
        "value": _nullable(DECIMAL), "not_applicable": BOOL, "reason": STR, "comment": STR,
        "finding": STR, "finding_severity": _nullable({"type": "string",
                                                       "enum": ["major", "minor", "observation"]}),
        "adjusted_points": _nullable({"type": "integer", "minimum": 0, "maximum": 3}),
        "adjusted_value": _nullable(DECIMAL), "adjustment_reason": STR, "answered": BOOL,
        "updated_at": _nullable(DATETIME), "reviewed_at": _nullable(DATETIME),
        "version": {"type": "integer", "minimum": 1},
    })
    audit_summary_props = {
        "id": INT, "number": STR, "status": {"type": "string", "enum": [s.value for s in AuditStatus]},
        "kind": {"type": "string", "enum": [k.value for k in AuditKind]},
        "centre": _obj({"id": INT, "name": STR, "city": STR}),
        "catalog": _obj({"key": STR, "version": STR}),
        "planned_on": DATE, "visit_on": _nullable(DATE), "due_on": _nullable(DATE),
        "decision": _nullable({"type": "string", "enum": [d.value for d in Decision]}),
        "decided_at": _nullable(DATETIME),
        "team": {"type": "array", "items": team_member},
        "certificate": _nullable(_obj({
            "number": STR,
            "status": {"type": "string", "enum": [s.value for s in CertificateStatus]},
        }, description="The certificate the audit's decision issued (null for none).")),
    }
    outcome = {"type": "string", "enum": ["incomplete", "refuse", "award_with_conditions", "award"]}
    return {
        **body_schemas(),  # request bodies: generated from the pydantic models (api/schemas.py)
        "Error": _obj({
            "error": _obj({
                "code": {"type": "string", "description": "A machine code, e.g. not_found, "
                         "validation_failed, version_conflict, not_allowed_from_status."},
                "message": {"type": "string", "description": "German or English per Accept-Language."},
                "fields": {"type": "object", "additionalProperties": STR,
                           "description": "Each bad field with its message."},
                "details": {"type": "array", "items": STR,
                            "description": "E.g. the missing criteria of an incomplete checklist."},
            }, ["code", "message", "fields"]),
        }, ["error"], extra=True),
        "VersionConflict": {
            "allOf": [_ref("Error"), _obj({"current": _ref("Assessment")}, [], extra=True)],
            "description": "A 409: with `current` (the stored assessment) on a version conflict.",
        },
        "Me": _obj({"id": INT, "name": STR, "email": STR,
                    "roles": {"type": "array", "items": {"type": "string",
                                                         "enum": [r.value for r in Role]}},
                    "active": BOOL, "centre_id": _nullable(INT), "language": STR}),
        "User": _obj({"id": INT, "name": STR, "email": STR,
                      "roles": {"type": "array", "items": {"type": "string",
                                                           "enum": [r.value for r in Role]}},
                      "active": BOOL, "centre_id": _nullable(INT)}),
        "UserPage": _page("User"),
        "CatalogSummary": _obj({"key": STR, "version": STR, "title_de": STR, "title_en": STR,
                                "status": {"type": "string", "enum": ["draft", "active", "retired"]}}),
        "CatalogPage": _page("CatalogSummary"),
        "CatalogDetail": _obj({
            "key": STR, "version": STR, "title_de": STR, "title_en": STR, "status": STR,
            "rules": _obj({"overall_minimum": DECIMAL, "category_minimum": DECIMAL,
                           "knockout_minimum": INT, "na_warning_percent": DECIMAL,
                           "condition_deadline_months": INT, "validity_years": INT}),
            "bands": {"type": "array", "items": _obj({"minimum": DECIMAL, "label_de": STR,
                                                      "label_en": STR})},
            "scoring_types": {"type": "object"},
            "categories": {"type": "array", "items": _obj({
                "code": STR, "title_de": STR, "title_en": STR, "weight": INT,
                "criteria": {"type": "array", "items": _obj({
                    "code": STR, "title_de": STR, "title_en": STR, "guidance_de": STR,
                    "guidance_en": STR, "evidence_de": STR, "evidence_en": STR,
                    "type": {"type": "string", "enum": ["scale", "yesno", "number"]},
                    "weight": INT, "knockout": BOOL, "na_allowed": BOOL,
                    "bands": {"type": "array", "items": _obj({"start": DECIMAL, "points": INT})},
                    "unit": _nullable(STR), "minimum": _nullable(DECIMAL),
                    "maximum": _nullable(DECIMAL)})},
            })},
        }),
        "Centre": _obj({"id": INT, **centre_props,
                        "label_status": _nullable({"type": "string",
                                                   "enum": ["valid", "expiring", "expired", "never"]}),
                        "label_until": _nullable(DATE)}),
        "CentrePage": _page("Centre"),
        "CentreDetail": _obj({
            "id": INT, **centre_props,
            "label_status": {"type": "string", "enum": ["valid", "expiring", "expired", "never"]},
            "label_until": _nullable(DATE),
            "audits": {"type": "array", "items": _obj({
                "id": INT, "number": STR, "status": STR, "kind": STR, "planned_on": DATE,
                "overall_percent": _nullable(PERCENT), "outcome": outcome})},
            "certificates": {"type": "array", "items": _obj({
                "number": STR, "status": STR, "valid_from": DATE, "valid_until": DATE})},
        }),
        "AuditSummary": _obj({**audit_summary_props, "overall_percent": _nullable(PERCENT),
                              "outcome": outcome}),
        "AuditPage": _page("AuditSummary"),
        "AuditDetail": _obj({
            **audit_summary_props, "decision_note": STR, "override_reason": STR,
            "created_at": DATETIME,
            "assessments": {"type": "array", "items": _ref("Assessment")},
            "score": _ref("Score"),
            "actions": {"type": "array", "items": _obj({
                "action": {"type": "string", "enum": [a.value for a in Action]},
                "enabled": BOOL, "needs_note": BOOL,
                "blocked_by": {"type": "array", "items": STR}})},
        }),
        "Assessment": assessment,
        "Score": _obj({
            "overall_percent": _nullable(PERCENT),
            "categories": {"type": "array", "items": _obj({
                "code": STR, "percent": _nullable(PERCENT), "dropped": BOOL,
                "below_minimum": BOOL, "answered": INT, "total": INT})},
            "knockouts_failed": {"type": "array", "items": STR},
            "findings": _obj({"major": {"type": "array", "items": finding},
                              "minor": {"type": "array", "items": finding},
                              "observations": {"type": "array", "items": finding}}),
            "missing": {"type": "array", "items": STR},
            "outcome": outcome,
            "reasons": {"type": "array", "items": _obj({"code": STR, "text": STR})},
            "band": _nullable(_obj({"minimum": DECIMAL, "label": STR})),
        }),
        "Event": _obj({"id": INT, "action": STR, "label": STR, "occurred_at": DATETIME,
                       "actor": _nullable(_obj({"id": INT, "name": STR})),
                       "subject_type": STR, "subject_id": _nullable(INT),
                       "old": ANY, "new": ANY, "note": STR}),
        "EventPage": _page("Event"),
        "Certificate": _obj({
            "number": STR,
            "status": {"type": "string",
                       "enum": ["valid", "suspended", "withdrawn", "superseded", "invalidated"]},
            "public_status": STR, "status_reason": STR, "audit_id": INT,
            "centre": _obj({"id": INT, "name": STR, "city": STR}),
            "catalog": _obj({"key": STR, "version": STR}),
            "issued_at": DATETIME, "valid_from": DATE, "valid_until": DATE,
            "conditions": {"type": "array", "items": _obj({
                "criterion": _nullable(STR), "text_de": STR, "text_en": STR,
                "deadline": _nullable(DATE)})},
            "pdf_sha256": _nullable(STR),
        }),
        "Verification": _obj({
            "number": STR,
            "status": {"type": "string", "enum": ["valid", "expiring", "expired", "suspended",
                                                  "withdrawn", "superseded", "invalid"]},
            "centre": _obj({"name": STR, "city": STR}), "label": STR,
            "valid_from": DATE, "valid_until": DATE,
            "catalog": _obj({"key": STR, "version": STR}),
            "pdf_sha256": _nullable(STR), "superseded_by": _nullable(STR),
        }, extra=True, description="The record of /verify/<number>.json (more keys may follow)."),
        "RegisterEntry": _obj({"name": STR, "city": STR, "federal_state": STR, "number": STR,
                               "valid_until": DATE}),
        "RegisterPage": _page("RegisterEntry"),
    }


_ERRORS = {
    400: "Malformed JSON, or the body is not a JSON object (`malformed_json`, `not_an_object`).",
    401: "No token, an unknown or revoked token, or a deactivated user (`unauthorized`).",
    403: "Not allowed for this user (`forbidden`, `four_eyes`).",
    404: "Missing, or not visible to this user (`not_found`).",
    409: "A version conflict or a step not possible in the current status.",
    410: "The certificate has been withdrawn (the record is in the body).",
    413: "The request body is too large (`payload_too_large`).",
    422: "Invalid input; `fields` names each bad field (`validation_failed`).",
    503: "Temporarily unavailable (`service_unavailable`), or a PDF could not be rendered "
         "(`render_failed`, `report_unavailable`; the failure is recorded and the PDF is "
         "rendered again on the next request).",
}


def _error(code: int, description: str | None = None, schema: str = "Error") -> dict:
    return {"description": description or _ERRORS[code],
            "content": {"application/json": {"schema": _ref(schema)}}}


def _ok(schema: str, description: str = "OK") -> dict:
    return {"description": description, "content": {"application/json": {"schema": _ref(schema)}}}


def _pdf(description: str) -> dict:
    return {"description": description,
            "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}}


def _path_param(name: str, schema: dict, description: str = "") -> dict:
    return {"name": name, "in": "path", "required": True, "schema": schema,
            "description": description}


def _query(name: str, schema: dict, description: str = "") -> dict:
    return {"name": name, "in": "query", "required": False, "schema": schema,
            "description": description}


PAGING = [_query("page", {"type": "integer", "minimum": 1, "maximum": 1_000_000},
                 "Page number, from 1."),
          _query("per_page", {"type": "integer", "minimum": 1, "maximum": 100},
                 "Items per page (default 20, at most 100).")]
AUDIT_ID = _path_param("audit_id", ID)
CENTRE_ID = _path_param("centre_id", ID)
CODE = _path_param("code", STR, "A criterion code such as A1.")
NUMBER = _path_param("number", STR, "A certificate number such as AIZ-2026-0007.")


def _op(tag: str, summary: str, responses: dict, *, op_id: str, params=(), body: str | None = None,
        public: bool = False, errors=(), description: str = "") -> dict:
    op = {"tags": [tag], "summary": summary, "operationId": op_id, "responses": dict(responses)}
    if description:
        op["description"] = description
    if params:
        op["parameters"] = list(params)
    if body:
        op["requestBody"] = {"required": True,
                             "content": {"application/json": {"schema": _ref(body)}}}
        errors = (400, 413, 422, *errors)
    if public:
        op["security"] = []
    else:
        errors = (401, *errors)
    if any(p["in"] == "query" for p in params):
        errors = (*errors, 422)
    errors = (*errors, 503)  # the database may be unreachable for any operation
    for code in sorted(set(errors)):
        op["responses"].setdefault(str(code), _error(code))
    return op


def _paths() -> dict:
    return {
        "/register": {"get": _op(
            "Public", "Centres holding the label today", {"200": _ok("RegisterPage")},
            op_id="register", params=PAGING, public=True)},
        "/verify/{number}": {"get": _op(
            "Public", "Verify a certificate", {
                "200": _ok("Verification"),
                "404": _error(404, "No certificate with this number exists."),
                "410": {"description": _ERRORS[410],
                        "content": {"application/json": {"schema": _ref("Verification")}}},
            }, op_id="verify", params=[NUMBER], public=True)},
        "/openapi.json": {"get": _op(
            "Public", "This description (OpenAPI 3.1)",
            {"200": {"description": "OK", "content": {"application/json": {"schema": {
                "type": "object"}}}}}, op_id="openapi", public=True)},
        "/docs": {"get": _op(
            "Public", "This description as a readable page",
            {"200": {"description": "OK", "content": {"text/html": {"schema": STR}}}},
            op_id="docs", public=True)},
        "/me": {"get": _op("People", "The token's user", {"200": _ok("Me")}, op_id="me")},
        "/users": {"get": _op(
            "People", "Users with roles (working-group leads and admins)", {"200": _ok("UserPage")},
            op_id="users", errors=(403,),
            params=[_query("role", {"type": "string", "enum": [r.value for r in Role]}), *PAGING])},
        "/catalogs": {"get": _op("Catalogues", "Catalogue versions", {"200": _ok("CatalogPage")},
                                 op_id="catalogs", params=PAGING)},
        "/catalogs/{key}/{version}": {"get": _op(
            "Catalogues", "One catalogue version with criteria, scoring types, bands and rules",
            {"200": _ok("CatalogDetail")}, op_id="catalog", errors=(404,),
            params=[_path_param("key", STR), _path_param("version", STR)])},
        "/centres": {
            "get": _op("Centres", "Centres the user may see", {"200": _ok("CentrePage")},
                       op_id="centres", params=[
                           _query("q", {"type": "string", "maxLength": LIMITS["search.q"]},
                                  "Matches name or city (case and umlauts ignored)."),
                           _query("state", {"type": "string", "enum": _states()}),
                           _query("label_status", {"type": "string",
                                                   "enum": ["valid", "expiring", "expired", "never"]}),
                           *PAGING]),
            "post": _op("Centres", "Create a centre (working-group leads, admins)",
                        {"201": _ok("Centre", "Created")}, op_id="create_centre",
                        body="CentreInput", errors=(403,)),
        },
        "/centres/{centre_id}": {
            "get": _op("Centres", "One centre with label status, audits and certificates",
                       {"200": _ok("CentreDetail")}, op_id="centre", params=[CENTRE_ID],
                       errors=(404,)),
            "patch": _op("Centres", "Change some fields of a centre (working-group leads, admins)",
                         {"200": _ok("Centre")}, op_id="update_centre", params=[CENTRE_ID],
                         body="CentrePatch", errors=(403, 404)),
        },
        "/audits": {
            "get": _op("Audits", "Audits the user may see, newest first", {"200": _ok("AuditPage")},
                       op_id="audits", params=[
                           _query("centre_id", ID),
                           _query("status", {"type": "string", "enum": [s.value for s in AuditStatus]}),
                           *PAGING]),
            "post": _op("Audits", "Plan an audit (working-group leads)",
                        {"201": _ok("AuditDetail", "Created")}, op_id="plan_audit",
                        body="PlanAudit", errors=(403,)),
        },
        "/audits/{audit_id}": {"get": _op(
            "Audits", "One audit with team, dates, assessments (with versions), score, actions",
            {"200": _ok("AuditDetail")}, op_id="audit", params=[AUDIT_ID], errors=(404,))},
        "/audits/{audit_id}/assessments/{code}": {"put": _op(
            "Audits", "Save the team's answer for one criterion",
            {"200": _ok("Assessment", "Stored, with its new version"),
             "409": _error(409, "`version_conflict` (the stored assessment is in `current`) or "
                                "`not_editable` (the audit's status forbids editing).",
                           "VersionConflict")},
            op_id="save_assessment", params=[AUDIT_ID, CODE], body="AssessmentInput",
            errors=(403, 404),
            description="PUT replaces the whole answer; `version` is the assessment's version "
                        "as last read. 409 `not_editable` carries no `current`.")},
        "/audits/{audit_id}/reviews/{code}": {"post": _op(
            "Audits", "Review one criterion: adjust with a reason, or agree",
            {"200": _ok("Assessment")}, op_id="review", params=[AUDIT_ID, CODE],
            body="ReviewInput", errors=(403, 404, 409))},
        "/audits/{audit_id}/reviews/agree-remaining": {"post": _op(
            "Audits", "Agree with every criterion not reviewed yet (adjustments stay)",
            {"200": _ok("AuditDetail", "The audit; every criterion is now reviewed")},
            op_id="agree_remaining", params=[AUDIT_ID], errors=(403, 404, 409),
            description="Deciding needs every criterion reviewed (agreed with or adjusted).")},
        "/audits/{audit_id}/transitions": {"post": _op(
            "Audits", "Apply a workflow action",
            {"200": _ok("AuditDetail", "Applied; the audit with its new status"),
             "409": _error(409, "`not_allowed_from_status`: not possible from the current status."),
             "422": _error(422, "`incomplete` (details: the missing criteria), `unreviewed` "
                                "(details: the criteria not reviewed yet; see "
                                "`reviews/agree-remaining`), `reason_required`, or invalid "
                                "fields (`validation_failed`).")},
            op_id="transition", params=[AUDIT_ID], body="TransitionInput", errors=(403, 404, 503),
            description="Actions: start, submit, begin_review, request_changes, resume, decide, "
                        "reopen. `decide` needs `decision` and every criterion reviewed; a "
                        "decision that differs from the computed outcome needs "
                        "`override_reason`.")},
        "/audits/{audit_id}/score": {"get": _op(
            "Audits", "The audit's score", {"200": _ok("Score")}, op_id="score",
            params=[AUDIT_ID], errors=(404,))},
        "/audits/{audit_id}/events": {"get": _op(
            "Audits", "The audit trail, newest first", {"200": _ok("EventPage")}, op_id="events",
            params=[AUDIT_ID, *PAGING], errors=(404,))},
        "/audits/{audit_id}/report.pdf": {"get": _op(
            "Audits", "The audit report (PDF, language by Accept-Language)",
            {"200": _pdf("The stored report of a decided audit, else a draft")},
            op_id="report", params=[AUDIT_ID], errors=(404, 503))},
        "/certificates/{number}": {"get": _op(
            "Certificates", "A certificate", {"200": _ok("Certificate")}, op_id="certificate",
            params=[NUMBER], errors=(404,))},
        "/certificates/{number}.pdf": {"get": _op(
            "Certificates", "The certificate's PDF as issued", {"200": _pdf("The stored PDF")},
            op_id="certificate_pdf", params=[NUMBER], errors=(404,))},
        "/certificates/{number}/{action}": {"post": _op(
            "Certificates", "Suspend, withdraw or reinstate a certificate (working-group leads)",
            {"200": _ok("Certificate"),
             "409": _error(409, "`status_change_refused`: not possible from its status.")},
            op_id="certificate_status", body="StatusChange", errors=(403, 404),
            params=[NUMBER, _path_param("action", {"type": "string",
                                                   "enum": ["suspend", "withdraw", "reinstate"]})])},
    }


def _states() -> list[str]:
    from ..models import FEDERAL_STATES

    return list(FEDERAL_STATES)


@lru_cache(maxsize=1)
def _spec() -> dict:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Anerkanntes Innovationszentrum – Audit API",
            "version": VERSION,
            "description": (
                "Audits, scores and certificates for the quality label \"Anerkanntes "
                "Innovationszentrum\". Send `Authorization: Bearer <token>`; tokens come from "
                "`flask --app audit_app token create --email E` or the administration. Errors "
                "are `{\"error\": {\"code\", \"message\", \"fields\"}}`; messages follow "
                "Accept-Language (de, en). Lists take `page` and `per_page` (at most 100)."
            ),
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "tags": [{"name": n} for n in ("Public", "People", "Catalogues", "Centres", "Audits",
                                       "Certificates")],
        "paths": _paths(),
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                           "description": "An API token (aiz_...)."}},
            "schemas": _schemas(),
        },
    }


def spec() -> dict:
    """The description as a fresh dict (callers may change their copy)."""
    return copy.deepcopy(_spec())
