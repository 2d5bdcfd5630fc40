"""audit_app.settings: every setting has a kind and a range, and bad values are refused."""
from __future__ import annotations

import pytest

from audit_app import config as defaults
from audit_app import settings
from audit_app.settings import BY_KEY, PRODUCTION_RULES, RELATIONS, SETTINGS, validate

DEFAULT_KEYS = {k for k in vars(defaults) if k.isupper()}


def default_config(**changes) -> dict:
    """The defaults as the factory completes them (folders and, in development, the key)."""
    config = {k: getattr(defaults, k) for k in DEFAULT_KEYS}
    config.update(CRITERIA_FOLDER="/srv/audit/criteria", FILES_FOLDER="/srv/audit/files",
                  SECRET_KEY="e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    config.update(changes)
    return config


def production(**changes) -> dict:
    return default_config(**{"ENV": "production", "BASE_URL": "https://zertifikate.example.org",
                             **changes})


def test_every_default_setting_is_in_the_schema_and_nothing_else():
    assert DEFAULT_KEYS == set(BY_KEY), "audit_app/config.py and audit_app/settings.py differ"
    assert len(BY_KEY) == len(SETTINGS)


def test_the_defaults_are_valid_in_development_and_almost_in_production():
    assert validate(default_config()) == []
    assert validate(production()) == []


@pytest.mark.parametrize("setting", SETTINGS, ids=lambda s: s.key)
def test_every_setting_refuses_its_bad_values_with_a_message_naming_it(setting):
    bad_values = setting.kind.bad_examples()
    assert bad_values, f"{setting.key}: no bad examples"
    for value in bad_values:
        problems = validate(default_config(**{setting.key: value}))
        assert any(p.startswith(f"{setting.key} = ") and "expected" in p for p in problems), (
            setting.key, value, problems)


@pytest.mark.parametrize("rule", RELATIONS + PRODUCTION_RULES,
                         ids=lambda r: "+".join(r.keys))
def test_every_rule_refuses_its_examples(rule):
    assert rule.examples_bad
    for example in rule.examples_bad:
        problems = validate(production(**example))
        assert any(rule.keys[0] in p for p in problems), (example, problems)


@pytest.mark.parametrize("key, value, fragment", [
    ("PAGE_SIZE", "abc", "PAGE_SIZE = 'abc': expected a whole number from 1 to 1000"),
    ("LOGIN_LOCK_MINUTES", "x", "LOGIN_LOCK_MINUTES = 'x': expected a whole number"),
    ("MAX_CONTENT_LENGTH", "20MB", "MAX_CONTENT_LENGTH = '20MB': expected a whole number"),
    ("LOGIN_MAX_FAILURES_ACCOUNT", 0, "LOGIN_MAX_FAILURES_ACCOUNT = 0: expected a whole number from 1"),
    ("PAGE_SIZE", True, "PAGE_SIZE = True"),
    ("LOG_REQUESTS", "True", "LOG_REQUESTS = 'True': expected true or false"),
    ("SESSION_COOKIE_SAMESITE", "None", "SESSION_COOKIE_SAMESITE = 'None'"),
])
def test_the_probes_values_are_refused(key, value, fragment):
    problems = validate(default_config(**{key: value}))
    assert any(fragment in p for p in problems), problems


@pytest.mark.parametrize("changes", [
    {"SECRET_KEY": "x"}, {"SECRET_KEY": "kurz-äöü-12345"}, {"SECRET_KEY": None},
    {"BASE_URL": "http://127.0.0.1:5000"}, {"BASE_URL": "https://localhost"},
    {"BASE_URL": "http://zertifikate.example.org"},
])
def test_production_refuses_a_weak_key_and_a_local_or_plain_base_url(changes):
    assert validate(production(**changes))
    # The same values are fine for development on one's own machine.
    development = {k: v for k, v in changes.items() if v is not None}
    assert validate(default_config(**development)) == []


def test_all_problems_are_reported_at_once_in_one_readable_message():
    problems = validate(production(PAGE_SIZE="abc", SECRET_KEY="x", MAIL_PORT=0))
    assert len(problems) == 3
    message = settings.describe(problems)
    assert message.startswith("The configuration is not valid, so the app does not start:")
    assert "  - PAGE_SIZE = 'abc'" in message and "AUDIT_APP_" in message


def test_an_unknown_key_is_left_to_flask_and_a_missing_one_is_named():
    assert validate(default_config(TESTING=True, SOMETHING_ELSE="x")) == []
    config = default_config()
    del config["PAGE_SIZE"]
    assert validate(config) == ["PAGE_SIZE is missing"]
