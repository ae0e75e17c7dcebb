#!/usr/bin/env bash
# The project's test command: set up a fresh machine, run the test suite, build the docs strictly.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
export TF_CPP_MIN_LOG_LEVEL=2 NO_MKDOCS_2_WARNING=1
python -m pytest -q
mkdocs build --strict --site-dir "$(mktemp -d)"
