#!/usr/bin/env bash
# Restore a backup made by deploy/backup.sh: deploy/restore.sh DATABASE_URL FILE
# Replaces what the database holds, then gives every event a new epoch: readers whose pages
# were built on the lost history reload instead of applying seqs that now mean other changes.
set -euo pipefail
url=${1:?usage: deploy/restore.sh DATABASE_URL FILE}
file=${2:?usage: deploy/restore.sh DATABASE_URL FILE}
cd "$(dirname "$0")/.."
python=${PYTHON:-.venv/bin/python}
pg_restore --clean --if-exists --no-owner --single-transaction --dbname="$url" "$file"
DATABASE_URL="$url" "$python" manage.py new_epoch
echo "restored $file; every event has a new epoch"
