#!/usr/bin/env bash
# Back up Liveblog: deploy/backup.sh DATABASE_URL FILE
# The PostgreSQL database as a custom-format dump (consistent: one snapshot), restorable with
# deploy/restore.sh; with photos on the filesystem (MEDIA_STORAGE unset or filesystem), MEDIA_ROOT
# as FILE.media.tar beside it. The photos come second: a photo's files are written before the
# row that names them, so every photo the dump knows is in the archive. A bucket
# (MEDIA_STORAGE=s3) is backed up by the object store's own means (docs/deploy.md).
set -euo pipefail
url=${1:?usage: deploy/backup.sh DATABASE_URL FILE}
file=${2:?usage: deploy/backup.sh DATABASE_URL FILE}
pg_dump --format=custom --no-owner --file="$file" "$url"
echo "backed up to $file ($(du -h "$file" | cut -f1))"
if [ "${MEDIA_STORAGE:-filesystem}" = filesystem ]; then
    media=${MEDIA_ROOT:-$(cd "$(dirname "$0")/.." && pwd)/media}
    if [ -d "$media" ]; then
        tar --create --file="$file.media.tar" --directory="$media" .
        echo "photos in $media backed up to $file.media.tar ($(du -h "$file.media.tar" | cut -f1))"
    else
        echo "no photos to back up: $media does not exist"
    fi
fi
