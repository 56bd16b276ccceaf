#!/usr/bin/env bash
# Back up the product: the PostgreSQL database (pg_dump, custom format) and the media folder
# (uploaded evidence), into one new directory, with checksums and the list of declarations
# as the dump holds them (the restore drill compares against it).
#
#   scripts/backup.sh [DEST_DIR]        DATABASE_URL and MEDIA_ROOT from the environment
#
# The dump and the list are read in one snapshot of the database, so they agree even while
# people keep working. Run it from cron or a systemd timer (docs/deploy.md).
set -euo pipefail
cd "$(dirname "$0")/.."
: "${DATABASE_URL:?DATABASE_URL 未设置：备份哪个数据库？}"
dest="${1:-var/backups/$(date -u +%Y%m%dT%H%M%SZ)}"
media="${MEDIA_ROOT:-var/media}"
mkdir -p "$dest"

# One REPEATABLE READ transaction exports its snapshot; pg_dump and the list both read it.
coproc PSQL { psql -X -q -A -t -v ON_ERROR_STOP=1 "$DATABASE_URL"; }
echo "BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT pg_export_snapshot();" >&"${PSQL[1]}"
read -r snapshot <&"${PSQL[0]}"
pg_dump --format=custom --no-owner --no-privileges --snapshot="$snapshot" --file="$dest/database.dump" "$DATABASE_URL"
psql -X -q -A -t -v ON_ERROR_STOP=1 "$DATABASE_URL" \
  -c "BEGIN ISOLATION LEVEL REPEATABLE READ" -c "SET TRANSACTION SNAPSHOT '$snapshot'" \
  -c "\\copy (SELECT id, programme_id, unit_id, state, audit_seq, audit_head FROM workflow_declaration ORDER BY id) TO '$dest/declarations.tsv'" \
  -c "COMMIT"
echo "COMMIT;" >&"${PSQL[1]}"
exec {PSQL[1]}>&-
wait "$PSQL_PID" 2>/dev/null || true

# Uploaded evidence: never in the database, so part of every backup.
if [ -d "$media" ]; then
  tar -C "$media" -czf "$dest/media.tar.gz" .
else
  tar -czf "$dest/media.tar.gz" --files-from /dev/null
fi

(cd "$dest" && sha256sum database.dump declarations.tsv media.tar.gz > SHA256SUMS)
echo "备份完成：$dest（$(wc -l < "$dest/declarations.tsv") 份申报）"
