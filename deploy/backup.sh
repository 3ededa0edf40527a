#!/usr/bin/env bash
# Back up Liveblog's PostgreSQL database: deploy/backup.sh DATABASE_URL FILE
# A custom-format dump, consistent (one snapshot), restorable with deploy/restore.sh.
set -euo pipefail
url=${1:?usage: deploy/backup.sh DATABASE_URL FILE}
file=${2:?usage: deploy/backup.sh DATABASE_URL FILE}
pg_dump --format=custom --no-owner --file="$file" "$url"
echo "backed up to $file ($(du -h "$file" | cut -f1))"
