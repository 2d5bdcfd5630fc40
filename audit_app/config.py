"""Configuration defaults. No secrets here: they come from the instance folder or the environment.

Layers, later wins: these defaults → ``instance/config.py`` → environment variables
``AUDIT_APP_<KEY>`` (values parsed as JSON where they can be) → the test dict.
"""

#: "development" or "production". Production refuses to start without a strong SECRET_KEY
#: and an https BASE_URL (every setting is checked at start-up: audit_app/settings.py).
ENV = "development"
SECRET_KEY = None

#: A relative SQLite path is resolved inside the instance folder.
SQLALCHEMY_DATABASE_URI = "sqlite:///audit.db"
SQLALCHEMY_ENGINE_OPTIONS: dict = {}
#: Milliseconds a SQLite connection waits for a lock before it gives up.
SQLITE_BUSY_TIMEOUT_MS = 15000

BABEL_DEFAULT_LOCALE = "de"
BABEL_DEFAULT_TIMEZONE = "Europe/Berlin"
LANGUAGES = ("de", "en")

#: Folder with the catalogue files that ``flask init`` imports.
CRITERIA_FOLDER = None  # default: <project>/criteria, set by the factory

#: Where evidence files and stored PDFs live (default: <instance>/files).
FILES_FOLDER = None
#: Where new files are stored: "folder" (under FILES_FOLDER, for one server) or "database"
#: (the bytes in the database, in 1 MiB chunks: for several app servers on one PostgreSQL).
#: Existing files stay readable after a change; `flask storage migrate --to ...` moves them.
STORAGE_BACKEND = "folder"

#: Public base URL used in certificates' QR codes and e-mails.
BASE_URL = "http://127.0.0.1:5000"

#: Largest evidence file in bytes.
EVIDENCE_MAX_BYTES = 20 * 1024 * 1024
#: Files an auditor may keep offline in the browser (the checklist's outbox), in bytes, all
#: together; one file may be as large as EVIDENCE_MAX_BYTES.
OFFLINE_MAX_BYTES = 100 * 1024 * 1024
#: Largest request body in bytes: an evidence file plus the form around it.
MAX_CONTENT_LENGTH = 21 * 1024 * 1024

#: Rows per page in lists.
PAGE_SIZE = 50

#: Cookies: HttpOnly and SameSite=Lax always. Behind HTTPS set ``PREFERRED_URL_SCHEME =
#: "https"`` (or ``SESSION_COOKIE_SECURE = True``): the factory then marks the session and
#: the remember-me cookie ``Secure``, so a browser never sends them over plain HTTP.
PREFERRED_URL_SCHEME = "http"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = False
REMEMBER_COOKIE_HTTPONLY = True
REMEMBER_COOKIE_SAMESITE = "Lax"
REMEMBER_COOKIE_SECURE = False
WTF_CSRF_TIME_LIMIT = None  # a site visit can take all day; the token lives as long as the session

#: The association that awards the label (shown in the header, certificates and e-mails).
ASSOCIATION_NAME = "Bundesverband Deutscher Innovations-, Technologie- und Gründerzentren e.V."
ASSOCIATION_SHORT_NAME = "BVIZ"

#: How passwords are hashed (a Werkzeug method string). scrypt in every real installation;
#: the test configuration uses a cheap PBKDF2 so that thousands of test users cost nothing.
PASSWORD_HASH_METHOD = "scrypt"

#: Sign-in throttle (audit_app/services/throttle.py), all counted within LOGIN_LOCK_MINUTES:
#: this many failed sign-ins (or current-password checks) for one e-mail address (known or
#: not) from one client address lock that pair, and this many from one client address lock
#: the address, for LOGIN_LOCK_MINUTES. LOGIN_SLOW_FAILURES_ACCOUNT failures for one e-mail
#: from any addresses slow that account down: an address that already failed for it must
#: then wait LOGIN_SLOW_SECONDS after the account's latest failure (nobody is locked out).
LOGIN_MAX_FAILURES_ACCOUNT = 5
LOGIN_MAX_FAILURES_ADDRESS = 20
LOGIN_LOCK_MINUTES = 15
LOGIN_SLOW_FAILURES_ACCOUNT = 25
LOGIN_SLOW_SECONDS = 10

#: Server-side sessions (audit_app/services/sessions.py): a sign-in lasts this many hours;
#: with "stay signed in" a rotating remember-me token renews it for REMEMBER_DAYS from the
#: sign-in. Both end at sign-out, password change or reset and deactivation.
SESSION_LIFETIME_HOURS = 24
REMEMBER_DAYS = 30

#: Certificates: the association's managing director who signs them, and the place printed
#: beside the date.
CERTIFICATE_DIRECTOR_NAME = "Dr. Hannelore Weißgerber"
CERTIFICATE_PLACE = "Berlin"
#: The PDF renderer: None for WeasyPrint (audit_app.pdf.render.weasyprint_pdf), or a callable
#: taking an HTML string and returning PDF bytes. Tests inject a recording fake here.
PDF_RENDERER = None
#: Tests only: a fixed "today" (a ``datetime.date``) for the public verification pages.
VERIFY_TODAY = None

#: Conditions (Auflagen): days a condition may be overdue before the daily command
#: (`flask --app audit_app conditions`) suspends its certificate; 0 suspends on the first
#: day after the deadline.
CONDITION_GRACE_DAYS = 14

#: Outgoing mail for renewal reminders (`flask --app audit_app reminders`); no server, no mail.
MAIL_SERVER = None
MAIL_PORT = 25
MAIL_USE_TLS = False
MAIL_USERNAME = None
MAIL_PASSWORD = None
MAIL_SENDER = "geschaeftsstelle@example.org"

#: Logging (audit_app/logging_setup.py): one line per record on stderr, "json" or
#: "keyvalue", each with the request id. Per-request lines from the app itself only with
#: LOG_REQUESTS (gunicorn's access log, see gunicorn.conf.py, usually covers them).
LOG_LEVEL = "INFO"
LOG_FORMAT = "json"
LOG_REQUESTS = False
#: Take the request id from the client's ``X-Request-ID`` header (only behind a proxy that
#: sets or cleans it); otherwise a fresh id is generated. Either way it is echoed back.
TRUST_REQUEST_ID_HEADER = False

#: Behind a reverse proxy: how many proxies set each X-Forwarded-* header (0 = ignore the
#: header). Typical nginx in front: PROXY_FIX_X_FOR = 1, PROXY_FIX_X_PROTO = 1.
PROXY_FIX_X_FOR = 0
PROXY_FIX_X_PROTO = 0
PROXY_FIX_X_HOST = 0
PROXY_FIX_X_PORT = 0
PROXY_FIX_X_PREFIX = 0
