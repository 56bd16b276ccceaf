#!/usr/bin/env bash
# Restore drill: restore a backup (scripts/backup.sh) into an empty scratch database and media
# folder, then prove it is whole: the checksums match, every migration is there, the audit
# trail verifies (verify_audit: every hash chain and checkpoint), and the declarations are
# exactly the ones the backup listed.
#
#   scripts/restore-drill.sh BACKUP_DIR
#
# DRILL_DATABASE_URL: the scratch database, DROPPED and re-created (default: DATABASE_URL's
# name + _drill; never the production database itself). DRILL_MEDIA_ROOT: where the media
# folder is unpacked (default var/restore-drill/media). Exit status 0 only if all holds.
set -euo pipefail
cd "$(dirname "$0")/.."
backup="${1:?用法：scripts/restore-drill.sh 备份目录}"
: "${DATABASE_URL:?DATABASE_URL 未设置}"
drill_url="${DRILL_DATABASE_URL:-${DATABASE_URL}_drill}"
drill_media="${DRILL_MEDIA_ROOT:-var/restore-drill/media}"
python="${PYTHON:-.venv/bin/python}"
if [ "$drill_url" = "$DATABASE_URL" ]; then echo "演练数据库不能是生产数据库本身：$drill_url" >&2; exit 2; fi

echo "1/5 校验备份文件"
(cd "$backup" && sha256sum --quiet --check SHA256SUMS)

echo "2/5 恢复到空数据库 ${drill_url##*/}"
drill_name="${drill_url##*/}"
maintenance="${drill_url%/*}/postgres"
PGOPTIONS="--client-min-messages=warning" psql -X -q -v ON_ERROR_STOP=1 "$maintenance" \
  -c "DROP DATABASE IF EXISTS \"$drill_name\" WITH (FORCE)" -c "CREATE DATABASE \"$drill_name\""
pg_restore --no-owner --no-privileges --exit-on-error --dbname="$drill_url" "$backup/database.dump"
rm -rf "$drill_media" && mkdir -p "$drill_media"
tar -C "$drill_media" -xzf "$backup/media.tar.gz"

echo "3/5 迁移齐全"
DATABASE_URL="$drill_url" MEDIA_ROOT="$drill_media" "$python" manage.py migrate --check --noinput -v 0

echo "4/5 审计链校验（verify_audit）"
DATABASE_URL="$drill_url" MEDIA_ROOT="$drill_media" "$python" manage.py verify_audit

echo "5/5 申报与备份时一致"
restored="$(mktemp)"
trap 'rm -f "$restored"' EXIT
psql -X -q -A -t -v ON_ERROR_STOP=1 "$drill_url" \
  -c "\\copy (SELECT id, programme_id, unit_id, state, audit_seq, audit_head FROM workflow_declaration ORDER BY id) TO '$restored'"
if ! cmp -s "$restored" "$backup/declarations.tsv"; then
  echo "恢复后的申报与备份时不同：" >&2
  diff "$backup/declarations.tsv" "$restored" | head -20 >&2
  exit 1
fi
echo "恢复演练通过：$(wc -l < "$restored") 份申报，审计链完整，证据文件 $(find "$drill_media" -type f | wc -l) 个。"
