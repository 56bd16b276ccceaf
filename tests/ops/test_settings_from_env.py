"""What the environment decides at start-up (each case in its own Python process)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {"DEBUG": "0", "SECRET_KEY": "x" * 60, "ALLOWED_HOSTS": "gongkai.example.gov.cn", "AUDIT_ANCHOR_KEY": "y" * 48}
SHOW = """
import json, django
from django.conf import settings
django.setup()
print(json.dumps({name: getattr(settings, name, None) for name in %r}, default=str))
"""


def start(env: dict, *names: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "TRUSTED_PROXY",
                                                                "PLAIN_HTTP", "CACHE_URL", "TWO_FACTOR_ROLES", "PRIVATE_CACHE_SECONDS"}}
    return subprocess.run([sys.executable, "-c", SHOW % (names,)], cwd=ROOT, capture_output=True, text=True,
                          env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings", **env}, timeout=60)


def settings_of(env: dict, *names: str) -> dict:
    done = start(env, *names)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_production_refuses_to_start_without_secret_key_and_says_so_in_chinese():
    done = start({**PRODUCTION, "SECRET_KEY": ""}, "DEBUG")
    assert done.returncode != 0
    assert "未设置 SECRET_KEY：DEBUG=0（生产环境）时必须在环境变量中提供 SECRET_KEY" in done.stderr


def test_make_serve_refuses_to_start_without_secret_key():
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    done = subprocess.run(["make", "-s", "serve"], cwd=ROOT, capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode != 0 and "未设置 SECRET_KEY" in done.stderr and "拒绝启动" in done.stderr


def test_forwarded_proto_is_believed_only_behind_a_trusted_proxy():
    assert settings_of(PRODUCTION, "SECURE_PROXY_SSL_HEADER")["SECURE_PROXY_SSL_HEADER"] is None
    trusted = settings_of({**PRODUCTION, "TRUSTED_PROXY": "1"}, "SECURE_PROXY_SSL_HEADER")
    assert trusted["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]


def test_production_has_secure_cookies_hsts_and_https_unless_plain_http_is_said():
    names = ("SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS")
    assert settings_of(PRODUCTION, *names) == {
        "SESSION_COOKIE_SECURE": True, "CSRF_COOKIE_SECURE": True, "SECURE_SSL_REDIRECT": True, "SECURE_HSTS_SECONDS": 31536000,
    }
    assert settings_of({**PRODUCTION, "PLAIN_HTTP": "1"}, *names) == {
        "SESSION_COOKIE_SECURE": False, "CSRF_COOKIE_SECURE": False, "SECURE_SSL_REDIRECT": False, "SECURE_HSTS_SECONDS": 0,
    }


def test_the_cache_is_redis_when_cache_url_is_set_and_memory_otherwise():
    assert settings_of({}, "CACHES")["CACHES"]["default"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"
    shared = settings_of({"CACHE_URL": "redis://127.0.0.1:6379/2"}, "CACHES")["CACHES"]["default"]
    assert shared["BACKEND"] == "django.core.cache.backends.redis.RedisCache" and shared["LOCATION"] == "redis://127.0.0.1:6379/2"


def test_signed_in_pages_are_kept_only_when_every_process_shares_the_cache():
    assert settings_of({}, "PRIVATE_CACHE_SECONDS")["PRIVATE_CACHE_SECONDS"] == 0
    assert settings_of({"CACHE_URL": "redis://127.0.0.1:6379/2"}, "PRIVATE_CACHE_SECONDS")["PRIVATE_CACHE_SECONDS"] == 60
    assert settings_of({"PRIVATE_CACHE_SECONDS": "0", "CACHE_URL": "redis://127.0.0.1:6379/2"},
                       "PRIVATE_CACHE_SECONDS")["PRIVATE_CACHE_SECONDS"] == 0


def test_sessions_are_read_through_redis_only_when_every_server_shares_it():
    assert settings_of({}, "SESSION_ENGINE")["SESSION_ENGINE"] == "django.contrib.sessions.backends.db"
    shared = settings_of({"CACHE_URL": "redis://127.0.0.1:6379/2"}, "SESSION_ENGINE")["SESSION_ENGINE"]
    assert shared == "accounts.session_store"  # Django's cached_db: still kept in the database


def test_production_static_files_are_compressed_with_hashed_names():
    storages = settings_of(PRODUCTION, "STORAGES")["STORAGES"]
    assert storages["staticfiles"]["BACKEND"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"


def test_check_deploy_is_clean():
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}  # set by the browser tests
    done = subprocess.run(["make", "-s", "check-deploy"], cwd=ROOT, capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues" in done.stdout
