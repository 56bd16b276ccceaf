"""/healthz and /readyz for the load balancer: JSON, asked without a known host name or HTTPS."""
from __future__ import annotations

import pytest
from django.db.migrations.recorder import MigrationRecorder

from ops import health

REDIS_DB2 = "redis://127.0.0.1:6379/2"  # this suite's Redis database; under CI Redis must be running


@pytest.fixture(autouse=True)
def _fresh_migration_check(monkeypatch):
    monkeypatch.setattr(health, "_migrated", False)


def test_healthz_answers_without_touching_the_database(client):
    # no `db` fixture: a query would raise
    response = client.get("/healthz", HTTP_HOST="10.0.0.5")  # a host not in ALLOWED_HOSTS
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_readyz_is_ready_when_database_migrations_and_cache_answer(client, db):
    response = client.get("/readyz", HTTP_HOST="10.0.0.5")

    assert response.status_code == 200
    assert response.json() == {"status": "ready", "checks": {
        "database": "ok", "migrations": "ok", "cache": "ok", "broker": "未配置（任务在进程内执行）",
    }}
    assert response["Cache-Control"] == "no-store"


def test_readyz_is_not_ready_with_a_migration_missing(client, db):
    MigrationRecorder.Migration.objects.filter(app="workflow").order_by("-id")[:1].get().delete()

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["status"] == "not ready"
    assert response.json()["checks"]["migrations"] == "有 1 个迁移未执行（manage.py migrate）"


def test_readyz_checks_the_shared_redis_cache(client, db, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_DB2}}
    assert client.get("/readyz").json()["checks"]["cache"] == "ok"

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0",
                                   "OPTIONS": {"socket_connect_timeout": 1}}}
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["cache"].startswith("不可用：ConnectionError")


def test_readyz_pings_the_broker_when_one_is_configured(client, db, settings):
    settings.CELERY_BROKER_URL = REDIS_DB2
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["checks"]["broker"] == "ok"

    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["broker"].startswith("不可用：ConnectionError")


def test_readyz_is_not_redirected_to_https(client, db, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/readyz").status_code == 200
    assert client.get("/").status_code == 301  # every page else is
