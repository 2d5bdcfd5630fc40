"""The input rules on the pages (issue 12, items 3, 5 and 9), tested as classes.

- every text field of every form has its one limit from services/inputs.LIMITS, and
  limit + 1 characters are refused with a message naming the limit (generated from the form
  classes: a new form or field is covered, or fails the test for lacking a limit);
- NUL bytes, decomposed umlauts, text-direction overrides, non-ASCII digits, exponents and
  absurd page numbers, each through the real pages.
"""
from __future__ import annotations

import importlib
import pkgutil
from decimal import Decimal

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

import audit_app.blueprints as blueprints
from audit_app.blueprints.forms import ServiceForm, is_text_field
from audit_app.extensions import db
from audit_app.models import Assessment, Audit, Centre, Event
from audit_app.services import audits as svc
from audit_app.services.inputs import LIMITS
from audit_app.workflow import Action
from tests.conftest import csrf_token, fresh, full_answers


def _all_forms() -> list[type]:
    for module in pkgutil.walk_packages(blueprints.__path__, blueprints.__name__ + "."):
        if module.name.endswith(".forms"):
            importlib.import_module(module.name)
    found, todo = [], list(ServiceForm.__subclasses__())
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(cls.__subclasses__())
    return sorted(set(found), key=lambda c: c.__qualname__)


class _User:
    id = 1
    roles = frozenset()

    def check_password(self, password):
        return True


#: Constructor context of the forms that take some (the UserForm pattern).
CONTEXT = {
    "PlanAuditForm": dict(centres=[], catalogs=[], auditors=[], guests=[],
                          kind_labels={"initial": "Erstaudit", "renewal": "Wiederholungsaudit"}),
    "UserForm": dict(centres=[]),
    "UserCreateForm": dict(centres=[]),
    "PasswordChangeForm": dict(user=_User()),
    "TokenCreateForm": dict(users=[]),
    "ApplyForm": dict(centres=[], kind_labels={"initial": "Erstaudit",
                                               "renewal": "Wiederholungsaudit"}),
    "AcceptForm": dict(centre=None, auditors=[]),
}


FORMS = _all_forms()


def test_every_form_uses_the_one_pattern():
    """Every form of the pages derives from ServiceForm (a FlaskForm elsewhere would skip the
    text rules)."""
    from flask_wtf import FlaskForm

    strays = [cls.__qualname__ for cls in FlaskForm.__subclasses__()
              if cls is not ServiceForm and cls.__module__.startswith("audit_app")]
    assert strays == []


@pytest.mark.parametrize("backend", ["sqlite"])
def test_every_text_field_of_every_form_has_one_limit_and_refuses_limit_plus_one(app, backend):
    checked, missing, accepted = 0, [], []
    for cls in FORMS:
        with app.test_request_context(method="POST"):
            form = cls(MultiDict(), meta={"csrf": False}, **CONTEXT.get(cls.__name__, {}))
            names = [name for name, field in form._fields.items() if is_text_field(field)]
        for name in names:
            if name not in cls.limits:
                missing.append(f"{cls.__name__}.{name}")
                continue
            limit = LIMITS[cls.limits[name]]
            with app.test_request_context(method="POST"):
                form = cls(MultiDict({name: "ä" * (limit + 1)}), meta={"csrf": False},
                           **CONTEXT.get(cls.__name__, {}))
                valid = form.validate()
                errors = [str(e) for e in form[name].errors]
            checked += 1
            if valid or not any(str(limit) in e for e in errors):
                accepted.append(f"{cls.__name__}.{name}: {errors}")
            db.session.rollback()
    assert missing == [], "text fields without a limit in services/inputs.LIMITS"
    assert accepted == [], "limit + 1 not refused with the limit named"
    assert checked >= 25


# --- through the pages ----------------------------------------------------------------------


@pytest.fixture
def lead(auth, make_user):
    user = make_user("lead", email="leitung@zentren-test.de", language="en")
    auth.login("leitung@zentren-test.de")
    return user


def _centre_form(**values):
    base = {"name": "Technologiezentrum Göttingen", "city": "Göttingen", "federal_state": "NI",
            "active": "y"}
    return {**base, **values}


def test_nul_bytes_are_refused_from_the_centre_form(client, lead):
    response = client.post("/centres/new", data={**_centre_form(street="Haupt\x00straße 1"),
                                                 "csrf_token": csrf_token(client, "/centres/new")})
    assert response.status_code == 200
    assert "cannot be stored" in response.get_data(as_text=True)
    fresh()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Centre)) == 0


def test_a_decomposed_umlaut_is_the_same_name(client, lead, make_centre):
    make_centre(name="Technologiezentrum Göttingen")
    response = client.post("/centres/new", data={
        **_centre_form(name="Technologiezentrum Go\u0308ttingen"),
        "csrf_token": csrf_token(client, "/centres/new")})
    assert response.status_code == 200
    assert "already exists" in response.get_data(as_text=True)
    fresh()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Centre)) == 1


def test_a_composed_name_is_stored_composed(client, lead):
    client.post("/centres/new", data={**_centre_form(name="Gru\u0308nderzentrum Lu\u0308neburg"),
                                      "csrf_token": csrf_token(client, "/centres/new")})
    fresh()
    assert db.session.scalar(sa.select(Centre.name)) == "Gründerzentrum Lüneburg"


@pytest.mark.parametrize("name", ["Gründer\u202ezentrum", "Techno\u200blogiezentrum",
                                  "\u2066Zentrum\u2069"])
def test_text_direction_and_invisible_characters_are_refused_in_names(client, lead, name):
    response = client.post("/centres/new", data={**_centre_form(name=name),
                                                 "csrf_token": csrf_token(client, "/centres/new")})
    assert "invisible or text-direction" in response.get_data(as_text=True)
    fresh()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Centre)) == 0


@pytest.mark.parametrize("value", ["1_000", "١٢", "１２", "8.4e3"])
def test_only_ascii_digits_count_as_numbers(client, lead, value):
    response = client.post("/centres/new", data={**_centre_form(space_m2=value),
                                                 "csrf_token": csrf_token(client, "/centres/new")})
    assert "Please enter a whole number." in response.get_data(as_text=True)
    fresh()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Centre)) == 0


@pytest.fixture
def checklist(client, auth, make_audit, make_user):
    auditor = make_user("auditor", email="katrin@zentren-test.de", language="en")
    audit = make_audit(lead=auditor)
    auth.login("katrin@zentren-test.de")
    return audit


@pytest.mark.parametrize("code, field, value", [
    ("B1", "value", "1e26"), ("B1", "value", "1e400"), ("B1", "value", "9" * 30),
    ("B1", "value", "1_000"), ("B1", "value", "١٢٠٠"), ("A2", "points", "²"),
    ("A2", "points", "３"), ("A2", "comment", "Nord\x00stadt"),
    ("A2", "comment", "x" * (LIMITS["answer.comment"] + 1)),
])
def test_a_checklist_card_refuses_bad_input_with_422(client, checklist, code, field, value):
    url = f"/audits/{checklist.id}/checklist/{code}"
    token = csrf_token(client, f"/audits/{checklist.id}/checklist")
    response = client.post(url, data={"csrf_token": token, "version": "1", field: value},
                           headers={"HX-Request": "true"})
    assert response.status_code == 422
    fresh()
    assessment = svc.get_assessment(db.session.get(Audit, checklist.id), code)
    assert assessment.version == 1 and assessment.value is None and assessment.comment == ""


def test_a_number_within_the_column_is_stored(client, checklist):
    token = csrf_token(client, f"/audits/{checklist.id}/checklist")
    response = client.post(f"/audits/{checklist.id}/checklist/B1",
                           data={"csrf_token": token, "version": "1", "value": "3200,5"})
    assert response.status_code == 302
    fresh()
    assert svc.get_assessment(db.session.get(Audit, checklist.id), "B1").value == Decimal("3200.50")


@pytest.fixture
def review(client, auth, make_audit, make_user, catalog):
    lead = make_user("lead", email="leitung@zentren-test.de", language="en")
    audit = make_audit(answers=full_answers(catalog))
    svc.transition(audit, Action.SUBMIT, audit.lead_auditor)
    db.session.commit()
    auth.login("leitung@zentren-test.de")
    return audit


@pytest.mark.parametrize("data", [
    {"points": "²", "reason": "Begründung"},
    {"points": "2", "reason": "ä" * (LIMITS["review.reason"] + 1)},
    {"points": "2", "reason": "Null\x00byte"},
])
def test_a_review_row_refuses_bad_input_and_keeps_nothing(client, review, data):
    token = csrf_token(client, f"/audits/{review.id}/review")
    events = db.session.scalar(sa.select(sa.func.count()).select_from(Event))
    response = client.post(f"/audits/{review.id}/review/A2", data={"csrf_token": token, **data},
                           headers={"HX-Request": "true"})
    assert response.status_code == 422
    fresh()
    assert db.session.scalar(sa.select(Assessment.adjustment_reason).where(
        Assessment.audit_id == review.id, Assessment.adjusted_points.is_not(None))) is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Event)) == events


def test_a_transition_note_over_its_limit_is_refused(client, review):
    token = csrf_token(client, f"/audits/{review.id}")
    response = client.post(f"/audits/{review.id}/transition/request_changes",
                           data={"csrf_token": token,
                                 "note": "ä" * (LIMITS["transition.note"] + 1)},
                           follow_redirects=True)
    assert f"at most {LIMITS['transition.note']} characters" in response.get_data(as_text=True)
    fresh()
    assert db.session.get(Audit, review.id).status.value == "submitted"


@pytest.mark.parametrize("url", ["/", "/audits/", "/centres/", "/admin/users"])
@pytest.mark.parametrize("page", ["99999999999999999999", "-1", "abc", "²", "1e9"])
def test_absurd_page_numbers_show_a_page(client, auth, make_user, url, page):
    make_user("admin", email="admin@zentren-test.de")
    auth.login("admin@zentren-test.de")
    assert client.get(f"{url}?page={page}").status_code == 200
