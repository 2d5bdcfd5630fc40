"""The number of queries of each list endpoint does not grow with the number of items."""
from __future__ import annotations

import pytest

from audit_app.extensions import db
from audit_app.services import audits as svc
from audit_app.workflow import Action, Decision
from tests.conftest import count_queries, full_answers


def _count(api, token, url) -> int:
    api.get(url, token=token)  # warm caches (catalogue, scores)
    with count_queries(db.engine) as statements:
        assert api.get(url, token=token).status_code == 200
    return len(statements)


@pytest.mark.parametrize("backend", ["sqlite"])
def test_list_endpoints_use_a_constant_number_of_queries(api, backend, make_user, make_token,
                                                         make_centre, make_audit, catalog):
    lead = make_user("lead")
    token = make_token(lead)
    urls = ("/audits?per_page=100", "/centres?per_page=100", "/users?per_page=100",
            "/catalogs", "/register", "/me")
    counts = []
    for round_ in range(2):
        for i in range(1 if round_ == 0 else 4):
            auditor = make_user("auditor")
            audit = make_audit(make_centre(name=f"Gründerzentrum Würzburg {round_}-{i}"),
                               lead=auditor, answers=full_answers(catalog))
            svc.transition(audit, Action.SUBMIT, auditor)
            svc.transition(audit, Action.BEGIN_REVIEW, lead)
            svc.agree_with_remaining(audit, actor=lead)  # decide needs every row reviewed
            svc.transition(audit, Action.DECIDE, lead, decision=Decision.AWARD)
            db.session.commit()
        counts.append({url: _count(api, token, url) for url in urls})
    audit_id = audit.id
    small = _count(api, token, f"/audits/{audit_id}/events?per_page=2")
    large = _count(api, token, f"/audits/{audit_id}/events?per_page=100")
    assert counts[0] == counts[1], counts
    assert small == large
    assert counts[1]["/audits?per_page=100"] <= 10, counts


@pytest.mark.parametrize("backend", ["sqlite"])
def test_the_audit_detail_uses_a_constant_number_of_queries(api, backend, people, make_audit,
                                                            make_centre, catalog):
    small = make_audit(make_centre(), lead=people["auditor"][0], answers={"A2": 2})
    large = make_audit(make_centre(), lead=people["auditor"][0], answers=full_answers(catalog))
    token = people["auditor"][1]
    assert _count(api, token, f"/audits/{small.id}") == _count(api, token, f"/audits/{large.id}")
