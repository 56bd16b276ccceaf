"""Settings for the 政务公开主题日 workflow, read from the environment.

Development defaults are safe for a laptop (DEBUG on, embedded SQLite). Production
sets DEBUG=0, SECRET_KEY, ALLOWED_HOSTS and DATABASE_URL (docs/deploy.md lists every
variable); `manage.py check --deploy` is then clean.
"""
from __future__ import annotations

import datetime as dt
import os
from email.utils import parseaddr
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "未设置 SECRET_KEY：DEBUG=0（生产环境）时必须在环境变量中提供 SECRET_KEY，"
            "例如用 python3 -c 'import secrets; print(secrets.token_urlsafe(50))' 生成，并妥善保管。"
        )
    # Development only: a fixed, obviously-not-secret key so sessions survive restarts.
    SECRET_KEY = "dev-insecure-key-do-not-use-in-production-0123456789abcdefghijklmnop"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
if not ALLOWED_HOSTS and not DEBUG:
    raise ImproperlyConfigured("未设置 ALLOWED_HOSTS：DEBUG=0 时必须列出本系统的域名，例如 ALLOWED_HOSTS=gongkai.example.gov.cn。")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    # viewflow matches queue permissions through guardian only when the literal
    # string "guardian" is installed (STACK.md).
    "guardian",
    "viewflow",
    "viewflow.workflow",
    # JSON API (issue 7): DRF, token auth, OpenAPI schema and its offline Swagger UI files.
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    # Secure baseline (docs/security.md): login lockout, TOTP second factor, CSP header.
    "accounts.apps.LockoutConfig",  # django-axes, named in Chinese
    "django_otp",
    "accounts.apps.TotpConfig",  # django_otp.plugins.otp_totp, named in Chinese
    "django.contrib.sitemaps",  # the public column's sitemap.xml
    "units",
    "policies",
    "notifications",
    "workflow",
    "accounts",
    "ops",
    "gongkai",  # 政务公开主题日专栏 under /gongkai/ (anonymous)
]

MIDDLEWARE = [
    # /healthz and /readyz answer before the host check and the HTTPS redirect: the load
    # balancer asks the process directly.
    "ops.health.HealthMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Right after SecurityMiddleware (STACK.md); under DEBUG=0 only: in development
    # `runserver` serves the files straight from static/.
    *([] if DEBUG else ["whitenoise.middleware.WhiteNoiseMiddleware"]),
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.sessions.IdleTimeoutMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accounts.two_factor.TwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "workflow.middleware.RequestIdMiddleware",
    "workflow.middleware.ControlCharacterMiddleware",
    "axes.middleware.AxesMiddleware",  # last (STACK.md): turns a lockout into the Chinese answer
]

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "notifications.context_processors.bell",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

# DATABASE_URL selects the database: postgres://… (psycopg 3) in production and CI;
# unset means the embedded SQLite file for the quick demo.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "0")),
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first (STACK.md): refuses a locked-out login name or address
    "accounts.backends.ModelBackendOneQuery",  # ModelBackend, its permissions in one statement
    "guardian.backends.ObjectPermissionBackend",
]
ANONYMOUS_USER_NAME = None  # guardian: no anonymous user row

# Passwords: at least 8 characters with letters, digits and symbols (等保 2.0 level 3).
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "accounts.passwords.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "accounts.passwords.CharacterClassesValidator"},
]

# Login lockout (django-axes, database handler: every server sees the same counts). After
# LOGIN_FAILURE_LIMIT failures for one login name, and separately from one address, further
# attempts are refused for LOGIN_LOCKOUT_MINUTES; a failure is counted while the previous
# one is less than LOGIN_LOCKOUT_MINUTES old. Attempts during a lockout do not extend it.
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = dt.timedelta(minutes=int(os.environ.get("LOGIN_LOCKOUT_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "accounts.lockout.client_ip"
AXES_DISABLE_ACCESS_LOG = True  # logins and logouts are audit events (accounts.events)

# Two-factor authentication (TOTP, django-otp): the roles that must confirm each login with a
# code from an authenticator app. `administrator` = anyone who may enter /admin/; office
# roles: reviewer, scheduler, assessor. Empty turns it off (the demo).
TWO_FACTOR_ROLES = env_list("TWO_FACTOR_ROLES", "administrator")
OTP_TOTP_ISSUER = "政务公开主题日"
OTP_ADMIN_HIDE_SENSITIVE_DATA = True  # the admin never shows a device's secret key

# Sessions end after SESSION_IDLE_MINUTES without a request (accounts.sessions renews them).
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_IDLE_MINUTES", "30")) * 60

# API tokens expire API_TOKEN_DAYS after they were issued (accounts.tokens).
API_TOKEN_DAYS = int(os.environ.get("API_TOKEN_DAYS", "7"))

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]  # the product is Chinese only
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATICFILES_FINDERS = ["django.contrib.staticfiles.finders.FileSystemFinder", "ops.staticfiles.ServedAppsFinder"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "var" / "static"))
# Under DEBUG=0, WhiteNoise serves the collected files (`collectstatic`) with hashed names,
# compressed, cached for a year; in development Django's staticfiles serves them as they are.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage" if DEBUG
                    else "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_URL = "media/"  # never served as static files: evidence goes through workflow.views.evidence
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "var" / "media"))
# Holding evidence (photos, PDFs): the largest file a unit may upload, in bytes (default 10 MiB).
EVIDENCE_MAX_UPLOAD_BYTES = int(os.environ.get("EVIDENCE_MAX_UPLOAD_BYTES", str(10 * 1024 * 1024)))
# Processes that check a large audit trail in parallel (`verify_audit`, the 校验审计链 button;
# PostgreSQL, from 200,000 events on). 1 checks it in this process.
AUDIT_VERIFY_WORKERS = int(os.environ.get("AUDIT_VERIFY_WORKERS", str(min(4, os.cpu_count() or 1))))
# The key that signs the audit checkpoints (HMAC-SHA256, `workflow.trail.anchors`). It lives in
# the environment, never in the database, so a database superuser who rewrites the trail cannot
# sign it again. With DEBUG off the server refuses to start without one (32 characters or more,
# not the SECRET_KEY); the development default below is public and signs nothing that matters.
AUDIT_ANCHOR_KEY = os.environ.get("AUDIT_ANCHOR_KEY", "")
if not AUDIT_ANCHOR_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("未设置 AUDIT_ANCHOR_KEY：DEBUG=0（生产环境）时必须在环境变量中提供审计检查点的签名密钥。")
    AUDIT_ANCHOR_KEY = "dev-insecure-audit-anchor-key-do-not-use-in-production"
elif not DEBUG and (len(AUDIT_ANCHOR_KEY) < 32 or AUDIT_ANCHOR_KEY == SECRET_KEY):
    raise ImproperlyConfigured("AUDIT_ANCHOR_KEY 须至少32个字符，且不能与 SECRET_KEY 相同。")

# The public column (/gongkai/, `gongkai/`): how long a built page stays in Django's cache (a
# service that changes it gives it a new key at once), and the max-age browsers and shared caches
# in front of the server may keep it without asking again.
PUBLIC_CACHE_SECONDS = int(os.environ.get("PUBLIC_CACHE_SECONDS", "86400"))
PUBLIC_MAX_AGE = int(os.environ.get("PUBLIC_MAX_AGE", "60"))
# How many public pages each server process also keeps in its own memory (workflow.recent_pages).
PUBLIC_RECENT_PAGES = int(os.environ.get("PUBLIC_RECENT_PAGES", "200"))

# Signed-in pages read most (the inbox, the declaration list and page, the API list) are kept per
# person and session for the data version they were built from (workflow.page_cache): any write
# gives a new version, so a kept page is never older than the last change. Kept at most this many
# seconds (what depends on the clock alone, such as the inbox's "3 小时前", is at most this late);
# 0 turns it off. On by default only with a shared cache (CACHE_URL): each process's own memory
# would not see another process's writes.
PRIVATE_CACHE_SECONDS = int(os.environ.get("PRIVATE_CACHE_SECONDS", "60" if os.environ.get("CACHE_URL") else "0"))
PRIVATE_RECENT_PAGES = int(os.environ.get("PRIVATE_RECENT_PAGES", "200"))

# JSON API under /api/ (DESIGN §8): token or session, authenticated by default, errors
# from workflow.errors mapped to 400/403/404/409 by one handler.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: without credentials the API answers 401 with WWW-Authenticate.
        "accounts.tokens.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": ["workflow.api.parsers.BoundedJSONParser"],  # size and depth bounded first
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PAGINATION_CLASS": "workflow.api.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "workflow.api.exceptions.exception_handler",
    "NON_FIELD_ERRORS_KEY": "__all__",  # the same key as RuleViolation.by_field()
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "URL_FORMAT_OVERRIDE": None,  # no `?format=`: the XLSX download is its own path (or `Accept`)
}
SPECTACULAR_SETTINGS = {
    "TITLE": "政务公开主题日 API",
    "DESCRIPTION": "申报、审核、排期、举办、总结、评估与审计日志。认证：`Authorization: Token …`（POST /api/auth/token/ 获取）。",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # No internet on the servers: Swagger UI comes from drf-spectacular-sidecar.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {"DeclarationState": "workflow.models.State"},
}

# ------------------------------------------------------------------ jobs, mail, SMS (docs/notifications.md)

# Celery with Redis as the broker, e.g. redis://127.0.0.1:6379/0; a worker (`celery -A config worker`)
# delivers messages, a scheduler (`celery -A config beat`) runs the daily jobs. Unset (the demo):
# every job runs in-process right after the commit that enqueued it.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_TIMEZONE = "Asia/Shanghai"
# A job message that reaches no broker (Redis down) is not retried for long: the outbox keeps the
# messages, and the minute's delivery sweep sends them once Redis is back.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
CELERY_BEAT_SCHEDULE = {
    # Deliveries due (new, or a retry whose backoff has passed): nothing waits for a lost job message.
    "deliver-due": {"task": "notifications.tasks.deliver_due", "schedule": 60.0},
    # 催报、催办、举办与总结到期提醒 (each once per cause), at 8:00 Beijing time.
    "send-reminders": {"task": "workflow.tasks.send_reminders", "schedule": crontab(hour=8, minute=0)},
    # A checkpoint over every audit chain head, nightly (workflow.audit.checkpoint).
    "audit-checkpoint": {"task": "workflow.tasks.audit_checkpoint", "schedule": crontab(hour=1, minute=30)},
}

# Mail: Django's SMTP backend with Django's own setting names when EMAIL_HOST is set; otherwise
# mail is printed on the console (the demo).
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND") or (
    "django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "30"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "政务公开主题日 <noreply@example.com>")
# SMS: a dotted path to a notifications.sms.SmsBackend; "" turns SMS off. The default writes each
# SMS to the log: connect the government SMS platform by writing a backend for it.
SMS_BACKEND = os.environ.get("SMS_BACKEND", "notifications.sms.LoggingBackend")
# The address people reach the site at, for the links in mail and SMS.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# Which declarations a person may see, as a condition on a row's declaration (a callable(user, path)
# -> Q or None): the message center shows no message about any other (the rule is the workflow's;
# notifications does not import it).
NOTIFICATIONS_VISIBLE_DECLARATIONS = "workflow.selectors.visibility_through"

LOGIN_URL = "workflow:login"
LOGIN_REDIRECT_URL = "workflow:inbox"
LOGOUT_REDIRECT_URL = "workflow:login"

# Security: secure cookies, HTTPS redirect and HSTS whenever DEBUG is off, unless PLAIN_HTTP=1
# says this server is reached over plain HTTP on loopback (CI, benchmarks, a first try).
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
PLAIN_HTTP = env_bool("PLAIN_HTTP", False)
if not DEBUG and not PLAIN_HTTP:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
# X-Forwarded-Proto (and X-Real-IP for the lockout) are believed only when TRUSTED_PROXY=1
# says a proxy in front (nginx, docs/deploy.md) overwrites them; otherwise any client could
# claim HTTPS or another address.
TRUSTED_PROXY = env_bool("TRUSTED_PROXY", False)
if TRUSTED_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content-Security-Policy on every answer (django-csp 4): scripts, styles and everything else
# from this server only, no inline script or style anywhere (pages, admin, API docs).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# Cache: Redis when CACHE_URL is set (every server shares it), this process's memory otherwise
# (the demo, one process).
CACHE_URL = os.environ.get("CACHE_URL", "")
if CACHE_URL:
    if not CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
        raise ImproperlyConfigured(f"CACHE_URL 须为 redis://主机:端口/库号，现为 {CACHE_URL!r}。")
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL,
                          "KEY_PREFIX": "themeday", "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2}}}
    # Sessions stay in the database and are read through Redis (Django's cached_db, going on
    # without Redis: accounts.session_store): a signed-in request reads its session without a
    # statement. Not with the local-memory cache, which another process would not see a logout in.
    SESSION_ENGINE = "accounts.session_store"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Server errors (500) are mailed to ADMINS ("姓名 <a@b>" or plain addresses, comma-separated)
# through the mail settings above.
SERVER_EMAIL = os.environ.get("SERVER_EMAIL", DEFAULT_FROM_EMAIL)
ADMINS = [parseaddr(admin) for admin in env_list("ADMINS")]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"require_debug_false": {"()": "django.utils.log.RequireDebugFalse"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler"},
        # Sends nothing while ADMINS is empty.
        "mail_admins": {"level": "ERROR", "filters": ["require_debug_false"], "class": "django.utils.log.AdminEmailHandler"},
    },
    # Replaces Django's default "django" logger, which would mail the admins a second time.
    "loggers": {
        "django": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING"), "propagate": False},
        "django.request": {"handlers": ["mail_admins"], "propagate": True},
        # Deliveries and the logging SMS backend report at INFO (the demo shows its SMS on the console).
        "notifications": {"level": os.environ.get("NOTIFICATIONS_LOG_LEVEL", "INFO")},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
