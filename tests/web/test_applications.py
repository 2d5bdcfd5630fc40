"""The centre's side through the web pages, on both databases: apply, the lead's answer, the
questionnaire (autosave answers, refusals next to the field, submit with what is missing),
what the auditors see on the checklist and the review, and who may see what."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from audit_app.extensions import db
from audit_app.models import Audit, AuditApplication
from audit_app.services import audits as svc
from audit_app.workflow import Action, AuditStatus
from tests.conftest import csrf_token, fresh, full_answers
from tests.factories import (
    accept_application,
    make_application,
    ready_for_visit,
)

JSON = {"Accept": "application/json"}


@pytest.fixture
def people(make_user, make_centre):
    centre = make_centre(name="Technologiezentrum Göttingen", tenant_count=61)
    other = make_centre(name="Gründerhaus Lüneburg")
    return {
        "centre": centre,
        "contact": make_user("contact", name="Jörg Weiß", email="joerg@tz-goettingen.de",
                             centre=centre),
        "stranger": make_user("contact", name="Änne Fremd", email="aenne@lueneburg.de",
                              centre=other),
        "lead": make_user("lead", name="Jürgen Müller-Strauß", email="juergen@zentren-test.de"),
        "lead_auditor": make_user("auditor", name="Katrin Weiß", email="katrin@zentren-test.de"),
        "auditor": make_user("auditor", name="Thomas Groß", email="thomas@zentren-test.de"),
        "outsider": make_user("auditor", name="Björn Außen", email="bjoern@zentren-test.de"),
    }


@pytest.fixture
def opened(people, catalog):
    audit = make_application(people["centre"], contact=people["contact"])
    return accept_application(audit, lead=people["lead"], lead_auditor=people["lead_auditor"],
                              auditors=[people["auditor"]])


def _version(client, audit, key) -> str:
    html = client.get(f"/applications/{audit.id}/questionnaire").get_data(as_text=True)
    form = html[html.index(f'/questionnaire/{key}"'):]
    return re.search(r'name="version" value="(\d+)"', form).group(1)


def test_a_contact_applies_and_the_lead_finds_it_on_the_dashboard(client, auth, people, catalog):
    auth.login("joerg@tz-goettingen.de")
    token = csrf_token(client, "/applications/new")
    response = client.post("/applications/new", data={
        "csrf_token": token, "kind": "initial", "preferred_from": "2027-04-12",
        "preferred_until": "2027-06-30", "message": "Wir bitten um das Erstaudit „AIZ“."})
    assert response.status_code == 302
    fresh()
    audit = db.session.scalar(sa.select(Audit).join(AuditApplication))
    assert audit.status is AuditStatus.APPLIED and audit.centre_id == people["centre"].id
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert audit.number in page
    auth.logout()
    auth.login("juergen@zentren-test.de")
    home = client.get("/").get_data(as_text=True)
    listed = home[home.index('data-testid="pending-applications"'):]
    assert audit.number in listed and "Technologiezentrum Göttingen" in listed


def test_a_period_in_the_past_is_refused_with_the_form_kept(client, auth, people, catalog):
    auth.login("joerg@tz-goettingen.de")
    token = csrf_token(client, "/applications/new")
    response = client.post("/applications/new", data={
        "csrf_token": token, "kind": "initial", "preferred_from": "2020-04-12",
        "preferred_until": "2020-06-30", "message": "Bitte um Prüfung"})
    assert response.status_code == 200
    assert "Bitte um Prüfung" in response.get_data(as_text=True)
    fresh()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditApplication)) == 0


def test_the_lead_declines_with_a_reason_the_centre_reads(client, auth, people, catalog):
    audit = make_application(people["centre"], contact=people["contact"])
    auth.login("juergen@zentren-test.de")
    token = csrf_token(client, f"/applications/{audit.id}")
    client.post(f"/applications/{audit.id}/decline",
                data={"csrf_token": token, "reason": "Die Auflagen von 2021 sind noch offen."})
    fresh()
    assert db.session.get(Audit, audit.id).status is AuditStatus.DECLINED
    auth.logout()
    auth.login("joerg@tz-goettingen.de")
    page = client.get(f"/applications/{audit.id}").get_data(as_text=True)
    assert "Die Auflagen von 2021 sind noch offen." in page


class TestQuestionnaire:
    def test_an_answer_saves_itself_and_a_bad_one_is_refused_next_to_the_field(
            self, client, auth, opened):
        auth.login("joerg@tz-goettingen.de")
        token = csrf_token(client, f"/applications/{opened.id}/questionnaire")
        version = _version(client, opened, "gruenderflaeche")
        url = f"/applications/{opened.id}/questionnaire/gruenderflaeche"
        saved = client.post(url, headers=JSON, data={"csrf_token": token, "value": "3.200",
                                                     "version": version})
        assert saved.status_code == 200 and saved.get_json()["status"] == "saved"
        refused = client.post(url, headers=JSON, data={"csrf_token": token, "value": "-5",
                                                       "version": saved.get_json()["version"]})
        assert refused.status_code == 422
        assert "zwischen 0 und 100000 m²" in refused.get_json()["errors"]["value"]
        # Without JavaScript: the page again, with what was typed and the message.
        page = client.post(f"/applications/{opened.id}/questionnaire/auslastung",
                           data={"csrf_token": token, "value": "120",
                                 "version": _version(client, opened, "auslastung")})
        html = page.get_data(as_text=True)
        assert page.status_code == 422 and 'value="120"' in html and "zwischen 0 und 100" in html
        conflict = client.post(url, headers=JSON, data={"csrf_token": token, "value": "3.300",
                                                        "version": version})
        assert conflict.status_code == 409 and conflict.get_json()["current"] == "3200"

    def test_submit_lists_the_missing_answers(self, client, auth, opened):
        auth.login("joerg@tz-goettingen.de")
        token = csrf_token(client, f"/applications/{opened.id}/questionnaire")
        response = client.post(f"/applications/{opened.id}/submit", data={"csrf_token": token},
                               follow_redirects=True)
        html = response.get_data(as_text=True)
        assert 'data-testid="missing-answers"' in html and "Gründerfläche" in html
        fresh()
        assert db.session.get(Audit, opened.id).status is AuditStatus.QUESTIONNAIRE_OPEN

    def test_after_submitting_nothing_can_be_changed(self, client, auth, opened, people):
        ready_for_visit(opened, people["contact"])
        auth.login("joerg@tz-goettingen.de")
        token = csrf_token(client, f"/applications/{opened.id}")
        response = client.post(f"/applications/{opened.id}/questionnaire/anzahl_mieter",
                               data={"csrf_token": token, "value": "99", "version": "2"})
        assert response.status_code == 403

    def test_post_without_csrf_token_is_refused(self, client, auth, opened):
        auth.login("joerg@tz-goettingen.de")
        response = client.post(f"/applications/{opened.id}/questionnaire/anzahl_mieter",
                               data={"value": "99", "version": "1"})
        assert response.status_code == 400


def test_other_centres_and_outsiders_get_404(client, auth, opened):
    for email in ("aenne@lueneburg.de", "bjoern@zentren-test.de"):
        auth.login(email)
        for path in ("", "/questionnaire", "/self-assessment", "/documents"):
            assert client.get(f"/applications/{opened.id}{path}").status_code == 404, (email,
                                                                                        path)
        auth.logout()


def test_checklist_and_review_show_the_centres_side(client, auth, opened, people, catalog):
    ready_for_visit(opened, people["contact"], self_scores={"A2": 3, "C4": 1})
    auditor = people["lead_auditor"]
    auth.login("katrin@zentren-test.de")
    html = client.get(f"/audits/{opened.id}/checklist").get_data(as_text=True)
    b1 = html[html.index('data-testid="prefill-B1"'):][:600]
    assert "Selbstauskunft vom" in b1 and "3.200" in b1
    assert 'data-testid="prefill-B7"' in html
    assert 'data-testid="self-A2"' in html
    assert 'data-testid="documents-A1"' in html or 'data-testid="documents-' in html
    # The auditor corrects B1: both values are shown.
    answers = full_answers(catalog, A2=1)
    answers["B1"] = svc.AnswerInput(value="2900")
    for code, answer in answers.items():
        data = answer if isinstance(answer, svc.AnswerInput) else (
            svc.AnswerInput(points=answer) if isinstance(answer, int)
            else svc.AnswerInput(value=answer))
        svc.save_assessment(opened, code, data,
                            expected_version=svc.get_assessment(opened, code).version,
                            actor=auditor)
    db.session.commit()
    html = client.get(f"/audits/{opened.id}/checklist").get_data(as_text=True)
    corrected = html[html.index('data-testid="prefill-corrected-B1"'):][:300]
    assert "2.900" in corrected
    assert 'data-testid="self-delta-A2"' in html
    # The lead's review: the prefill's source and the self-assessment with the difference.
    svc.transition(opened, Action.SUBMIT, auditor)
    svc.transition(opened, Action.BEGIN_REVIEW, people["lead"])
    db.session.commit()
    auth.logout()
    auth.login("juergen@zentren-test.de")
    html = client.get(f"/audits/{opened.id}/review").get_data(as_text=True)
    assert 'data-testid="review-prefill-B1"' in html and "korrigiert" in html
    a2 = html[html.index('data-testid="review-self-A2"'):][:300]
    assert "-2" in a2


def test_page_query_counts_do_not_grow_with_answers_files_and_scores(
        app, client, auth, people, make_user, make_centre, catalog):
    from tests.conftest import count_queries
    from tests.factories import answer_questionnaire

    empty = accept_application(make_application(people["centre"], contact=people["contact"]),
                               lead=people["lead"], lead_auditor=people["lead_auditor"],
                               auditors=[people["auditor"]])
    other = make_centre()
    contact = make_user("contact", email="kontakt@andere.de", centre=other)
    full = accept_application(make_application(other, contact=contact), lead=people["lead"],
                              lead_auditor=people["lead_auditor"], auditors=[people["auditor"]])
    answer_questionnaire(full, contact)
    from audit_app.services import centre_side

    sheet = centre_side.self_sheet(full)
    for code, answer in list(full_answers(catalog).items())[:12]:
        data = (centre_side.SelfInput(points=answer) if isinstance(answer, int)
                else centre_side.SelfInput(value=answer))
        centre_side.save_self_assessment(full, code, data,
                                         expected_version=sheet.items[code].row.version,
                                         actor=contact)
    db.session.commit()
    auth.login("katrin@zentren-test.de")
    counts = {}
    for audit in (empty, full):
        for path in (f"/applications/{audit.id}", f"/applications/{audit.id}/questionnaire",
                     f"/applications/{audit.id}/self-assessment",
                     f"/applications/{audit.id}/documents", f"/audits/{audit.id}/checklist"):
            client.get(path)  # warm the catalogue cache
            with count_queries(db.engine) as statements:
                assert client.get(path).status_code == 200, path
            counts[(path.replace(str(audit.id), "{id}"), audit.id)] = len(statements)
    for path in {p for p, _ in counts}:
        assert counts[(path, empty.id)] == counts[(path, full.id)] <= 16, (path, counts)


def test_the_applications_list_shows_each_user_what_they_may_see(
        client, auth, people, opened, make_centre, make_user):
    """Contacts see their own centre's applications, the team those of its audits, leads all;
    the list's queries do not grow with the number of applications."""
    from tests.conftest import count_queries

    others = make_centre(name="Gründerwerkstatt Würzburg-Süd")
    waiting = make_application(others, contact=make_user("contact", centre=others))
    expected = {"joerg@tz-goettingen.de": {opened.number},
                "aenne@lueneburg.de": set(),
                "katrin@zentren-test.de": {opened.number},
                "bjoern@zentren-test.de": set(),
                "juergen@zentren-test.de": {opened.number, waiting.number}}
    for email, numbers in expected.items():
        auth.login(email)
        html = client.get("/applications/").get_data(as_text=True)
        shown = set(re.findall(r"A-\d{4}-\d{4}", html))
        assert shown == numbers, (email, shown)
        if not numbers:
            assert "Noch kein Antrag." in html
        # the own centre's audit is under way: no second application from its contact
        if email == "joerg@tz-goettingen.de":
            assert 'data-testid="apply-link"' not in html
        if email in ("aenne@lueneburg.de", "juergen@zentren-test.de"):
            assert 'data-testid="apply-link"' in html
        auth.logout()
    auth.login("juergen@zentren-test.de")
    with count_queries(db.engine) as few:
        client.get("/applications/")
    for i in range(3):
        centre = make_centre(name=f"Zentrum Nürnberg {i}")
        make_application(centre, contact=make_user("contact", centre=centre))
    with count_queries(db.engine) as more:
        html = client.get("/applications/").get_data(as_text=True)
    assert len(more) == len(few)
    assert "Wunschzeitraum 13.04.2026 – 30.06.2026" in html and "beantragt am " in html
