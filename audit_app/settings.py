"""Every setting of the app with its type and range, checked once when the app starts.

The defaults live in :mod:`audit_app.config`; this module says what each setting may be.
:func:`validate` checks a finished configuration (defaults → ``instance/config.py`` →
``AUDIT_APP_*`` environment variables → test dict) and returns one line per problem; the
factory refuses to start when there is any (:class:`audit_app.ConfigurationError`), so a
``PAGE_SIZE = "abc"`` stops the start instead of failing every list page later.

Three kinds of rules:

* :data:`SETTINGS`: per key, its kind (whole number in a range, yes/no, one of some
  values, text, URL, ...). Types are strict: ``"25"`` is not a number here (environment
  variables are parsed as JSON, so ``AUDIT_APP_PAGE_SIZE=25`` arrives as 25), and
  ``True`` is not a number;
* :data:`RELATIONS`: rules between settings (the account-wide sign-in ceiling above the
  per-address limit, the request size above the evidence size, ...);
* :data:`PRODUCTION_RULES`, only with ``ENV = "production"``: a strong ``SECRET_KEY``,
  an https ``BASE_URL`` that is not this machine, a password hash that is not cheap.

Pure standard library (no Flask): tests walk :data:`SETTINGS` without an app.
"""
from __future__ import annotations

import datetime as _dt
import ipaddress
import re
from collections.abc import Callable, Mapping
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

#: A production SECRET_KEY has at least this many characters ...
MIN_SECRET_KEY_LENGTH = 32
#: ... and at least this many different ones (refuses "x" * 40 or "changeme" * 4).
MIN_SECRET_KEY_DISTINCT = 10
#: PBKDF2 iterations a production password hash needs at least (OWASP 2023: 600,000).
MIN_PBKDF2_ITERATIONS = 600_000


# --- kinds ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Kind(ABC):
    """What a setting's value may be. ``check`` returns None or what was expected."""

    @abstractmethod
    def check(self, value) -> str | None:
        """None when ``value`` is acceptable, else what was expected."""

    def bad_examples(self) -> list:
        """Values this kind refuses (tests walk them for every setting)."""
        return []


@dataclass(frozen=True)
class Int(Kind):
    low: int
    high: int
    optional: bool = False

    def check(self, value):
        if value is None and self.optional:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not (
                self.low <= value <= self.high):
            expected = f"a whole number from {self.low} to {self.high}"
            return expected + (" or None" if self.optional else "")
        return None

    def bad_examples(self):
        return ["abc", "20MB", str(self.low), True, 1.5, self.low - 1, self.high + 1] + (
            [] if self.optional else [None])


@dataclass(frozen=True)
class Bool(Kind):
    def check(self, value):
        return None if isinstance(value, bool) else "true or false"

    def bad_examples(self):
        return ["yes", "True", 1, None]


@dataclass(frozen=True)
class Choice(Kind):
    values: tuple

    def check(self, value):
        if value in self.values and type(value) is type(self.values[0]):
            return None
        return "one of " + ", ".join(repr(v) for v in self.values)

    def bad_examples(self):
        return ["nonsense", None, 0]


@dataclass(frozen=True)
class Text(Kind):
    min_length: int = 1
    max_length: int = 1000
    optional: bool = False
    pattern: str | None = None
    meaning: str = "text"

    def check(self, value):
        if value is None and self.optional:
            return None
        if (not isinstance(value, str) or not self.min_length <= len(value) <= self.max_length
                or (self.pattern and not re.fullmatch(self.pattern, value))):
            what = f"{self.meaning} of {self.min_length} to {self.max_length} characters"
            return what + (" or None" if self.optional else "")
        return None

    def bad_examples(self):
        bad = [42, "x" * (self.max_length + 1)] + ([] if self.optional else [None])
        if self.min_length > 0:
            bad.append("")
        return bad


@dataclass(frozen=True)
class Url(Kind):
    def check(self, value):
        if not isinstance(value, str):
            return "an http(s) URL such as https://zertifikate.example.org"
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.query \
                or parts.fragment or value.endswith("/"):
            return "an http(s) URL without a trailing slash, such as https://zertifikate.example.org"
        return None

    def bad_examples(self):
        return ["zertifikate.example.org", "ftp://example.org", "https://example.org/", None, 1]


@dataclass(frozen=True)
class DatabaseUri(Kind):
    def check(self, value):
        if isinstance(value, str) and re.match(r"^(sqlite|postgresql(\+psycopg)?)://", value):
            return None
        return "a sqlite:/// or postgresql+psycopg:// URL"

    def bad_examples(self):
        return ["mysql://localhost/audit", "", None]


@dataclass(frozen=True)
class TimeZone(Kind):
    def check(self, value):
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, TypeError, ValueError):
            return "a time zone name such as 'Europe/Berlin'"
        return None

    def bad_examples(self):
        return ["Mitteleuropa", None]


@dataclass(frozen=True)
class Languages(Kind):
    def check(self, value):
        if isinstance(value, list | tuple) and value and all(v in ("de", "en") for v in value) \
                and len(set(value)) == len(value):
            return None
        return "a list of 'de' and/or 'en'"

    def bad_examples(self):
        return ["de", [], ["de", "fr"], None]


@dataclass(frozen=True)
class Mapping_(Kind):
    def check(self, value):
        return None if isinstance(value, dict) else "a dict"

    def bad_examples(self):
        return ["{}", None]


@dataclass(frozen=True)
class PasswordHash(Kind):
    def check(self, value):
        if isinstance(value, str) and re.fullmatch(r"scrypt(:\d+:\d+:\d+)?|pbkdf2(:sha256|:sha512)(:\d+)?", value):
            return None
        return "a Werkzeug method such as 'scrypt' or 'pbkdf2:sha256:600000'"

    def bad_examples(self):
        return ["md5", "", None]


@dataclass(frozen=True)
class Instance(Kind):
    """None or a value the factory or a test puts in (a callable, a date)."""

    accepts: Callable[[object], bool]
    meaning: str

    def check(self, value):
        return None if value is None or self.accepts(value) else self.meaning + " or None"

    def bad_examples(self):
        return ["abc", 42]


# --- the settings --------------------------------------------------------------------------


@dataclass(frozen=True)
class Setting:
    key: str
    kind: Kind
    meaning: str


_NAME = Text(max_length=300)

SETTINGS: tuple[Setting, ...] = (
    Setting("ENV", Choice(("development", "production")), "the kind of installation"),
    Setting("SECRET_KEY", Text(optional=True, max_length=4096), "signs sessions and CSRF tokens"),
    Setting("SQLALCHEMY_DATABASE_URI", DatabaseUri(), "the database"),
    Setting("SQLALCHEMY_ENGINE_OPTIONS", Mapping_(), "extra SQLAlchemy engine options"),
    Setting("SQLITE_BUSY_TIMEOUT_MS", Int(0, 600_000), "milliseconds SQLite waits for a lock"),
    Setting("BABEL_DEFAULT_LOCALE", Choice(("de", "en")), "language for visitors without a choice"),
    Setting("BABEL_DEFAULT_TIMEZONE", TimeZone(), "time zone for dates shown"),
    Setting("LANGUAGES", Languages(), "the interface languages"),
    Setting("CRITERIA_FOLDER", Text(optional=True, max_length=4096, meaning="a folder"),
            "catalogue files for `init`"),
    Setting("FILES_FOLDER", Text(optional=True, max_length=4096, meaning="a folder"),
            "evidence files and stored PDFs"),
    Setting("BASE_URL", Url(), "public address in certificates and e-mails"),
    Setting("EVIDENCE_MAX_BYTES", Int(1024, 1024**3), "largest evidence file in bytes"),
    Setting("OFFLINE_MAX_BYTES", Int(1024 * 1024, 1024**3),
            "files an auditor may keep offline in the browser, all together, in bytes"),
    Setting("MAX_CONTENT_LENGTH", Int(1024, 2 * 1024**3), "largest request body in bytes"),
    Setting("PAGE_SIZE", Int(1, 1000), "rows per page in lists"),
    Setting("PREFERRED_URL_SCHEME", Choice(("http", "https")), "the scheme of external URLs"),
    Setting("STORAGE_BACKEND", Choice(("folder", "database")),
            "where new files go: the files folder or the database (several app servers)"),
    Setting("SESSION_COOKIE_HTTPONLY", Bool(), "session cookie hidden from scripts"),
    Setting("SESSION_COOKIE_SAMESITE", Choice(("Lax", "Strict")), "session cookie SameSite"),
    Setting("SESSION_COOKIE_SECURE", Bool(), "session cookie only over HTTPS"),
    Setting("REMEMBER_COOKIE_HTTPONLY", Bool(), "remember-me cookie hidden from scripts"),
    Setting("REMEMBER_COOKIE_SAMESITE", Choice(("Lax", "Strict")), "remember-me cookie SameSite"),
    Setting("REMEMBER_COOKIE_SECURE", Bool(), "remember-me cookie only over HTTPS"),
    Setting("SESSION_LIFETIME_HOURS", Int(1, 24 * 30), "hours a sign-in lasts without remember-me"),
    Setting("REMEMBER_DAYS", Int(1, 365), "days 'stay signed in' lasts"),
    Setting("WTF_CSRF_TIME_LIMIT", Int(60, 10**7, optional=True), "seconds a form's token lives"),
    Setting("ASSOCIATION_NAME", _NAME, "the association's name"),
    Setting("ASSOCIATION_SHORT_NAME", Text(max_length=40), "the association's short name"),
    Setting("PASSWORD_HASH_METHOD", PasswordHash(), "how passwords are hashed"),
    Setting("LOGIN_MAX_FAILURES_ACCOUNT", Int(1, 100),
            "failed sign-ins for one account from one address before that pair is locked"),
    Setting("LOGIN_MAX_FAILURES_ADDRESS", Int(1, 1_000_000),
            "failed sign-ins from one address before the address is locked"),
    Setting("LOGIN_LOCK_MINUTES", Int(1, 24 * 60), "counting window and length of a lock"),
    Setting("LOGIN_SLOW_FAILURES_ACCOUNT", Int(2, 1_000_000),
            "failed sign-ins for one account (any address) before it is slowed down"),
    Setting("LOGIN_SLOW_SECONDS", Int(1, 3600),
            "seconds between attempts for a slowed-down account"),
    Setting("CERTIFICATE_DIRECTOR_NAME", _NAME, "who signs certificates"),
    Setting("CERTIFICATE_PLACE", Text(max_length=100), "place printed on certificates"),
    Setting("PDF_RENDERER", Instance(callable, "a callable taking HTML and returning PDF bytes"),
            "the PDF renderer (None: WeasyPrint)"),
    Setting("VERIFY_TODAY", Instance(lambda v: isinstance(v, _dt.date), "a date"),
            "tests only: a fixed today"),
    Setting("CONDITION_GRACE_DAYS", Int(0, 365),
            "days a condition may be overdue before its certificate is suspended"),
    Setting("MAIL_SERVER", Text(optional=True, max_length=255, meaning="a host name"),
            "SMTP server (None: no mail)"),
    Setting("MAIL_PORT", Int(1, 65535), "SMTP port"),
    Setting("MAIL_USE_TLS", Bool(), "STARTTLS for SMTP"),
    Setting("MAIL_USERNAME", Text(optional=True, max_length=255), "SMTP user"),
    Setting("MAIL_PASSWORD", Text(optional=True, max_length=1000), "SMTP password"),
    Setting("MAIL_SENDER", Text(max_length=254, pattern=r"[^@\s]+@[^@\s]+", meaning="an e-mail address"),
            "sender of reminders"),
    Setting("LOG_LEVEL", Choice(("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")), "log level"),
    Setting("LOG_FORMAT", Choice(("json", "keyvalue")), "log line format"),
    Setting("LOG_REQUESTS", Bool(), "one log line per request"),
    Setting("TRUST_REQUEST_ID_HEADER", Bool(), "take X-Request-ID from the proxy"),
    *(Setting(f"PROXY_FIX_X_{name}", Int(0, 10), f"proxies setting X-Forwarded-{name.title()}")
      for name in ("FOR", "PROTO", "HOST", "PORT", "PREFIX")),
)

BY_KEY: dict[str, Setting] = {s.key: s for s in SETTINGS}


# --- rules between settings and for production ------------------------------------------------


@dataclass(frozen=True)
class Rule:
    keys: tuple[str, ...]
    problem: Callable[[Mapping], str | None]
    examples_bad: tuple[dict, ...] = field(default=())


def _ceiling_above_limit(c):
    if c["LOGIN_SLOW_FAILURES_ACCOUNT"] <= c["LOGIN_MAX_FAILURES_ACCOUNT"]:
        return ("LOGIN_SLOW_FAILURES_ACCOUNT must be higher than LOGIN_MAX_FAILURES_ACCOUNT "
                "(the account-wide ceiling slows down after the per-address lock)")
    return None


def _request_above_file(c):
    if c["MAX_CONTENT_LENGTH"] <= c["EVIDENCE_MAX_BYTES"]:
        return ("MAX_CONTENT_LENGTH must be larger than EVIDENCE_MAX_BYTES (a request carries "
                "the file plus its form)")
    return None


def _default_locale_offered(c):
    if c["BABEL_DEFAULT_LOCALE"] not in c["LANGUAGES"]:
        return "BABEL_DEFAULT_LOCALE must be one of LANGUAGES"
    return None


RELATIONS: tuple[Rule, ...] = (
    Rule(("LOGIN_SLOW_FAILURES_ACCOUNT", "LOGIN_MAX_FAILURES_ACCOUNT"), _ceiling_above_limit,
         ({"LOGIN_SLOW_FAILURES_ACCOUNT": 5, "LOGIN_MAX_FAILURES_ACCOUNT": 5},)),
    Rule(("MAX_CONTENT_LENGTH", "EVIDENCE_MAX_BYTES"), _request_above_file,
         ({"MAX_CONTENT_LENGTH": 20 * 1024**2, "EVIDENCE_MAX_BYTES": 20 * 1024**2},)),
    Rule(("BABEL_DEFAULT_LOCALE", "LANGUAGES"), _default_locale_offered,
         ({"BABEL_DEFAULT_LOCALE": "en", "LANGUAGES": ["de"]},)),
)


def _strong_secret(c):
    key = c.get("SECRET_KEY")
    if not key:
        return ("SECRET_KEY is required in production: set AUDIT_APP_SECRET_KEY (a long random "
                "string, e.g. `python -c 'import secrets; print(secrets.token_hex(32))'`) or "
                "SECRET_KEY in instance/config.py")
    if len(key) < MIN_SECRET_KEY_LENGTH or len(set(key)) < MIN_SECRET_KEY_DISTINCT:
        return (f"SECRET_KEY is too weak for production: at least {MIN_SECRET_KEY_LENGTH} "
                f"characters with at least {MIN_SECRET_KEY_DISTINCT} different ones (e.g. "
                "`python -c 'import secrets; print(secrets.token_hex(32))'`)")
    return None


def _public_base_url(c):
    parts = urlsplit(c["BASE_URL"])
    host = (parts.hostname or "").lower()
    try:
        local = ipaddress.ip_address(host).is_loopback or ipaddress.ip_address(host).is_unspecified
    except ValueError:
        local = host == "localhost" or host.endswith(".localhost")
    if parts.scheme != "https" or local:
        return (f"BASE_URL {c['BASE_URL']!r} cannot be used in production: it is printed and put "
                "into the QR code of every certificate, so it must be the public https address "
                "(e.g. https://zertifikate.example.org), not http and not this machine")
    return None


def _real_password_hash(c):
    method = c["PASSWORD_HASH_METHOD"]
    match = re.fullmatch(r"pbkdf2:sha(?:256|512)(?::(\d+))?", method)
    if match and match.group(1) and int(match.group(1)) < MIN_PBKDF2_ITERATIONS:
        return (f"PASSWORD_HASH_METHOD {method!r} is too cheap for production: use 'scrypt' or "
                f"pbkdf2 with at least {MIN_PBKDF2_ITERATIONS:_} iterations")
    return None


PRODUCTION_RULES: tuple[Rule, ...] = (
    Rule(("SECRET_KEY",), _strong_secret,
         ({"SECRET_KEY": None}, {"SECRET_KEY": "x"}, {"SECRET_KEY": "x" * 40},
          {"SECRET_KEY": "0123456789abcdef" + "0" * 15})),
    Rule(("BASE_URL",), _public_base_url,
         ({"BASE_URL": "http://127.0.0.1:5000"}, {"BASE_URL": "http://zertifikate.example.org"},
          {"BASE_URL": "https://localhost:8443"}, {"BASE_URL": "https://127.0.0.1"},
          {"BASE_URL": "https://[::1]:8000"}, {"BASE_URL": "https://app.localhost"})),
    Rule(("PASSWORD_HASH_METHOD",), _real_password_hash,
         ({"PASSWORD_HASH_METHOD": "pbkdf2:sha256:1"},)),
)


# --- checking ---------------------------------------------------------------------------------


def validate(config: Mapping) -> list[str]:
    """Every problem of ``config`` as one line each (empty: fine).

    Keys this module does not know (Flask's and extensions' own) are left alone. Relations
    and production rules are checked only when the settings they read are fine themselves.
    """
    problems = []
    bad_keys = set()
    for setting in SETTINGS:
        if setting.key not in config:
            problems.append(f"{setting.key} is missing")
            bad_keys.add(setting.key)
            continue
        value = config[setting.key]
        expected = setting.kind.check(value)
        if expected is not None:
            shown = repr(value)
            if len(shown) > 60:
                shown = shown[:57] + "..."
            problems.append(f"{setting.key} = {shown}: expected {expected} ({setting.meaning})")
            bad_keys.add(setting.key)
    rules = RELATIONS + (PRODUCTION_RULES if config.get("ENV") == "production" else ())
    for rule in rules:
        if bad_keys.isdisjoint(rule.keys) and (problem := rule.problem(config)):
            problems.append(problem)
    return problems


def describe(problems: list[str]) -> str:
    """The message the app refuses to start with."""
    lines = "\n".join(f"  - {p}" for p in problems)
    return ("The configuration is not valid, so the app does not start:\n" + lines + "\n"
            "Set these in instance/config.py or as AUDIT_APP_<KEY> environment variables "
            "(values are read as JSON: AUDIT_APP_PAGE_SIZE=25, AUDIT_APP_LOG_REQUESTS=true).")
