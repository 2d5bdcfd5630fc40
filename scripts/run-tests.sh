#!/usr/bin/env bash
# Runs the test suite. PostgreSQL: the tests start a throwaway cluster themselves
# (tests/pg_cluster.py); set AUDIT_APP_TEST_POSTGRES_URL to use an existing server.
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p test-artifacts
.venv/bin/python -m pytest "$@"
rc=$?
if [ "$rc" -eq 5 ]; then
  echo "pytest collected no tests: treating as a failure" >&2
  exit 1
fi
exit "$rc"
