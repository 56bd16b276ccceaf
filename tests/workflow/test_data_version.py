"""The data version (workflow.data_version) changes with every committed write that a page may
show, and with nothing else: the signed-in pages kept for it (workflow.page_cache) are exactly as
fresh as the database."""
from __future__ import annotations

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.core.cache import cache
from django.db import connection, transaction

from units.models import Unit
from workflow import data_version

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("sql", "seen"), [
    ('INSERT INTO "workflow_declaration" ("theme") VALUES (%s)', True),
    ('UPDATE "units_unit" SET "name" = %s', True),
    ('  delete from "workflow_comment" where id = 1', True),
    ("WITH moved AS (UPDATE units_unit SET name = 'x' RETURNING id) SELECT * FROM moved", True),
    ('ALTER TABLE "units_unit" ADD COLUMN "x" integer', True),
    ('SELECT "id" FROM "workflow_declaration" WHERE "id" = %s FOR UPDATE', False),
    ("WITH rows AS (SELECT 1) SELECT * FROM rows", False),
    ('UPDATE "django_session" SET "expire_date" = %s', False),
    ('INSERT INTO "axes_accessattempt" ("username") VALUES (%s)', False),
    ('/* from a tool */ UPDATE "units_unit" SET "name" = %s', True),
    ('-- a note\nDELETE FROM "workflow_comment"', True),
    (object(), True),  # not a plain string (psycopg's composed SQL): counted, to be safe
])
def test_which_statements_change_the_version(sql, seen):
    assert data_version.is_seen_write(sql) is seen


def test_a_committed_write_changes_the_version_once(django_capture_on_commit_callbacks):
    before = data_version.current()
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        Unit.objects.create(code="kf-x", name="开福区某局")
        Unit.objects.filter(code="kf-x").update(name="开福区另一局")

    assert len(callbacks) == 1
    assert cache.get(data_version.KEY) != before
    assert not data_version.wrote()


def test_a_write_not_yet_committed_changes_the_version_before_this_thread_reads_a_page():
    before = data_version.current()
    Unit.objects.create(code="kf-x", name="开福区某局")  # inside the test's transaction

    assert data_version.wrote()
    assert data_version.current() != before


def test_an_update_that_matches_nothing_and_a_session_save_change_nothing():
    before = data_version.current()
    Unit.objects.filter(code="no-such-unit").update(name="无")
    session = SessionStore()
    session["x"] = 1
    session.save()

    assert not data_version.wrote()
    assert data_version.current() == before


def test_hand_written_sql_changes_the_version():
    before = data_version.current()
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {Unit._meta.db_table} (code, name, short_name, kind, is_sample) VALUES (%s, %s, %s, %s, %s)",
                       ["kf-y", "开福区某街道", "", "subdistrict", False])

    assert data_version.current() != before


@pytest.mark.django_db(transaction=True)
def test_a_real_commit_changes_the_version_and_a_rollback_does_not_keep_it(audit_flushable):
    before = data_version.current()
    with transaction.atomic():
        Unit.objects.create(code="kf-x", name="开福区某局")
    committed = cache.get(data_version.KEY)

    with pytest.raises(RuntimeError), transaction.atomic():
        Unit.objects.create(code="kf-z", name="开福区又一局")
        raise RuntimeError
    after_rollback = cache.get(data_version.KEY)

    assert committed != before
    assert after_rollback == committed  # nothing committed: the version waits
    assert data_version.current() != committed  # this thread wrote: its next page is built anew


def test_a_version_that_could_not_be_written_is_tried_again_before_the_next_page(monkeypatch):
    before = data_version.current()
    Unit.objects.create(code="kf-x", name="开福区某局")

    def down(*args, **kwargs):
        raise ConnectionError("Redis 不可用")

    with monkeypatch.context() as m:
        m.setattr(data_version.cache, "set", down)
        data_version.change()  # logged, not raised
    assert data_version.wrote()  # still marked: the next page changes it

    assert data_version.current() != before
