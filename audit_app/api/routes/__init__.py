"""API endpoints, one module per resource: load or 404 → check permission (permissions.py)
→ validate → one service → commit → a response model (api/responses.py).

Endpoint names stay ``api.<function name>`` whatever module a view lives in, so the route ×
role matrices (tests/api/test_matrix.py) and ``url_for`` are unaffected by where it is.
The shapes are described in :mod:`audit_app.api.openapi`.
"""
from . import applications, audits, centres, certificates, conditions, people, public  # noqa: F401
