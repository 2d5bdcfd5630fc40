"""The migrations build the schema from nothing, on SQLite and PostgreSQL, and match the models."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from audit_app.extensions import db
from audit_app.models import Base


def _drift(connection) -> list:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return compare_metadata(context, Base.metadata)


def test_upgrade_from_nothing_matches_the_models(app, backend):
    # Both backends' test schemas are built from nothing by the migrations (conftest).
    with app.app_context(), db.engine.connect() as conn:
        diff = _drift(conn)
        tables = set(sa.inspect(conn).get_table_names())
    assert diff == [], f"models and migrations differ: {diff}"
    assert {"users", "centres", "catalogs", "catalog_criteria", "audits", "assessments",
            "evidence", "certificates", "events"} <= tables


# Dropping the shared PostgreSQL session schema would disturb other tests; upgrade() on
# PostgreSQL is proven by the session schema and the drift test above.
@pytest.mark.parametrize("backend", ["sqlite"])
def test_downgrade_removes_everything_and_upgrade_restores_it(app, backend):
    with app.app_context():
        directory = app.extensions["migrate"].directory
        downgrade(directory=directory, revision="base")
        with db.engine.connect() as conn:
            left = set(sa.inspect(conn).get_table_names()) - {"alembic_version"}
        assert left == set()
        upgrade(directory=directory)
        with db.engine.connect() as conn:
            assert _drift(conn) == []
