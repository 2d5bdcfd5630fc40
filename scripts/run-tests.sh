#!/usr/bin/env bash
# Runs the test suite in parallel (pytest-xdist, one worker per core) and prints the wall time.
# PostgreSQL: the tests start one throwaway cluster themselves (tests/pg_cluster.py) and give
# every worker a database of its own; set AUDIT_APP_TEST_POSTGRES_URL to use an existing
# server (its role needs CREATEDB). Browser, load, fault and fuzz tests form one serial group.
# Extra arguments go to pytest (e.g. `-k scoring -x`, or `-n 0` to run in one process).
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p test-artifacts
start=$(date +%s)
.venv/bin/python -m pytest -n auto --dist loadgroup "$@"
rc=$?
elapsed=$(( $(date +%s) - start ))
printf 'Test suite wall time: %dm%02ds (pytest exit code %d)\n' $((elapsed / 60)) $((elapsed % 60)) "$rc"
if [ "$rc" -eq 5 ]; then
  echo "pytest collected no tests: treating as a failure" >&2
  exit 1
fi
exit "$rc"
