"""`/healthz` (the process answers) and `/readyz` (database, migrations, cache and broker), as
JSON for the load balancer. Answered before the host check and the HTTPS redirect
(first middleware): a load balancer asks each server directly, by its address."""
from __future__ import annotations

import os
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.http import JsonResponse

OK = "ok"
_migrated = False  # once this code's migrations are all applied, they stay applied


def _database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return OK


def _migrations() -> str:
    global _migrated
    if not _migrated:
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
        if pending:
            return f"有 {len(pending)} 个迁移未执行（manage.py migrate）"
        _migrated = True
    return OK


def _cache() -> str:
    key, value = f"readyz:{uuid.uuid4().hex}", uuid.uuid4().hex
    cache.set(key, value, 10)
    found = cache.get(key)
    cache.delete(key)
    return OK if found == value else "写入后读不到"


def broker_url() -> str:
    return getattr(settings, "CELERY_BROKER_URL", "") or os.environ.get("CELERY_BROKER_URL", "")


def _broker() -> str:
    url = broker_url()
    if not url:
        return "未配置（任务在进程内执行）"
    import redis

    redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2).ping()
    return OK


def _run(check) -> str:
    try:
        return check()
    except Exception as error:  # any failure means "not ready"; the reason goes to the answer
        return f"不可用：{type(error).__name__}: {error}"[:300]


def readiness() -> tuple[bool, dict[str, str]]:
    checks = {"database": _run(_database)}
    checks["migrations"] = _run(_migrations) if checks["database"] == OK else "未检查（数据库不可用）"
    checks["cache"] = _run(_cache)
    checks["broker"] = _run(_broker)
    ready = all(v == OK for k, v in checks.items() if not (k == "broker" and not broker_url()))
    return ready, checks


def _json(body: dict, status: int = 200) -> JsonResponse:
    response = JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "no-store"
    return response


class HealthMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path.rstrip("/")
        if path == "/healthz":
            return _json({"status": "ok"})
        if path == "/readyz":
            ready, checks = readiness()
            return _json({"status": "ready" if ready else "not ready", "checks": checks}, 200 if ready else 503)
        return self.get_response(request)
