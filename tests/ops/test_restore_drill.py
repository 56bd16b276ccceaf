"""Backups restore: scripts/backup.sh then scripts/restore-drill.sh into an empty database give
a verified audit trail, every migration, the same declarations and the media files."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from workflow.models import Declaration

pytestmark = pytest.mark.postgres
ROOT = Path(__file__).resolve().parents[2]


def url_of(name: str) -> str:
    s = connection.settings_dict
    return f"postgres://{s['USER']}@{s['HOST']}:{s['PORT']}/{name}"


@pytest.fixture
def year_on_disk(audit_flushable, world, media_root):
    for state, unit in (("summarized", world.unit), ("returned", world.other_unit)):
        world.declaration(state, unit=unit)
    (media_root / "evidence").mkdir(parents=True)
    (media_root / "evidence" / "logo.jpg").write_bytes(b"\xff\xd8 a photo")
    return world


@pytest.fixture
def drill_database():
    name = f"{connection.settings_dict['NAME']}_drill"
    yield url_of(name)
    with psycopg.connect(url_of("postgres"), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run(script: str, *args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(ROOT / "scripts" / script), *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=600, env={**os.environ, "PYTHON": str(ROOT / ".venv" / "bin" / "python"), **env})


def test_a_backup_restores_into_an_empty_database_whole(year_on_disk, drill_database, media_root, tmp_path):
    source = url_of(connection.settings_dict["NAME"])
    backup = tmp_path / "backup"
    made = run("backup.sh", str(backup), DATABASE_URL=source, MEDIA_ROOT=str(media_root))
    assert made.returncode == 0, made.stderr
    assert f"备份完成：{backup}（2 份申报）" in made.stdout

    drill = run("restore-drill.sh", str(backup), DATABASE_URL=source, DRILL_DATABASE_URL=drill_database,
                DRILL_MEDIA_ROOT=str(tmp_path / "restored-media"))

    assert drill.returncode == 0, drill.stdout + drill.stderr
    assert "恢复演练通过：2 份申报，审计链完整，证据文件 1 个。" in drill.stdout
    assert (tmp_path / "restored-media" / "evidence" / "logo.jpg").read_bytes() == b"\xff\xd8 a photo"
    with psycopg.connect(drill_database) as restored:
        rows = restored.execute("SELECT id, state FROM workflow_declaration ORDER BY id").fetchall()
    assert rows == list(Declaration.objects.order_by("id").values_list("id", "state"))


def test_the_drill_fails_when_the_restored_declarations_differ(year_on_disk, drill_database, media_root, tmp_path):
    source = url_of(connection.settings_dict["NAME"])
    backup = tmp_path / "backup"
    assert run("backup.sh", str(backup), DATABASE_URL=source, MEDIA_ROOT=str(media_root)).returncode == 0
    listed = backup / "declarations.tsv"
    listed.write_text(listed.read_text().replace("summarized", "evaluated"))
    subprocess.run("sha256sum database.dump declarations.tsv media.tar.gz > SHA256SUMS", shell=True, cwd=backup, check=True)

    drill = run("restore-drill.sh", str(backup), DATABASE_URL=source, DRILL_DATABASE_URL=drill_database,
                DRILL_MEDIA_ROOT=str(tmp_path / "restored-media"))

    assert drill.returncode == 1 and "恢复后的申报与备份时不同" in drill.stderr


def test_the_drill_refuses_a_damaged_backup(year_on_disk, drill_database, media_root, tmp_path):
    source = url_of(connection.settings_dict["NAME"])
    backup = tmp_path / "backup"
    assert run("backup.sh", str(backup), DATABASE_URL=source, MEDIA_ROOT=str(media_root)).returncode == 0
    with open(backup / "database.dump", "ab") as dump:
        dump.write(b"x")

    drill = run("restore-drill.sh", str(backup), DATABASE_URL=source, DRILL_DATABASE_URL=drill_database)

    assert drill.returncode != 0 and "database.dump: FAILED" in drill.stdout + drill.stderr
