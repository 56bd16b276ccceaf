"""gunicorn's configuration for `make serve` and the systemd unit (docs/deploy.md).

Everything comes from the environment: HOST and PORT to listen on (default 127.0.0.1:8000,
behind nginx), WEB_CONCURRENCY workers (default 2 × CPUs + 1), WEB_TIMEOUT seconds before a
stuck worker is restarted (default 30), ACCESS_LOG (default "-": standard output, for
journald) with each request's id and duration.
"""
import multiprocessing
import os

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY") or multiprocessing.cpu_count() * 2 + 1)
worker_class = "sync"
timeout = int(os.environ.get("WEB_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5
# The application is imported once, in the master, before the workers are forked: a replaced
# worker answers at once instead of importing Django again while the other workers carry its
# share (docs/benchmarks.md: seventh round). Nothing connects at import (Django, Redis and Celery
# connect lazily). New code needs a restart, not a reload (docs/deploy.md).
preload_app = True
# A worker is replaced after this many requests (plus jitter): memory a library leaks cannot pile up.
max_requests = 20000
max_requests_jitter = 2000
# Requests larger than nginx lets through never reach us; these bound the request line and headers.
limit_request_line = 4094
limit_request_fields = 100

accesslog = os.environ.get("ACCESS_LOG", "-")
errorlog = os.environ.get("ERROR_LOG", "-")
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# remote address, time, request line, status, bytes, duration (ms), request id (X-Request-ID), user agent
access_log_format = '%(h)s %(t)s "%(r)s" %(s)s %(b)s %(M)sms id=%({x-request-id}o)s "%(a)s"'

# Whether a request came over HTTPS is Django's decision (SECURE_PROXY_SSL_HEADER, only with
# TRUSTED_PROXY=1): gunicorn itself believes no X-Forwarded-* header from anyone.
forwarded_allow_ips = ""
secure_scheme_headers = {}

proc_name = "themeday-web"
