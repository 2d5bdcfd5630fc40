"""The OpenAPI 3.1 description of API v1: one dict, served as JSON and rendered as /docs.

This module holds the paths and operations table only. Every schema under
``components/schemas`` is generated from a pydantic model: the request bodies from
:mod:`audit_app.api.schemas`, the responses from :mod:`audit_app.api.responses`; query and
path parameters take their enums from the domain's enums and their limits from
:mod:`audit_app.services.inputs`. The /docs page's model is :mod:`audit_app.api.docs`.
Tests check that every route of the blueprint is described here and vice versa, that every
response schema is a generated one, validate the description itself, and validate every
response the tests receive against it.
"""
from __future__ import annotations

import copy
from enum import Enum
from functools import lru_cache

from ..models import FEDERAL_STATES
from ..services.certificates import STATUS_ACTIONS
from ..services.conditions import STATE_FILTERS as CONDITION_STATES
from ..services.evidence import MEDIA_TYPES
from ..services.inputs import LIMITS, MAX_ID
from ..services.label_status import LabelStatus
from ..workflow import AuditStatus, Role
from .helpers import DEFAULT_PER_PAGE, MAX_PAGE, MAX_PER_PAGE
from .responses import response_schemas
from .schemas import body_schemas

VERSION = "1.0.0"


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _choice(values) -> dict:
    """A parameter taking one of ``values`` (an enum class or a sequence of strings)."""
    if isinstance(values, type) and issubclass(values, Enum):
        values = [m.value for m in values]
    return {"type": "string", "enum": list(values)}


TEXT = {"type": "string"}
ID = {"type": "integer", "minimum": 1, "maximum": MAX_ID}


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


PAGING = [_query("page", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE},
                 "Page number, from 1."),
          _query("per_page", {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
                 f"Items per page (default {DEFAULT_PER_PAGE}, at most {MAX_PER_PAGE}).")]
AUDIT_ID = _path_param("audit_id", ID)
CENTRE_ID = _path_param("centre_id", ID)
CODE = _path_param("code", TEXT, "A criterion code such as A1.")
NUMBER = _path_param("number", TEXT, "A certificate number such as AIZ-2026-0007.")
APPLICATION_ID = _path_param("application_id", ID, "The id of the audit the application began.")
QUESTION_KEY = _path_param("question_key", TEXT, "A question's key, e.g. gruenderflaeche.")
DOCUMENT_KEY = _path_param("document_key", TEXT, "A required document's or a file question's "
                                                 "key, e.g. gesellschaftsvertrag.")
FILE_ID = _path_param("file_id", ID)


#: How every upload endpoint takes its file (``api.helpers.uploaded_file``).
UPLOAD_TEXT = ("The file in either form: multipart/form-data with the field `file`, or the "
               "bytes themselves as the body (application/octet-stream) with `?name=`. A PDF, "
               "image or office document, its type checked from the content; at most "
               "EVIDENCE_MAX_BYTES.")


def _upload(op: dict) -> dict:
    """An upload operation: the file as a multipart part or as the body with ``?name=``."""
    op["requestBody"] = {"required": True, "content": {
        "multipart/form-data": {"schema": _ref("DocumentUpload")},
        "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}
    op["parameters"] = [*op.get("parameters", []), _query(
        "name", {"type": "string", "minLength": 1, "maxLength": LIMITS["upload.name"]},
        "The file's name with its extension, e.g. Nachweis.pdf (required with a body of "
        "application/octet-stream; a multipart part carries its own name).")]
    op["description"] = f"{UPLOAD_TEXT} {op.get('description', '')}".strip()
    return op
CONDITION_ID = _path_param("condition_id", ID)


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
                "410": _ok("Verification", _ERRORS[410]),
            }, op_id="verify", params=[NUMBER], public=True)},
        "/openapi.json": {"get": _op(
            "Public", "This description (OpenAPI 3.1)",
            {"200": _ok("OpenApiDocument")}, op_id="openapi", public=True)},
        "/docs": {"get": _op(
            "Public", "This description as a readable page",
            {"200": {"description": "OK", "content": {"text/html": {"schema": TEXT}}}},
            op_id="docs", public=True)},
        "/me": {"get": _op("People", "The token's user", {"200": _ok("Me")}, op_id="me")},
        "/users": {"get": _op(
            "People", "Users with roles (working-group leads and admins)", {"200": _ok("UserPage")},
            op_id="users", errors=(403,),
            params=[_query("role", _choice(Role)), *PAGING])},
        "/catalogs": {"get": _op("Catalogues", "Catalogue versions", {"200": _ok("CatalogPage")},
                                 op_id="catalogs", params=PAGING)},
        "/catalogs/{key}/{version}": {"get": _op(
            "Catalogues", "One catalogue version with criteria, scoring types, bands and rules",
            {"200": _ok("CatalogDetail")}, op_id="catalog", errors=(404,),
            params=[_path_param("key", TEXT), _path_param("version", TEXT)])},
        "/centres": {
            "get": _op("Centres", "Centres the user may see", {"200": _ok("CentrePage")},
                       op_id="centres", params=[
                           _query("q", {"type": "string", "maxLength": LIMITS["search.q"]},
                                  "Matches name or city (case and umlauts ignored)."),
                           _query("state", _choice(FEDERAL_STATES)),
                           _query("label_status", _choice(LabelStatus)),
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
                           _query("status", _choice(AuditStatus)),
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
        "/audits/{audit_id}/renewals": {"post": _op(
            "Audits", "Plan the renewal audit of a decided audit (working-group leads)",
            {"201": _ok("AuditDetail", "Created; it starts from the audit in the path"),
             "409": _error(409, "`not_decided`: only a decided audit can be renewed.")},
            op_id="plan_renewal", params=[AUDIT_ID], body="PlanRenewal", errors=(403, 404),
            description="The renewal's checklist shows the previous cycle's points, comment, "
                        "findings, files and conditions beside every criterion (`previous` in "
                        "the audit), mapped through the catalogue versions' mappings.")},
        "/audits/{audit_id}/assessments/{code}/carried-evidence": {"post": _op(
            "Audits", "Carry a file of the previous cycle forward („noch gültig“)",
            {"201": _ok("EvidenceFile", "Carried forward onto the criterion"),
             "409": _error(409, "`not_editable`: not an open renewal audit.")},
            op_id="carry_evidence", params=[AUDIT_ID, CODE], body="CarryEvidenceInput",
            errors=(403, 404),
            description="Never silently: `still_valid` must be true. A file whose `valid_until` "
                        "has passed needs a new `valid_until` (not in the past).")},
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
        **_application_paths(),
        "/conditions": {"get": _op(
            "Conditions", "Conditions the user may see, by deadline", {"200": _ok("ConditionPage")},
            op_id="conditions", params=[
                _query("state", _choice(CONDITION_STATES),
                       "`active` (default: open, overdue and answered), `overdue`, `open`, "
                       "`answered`, `closed`, `cancelled` or `all`."),
                _query("centre_id", ID), _query("audit_id", ID), *PAGING])},
        "/conditions/{condition_id}": {"get": _op(
            "Conditions", "One condition with its answers, proofs and checks",
            {"200": _ok("ConditionDetail")}, op_id="condition", params=[CONDITION_ID],
            errors=(404,))},
        "/conditions/{condition_id}/responses": {"post": _op(
            "Conditions", "Answer a condition (the centre's contacts): cause, measure, proofs",
            {"201": _ok("ConditionDetail", "Answered; waiting for the check"),
             "409": _error(409, "`condition_refused`: the condition is closed, cancelled or "
                                "its answer is being checked.")},
            op_id="respond_condition", params=[CONDITION_ID], body="ConditionResponseInput",
            errors=(403, 404))},
        "/conditions/{condition_id}/proofs": {"post": _upload(_op(
            "Conditions", "Attach a proof file to the answer being checked",
            {"201": _ok("ConditionDetail", "Attached"),
             "409": _error(409, "`condition_refused`: closed, cancelled, or not answered yet.")},
            op_id="add_condition_proof", errors=(400, 403, 404, 413, 422),
            params=[CONDITION_ID],
            description="Answer the condition first (`responses`)."))},
        "/conditions/{condition_id}/proofs/{proof_id}": {"get": _op(
            "Conditions", "A proof file as uploaded",
            {"200": {"description": "The file",
                     "content": {media: {"schema": {"type": "string", "format": "binary"}}
                                 for media in MEDIA_TYPES}}},
            op_id="condition_proof", params=[CONDITION_ID, _path_param("proof_id", ID)],
            errors=(404,),
            description="Served with the file's own media type (PDF, image, office document).")},
        "/conditions/{condition_id}/accept": {"post": _op(
            "Conditions", "Accept the answer: the condition is fulfilled (working-group leads, "
                          "the lead auditor)",
            {"200": _ok("ConditionDetail"),
             "409": _error(409, "`condition_refused`: nothing to check.")},
            op_id="accept_condition", params=[CONDITION_ID], body="ConditionAcceptInput",
            errors=(403, 404))},
        "/conditions/{condition_id}/reject": {"post": _op(
            "Conditions", "Reject the answer with a reason; the deadline stays or is extended",
            {"200": _ok("ConditionDetail"),
             "409": _error(409, "`condition_refused`: nothing to check.")},
            op_id="reject_condition", params=[CONDITION_ID], body="ConditionRejectInput",
            errors=(403, 404))},
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
            params=[NUMBER, _path_param("action", _choice(STATUS_ACTIONS))])},
    }


def _file_media_types() -> list[str]:
    """The media types a handed-in file is served with (those evidence accepts)."""
    from ..services import evidence

    kinds = [evidence.PDF, evidence.PNG, evidence.JPEG, evidence.HEIC, evidence.WEBP,
             evidence.DOCX, evidence.XLSX, evidence.PPTX, evidence.ODT, evidence.ODS,
             evidence.ODP]
    return [k.media_type for k in kinds] + sorted(evidence.OLE_TYPES.values())


def _application_paths() -> dict:
    """The centre's side: applications, answers, self-assessment, documents, marks."""
    tag = "Applications"
    upload = _op(tag, "Hand in a file for a required document or a file question (the "
                      "centre's contact)",
                 {"201": _ok("HandedInFile", "Stored"),
                  "409": _error(409, "`not_editable`: files can no longer be handed in for "
                                     "this document (submitted, marked present, or after "
                                     "the visit).")},
                 op_id="upload_document", params=[APPLICATION_ID, DOCUMENT_KEY],
                 errors=(400, 403, 404, 413, 422))
    upload = _upload(upload)
    return {
        "/applications": {
            "get": _op(tag, "Applications the user may see, newest first",
                       {"200": _ok("ApplicationPage")}, op_id="applications", params=PAGING),
            "post": _op(tag, "Apply for an audit (a centre's contact for the own centre; leads "
                             "and admins on a centre's behalf)",
                        {"201": _ok("ApplicationDetail", "Created")}, op_id="apply",
                        body="ApplicationInput", errors=(403,)),
        },
        "/applications/{application_id}": {"get": _op(
            tag, "One application with answers, documents, self-assessment and its result",
            {"200": _ok("ApplicationDetail")}, op_id="application", params=[APPLICATION_ID],
            errors=(404,))},
        "/applications/{application_id}/accept": {"post": _op(
            tag, "Accept the application by planning the audit (working-group leads)",
            {"200": _ok("ApplicationDetail", "Accepted; the questionnaire is open")},
            op_id="accept_application", params=[APPLICATION_ID], body="AcceptApplication",
            errors=(403, 404, 409))},
        "/applications/{application_id}/decline": {"post": _op(
            tag, "Decline the application with a reason (working-group leads)",
            {"200": _ok("ApplicationDetail")}, op_id="decline_application",
            params=[APPLICATION_ID], body="DeclineApplication", errors=(403, 404, 409))},
        "/applications/{application_id}/answers/{question_key}": {"put": _op(
            tag, "Save the centre's answer to one question",
            {"200": _ok("QuestionnaireAnswer", "Stored, with its new version"),
             "409": _error(409, "`version_conflict` (the stored answer is in `current`) or "
                                "`not_editable` (submitted).", "AnswerConflict")},
            op_id="save_answer", params=[APPLICATION_ID, QUESTION_KEY],
            body="QuestionnaireAnswerInput", errors=(403, 404))},
        "/applications/{application_id}/submit": {"post": _op(
            tag, "Submit the questionnaire (the centre's contact)",
            {"200": _ok("ApplicationDetail", "Submitted"),
             "422": _error(422, "`questionnaire_incomplete` (details: the questions without "
                                "an answer).")},
            op_id="submit_questionnaire", params=[APPLICATION_ID], errors=(403, 404, 409))},
        "/applications/{application_id}/self-assessment/{code}": {"put": _op(
            tag, "Save the centre's own score of one criterion",
            {"200": _ok("SelfScore", "Stored, with its new version"),
             "409": _error(409, "`version_conflict` (the stored score is in `current`) or "
                                "`not_editable` (submitted).", "SelfScoreConflict")},
            op_id="save_self_assessment", params=[APPLICATION_ID, CODE],
            body="SelfAssessmentInput", errors=(403, 404))},
        "/applications/{application_id}/documents/{document_key}/files": {"post": upload},
        "/applications/{application_id}/files/{file_id}": {"get": _op(
            tag, "A handed-in file, as handed in",
            {"200": {"description": "The file (Content-Disposition: attachment)",
                     "content": {media: {"schema": {"type": "string", "format": "binary"}}
                                 for media in _file_media_types()}}},
            op_id="document_file", params=[APPLICATION_ID, FILE_ID], errors=(404,),
            description="Served with the file's own media type (PDF, image, office "
                        "document).")},
        "/applications/{application_id}/documents/{document_key}/review": {"put": _op(
            tag, "Mark a required document present, incomplete or missing (the audit team)",
            {"200": _ok("RequiredDocumentState")}, op_id="review_document",
            params=[APPLICATION_ID, DOCUMENT_KEY], body="DocumentReviewInput",
            errors=(403, 404, 409))},
        "/applications/{application_id}/complete-document-review": {"post": _op(
            tag, "Complete the document review: ready for the visit (the lead auditor)",
            {"200": _ok("ApplicationDetail"),
             "422": _error(422, "`documents_unreviewed` (details: the unmarked documents).")},
            op_id="complete_document_review", params=[APPLICATION_ID],
            errors=(403, 404, 409))},
    }


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
        "tags": [{"name": n} for n in ("Public", "People", "Catalogues", "Centres",
                                       "Applications", "Audits", "Conditions", "Certificates")],
        "paths": _paths(),
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                           "description": "An API token (aiz_...)."}},
            "schemas": {**body_schemas(), **response_schemas()},
        },
    }


def spec() -> dict:
    """The description as a fresh dict (callers may change their copy)."""
    return copy.deepcopy(_spec())
