"""Property-based fuzzing of the whole API from its own OpenAPI description (schemathesis).

Every described operation is called with generated requests (valid ones, then invalid ones)
carrying a valid token, in-process through the WSGI app on SQLite. Checks: no 5xx, every
status documented, every content type documented, every body matching its schema. The run
is bounded by a fixed number of derandomised examples per operation (never by a clock, so a
busy machine runs the same cases, only slower).
"""
from __future__ import annotations

import contextvars
import time

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable

schemathesis = pytest.importorskip("schemathesis")

from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]
EXAMPLES = {GenerationMode.POSITIVE: 60, GenerationMode.NEGATIVE: 20}
#: Operations that render a PDF per call get fewer examples.
SLOW = {"report": 3}


def _settings(examples: int):
    return settings(max_examples=examples, deadline=None, database=None, derandomize=True,
                    phases=[Phase.explicit, Phase.generate],
                    suppress_health_check=list(HealthCheck))


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["sqlite"])
def test_fuzz_the_whole_api_from_its_description(app, backend, make_user, make_token,
                                                  make_centre, make_audit, catalog):
    from audit_app.extensions import db
    from audit_app.models import Certificate
    from audit_app.services import audits as svc
    from audit_app.workflow import Action, Decision
    from tests.conftest import full_answers

    fuzzer = make_user(roles=["admin", "lead", "auditor"], name="Fuzz Müller-Lüdenscheidt")
    token = make_token(fuzzer, "Schemathesis")
    helper, lead = make_user("auditor"), make_user("lead")
    centre = make_centre(name="Technologiezentrum Göttingen")
    audit = make_audit(centre, lead=fuzzer, auditors=[helper], answers={"A2": 2})
    decided = make_audit(make_centre(), lead=helper, auditors=[make_user("auditor")],
                         answers=full_answers(catalog))
    svc.transition(decided, Action.SUBMIT, helper)
    svc.transition(decided, Action.BEGIN_REVIEW, lead)
    svc.agree_with_remaining(decided, actor=lead)  # decide needs every row reviewed
    svc.transition(decided, Action.DECIDE, lead, decision=Decision.AWARD)
    db.session.commit()
    number = db.session.scalar(sa.select(Certificate.number))
    from audit_app.services import centre_side
    from tests.factories import PDF, make_application

    application = make_application(make_centre(name="Gründerhaus Lüneburg"))
    handed_in = centre_side.add_document(application, "gesellschaftsvertrag", filename="GV.pdf",
                                         data=PDF, actor=fuzzer, max_bytes=10_000,
                                         today=application.planned_on)
    db.session.commit()
    known = {"audit_id": audit.id, "centre_id": centre.id, "code": "A3", "number": number,
             "key": catalog.key, "version": catalog.version, "application_id": application.id,
             "question_key": "gruenderflaeche", "document_key": "gesellschaftsvertrag",
             "file_id": handed_in.id}

    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    headers = {"Authorization": f"Bearer {token}"}
    started = time.monotonic()
    failures: list[str] = []
    calls = 0
    statuses: dict[int, int] = {}

    def call(case):
        nonlocal calls
        calls += 1
        try:
            # Each call in its own context, like a real request (see tests.conftest.IsolatedClient).
            response = contextvars.Context().run(case.call, headers=headers)
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
            case.validate_response(response, checks=CHECKS, headers=headers)
        except Exception as exc:  # noqa: BLE001 - collect every failing case, not only the first
            failures.append(f"{case.method} {case.formatted_path}: {str(exc)[:600]}")

    operations = [result.ok() for result in schema.get_all_operations()]
    labels = sorted(op.label for op in operations)
    assert len(operations) >= 23, labels  # all but the description itself
    for operation in operations:
        params = {p.name for p in operation.path_parameters}
        variants = [(GenerationMode.POSITIVE, None), (GenerationMode.NEGATIVE, None)]
        if params and params <= set(known):  # also against real objects, to get past the 404s
            variants.append((GenerationMode.POSITIVE, {p: known[p] for p in params}))
        for mode, path_parameters in variants:
            examples = SLOW.get(operation.definition.raw.get("operationId"), EXAMPLES[mode])
            strategy = operation.as_strategy(generation_mode=mode, path_parameters=path_parameters)
            try:
                _settings(examples)(given(case=strategy)(call))()
            except Unsatisfiable:  # nothing to make invalid (no parameters, no body)
                assert mode is GenerationMode.NEGATIVE, operation.label
            except Exception as exc:  # noqa: BLE001 - a failure hypothesis found: note it, go on
                failures.append(f"{operation.label} ({mode.value}): {str(exc)[:1500]}")
        db.session.rollback()
    elapsed = time.monotonic() - started
    print(f"schemathesis: {calls} calls on {len(operations)} operations in {elapsed:.0f} s; "
          f"statuses {dict(sorted(statuses.items()))}")
    assert calls > 200
    assert statuses.get(200, 0) > 50 and not any(code >= 500 for code in statuses)
    unique = sorted(set(failures))
    assert not unique, f"{len(unique)} failing cases:\n" + "\n\n".join(unique[:15])
