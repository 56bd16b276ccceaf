"""Steps 9 and 10: the production server under logged-in traffic, and under anonymous traffic on
the public column, each beside a hello view on the same server.

gunicorn (config/gunicorn.conf.py, 2 workers, DEBUG=0, WhiteNoise, every middleware of the
product) serves bench.settings on loopback. The load generator is wrk (Debian's `wrk`): a C
event loop that keeps 8 connections busy on one of this machine's two cores while the server
uses the rest, and reports latency percentiles; a Python generator would compete with the
server for the same cores and measure itself. Its Lua script cycles through the mix below.

Rounds alternate hello and mix (hello, mix, hello, mix, …) so a busy moment of the shared
machine hits both alike. Targets (DESIGN §11): the logged-in mix ≥ 0.3× hello's requests per
second, p95 ≤ 100 ms, at 8 connections; the anonymous plan page (1,000 activities) and the RSS
feed, asked for as a browser asks (Accept-Encoding: gzip), ≥ 0.8× hello, p95 ≤ 50 ms, at 16
connections; 0 errors (non-2xx or socket errors). The
server's cache is Redis (its own database, emptied first), as in production. Beside the mix, two
floors in the same rounds: the bare list pages, and the hello view asked with the same people's
session cookies (what a signed-in request costs before any page: the session, the person, and
the middleware that reads them).
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PORT = int(os.environ.get("BENCH_SERVE_PORT", "18230"))
CACHE_URL = os.environ.get("BENCH_CACHE_URL", "redis://127.0.0.1:6379/14")
CONCURRENCY = 8
PUBLIC_CONCURRENCY = 16
HELLO = "/bare/hello/"
PUBLIC = ["/gongkai/bench-p00/", "/gongkai/feed.xml"]  # bench-p00: 1,000 activities on its published plan
# What every browser and feed reader sends; the hello view gets it too (5 bytes: nothing to compress).
BROWSER = {"Accept-Encoding": "gzip, deflate, br"}

LUA = """
local requests = %s
local i = 0
request = function()
  i = i %% #requests + 1
  local r = requests[i]
  return wrk.format("GET", r[1], r[2])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("WRK-JSON {\\"requests\\": %%d, \\"duration_us\\": %%d, \\"socket_errors\\": %%d, \\"non2xx\\": %%d, \\"p50_us\\": %%d, \\"p95_us\\": %%d}\\n",
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(95)))
end
"""


def lua_table(requests: list[tuple[str, dict]]) -> str:
    def q(text: str) -> str:
        return json.dumps(text)  # a JSON string is a valid Lua string here (ASCII only)

    rows = ", ".join("{" + q(path) + ", {" + ", ".join(f"[{q(k)}] = {q(v)}" for k, v in headers.items()) + "}}"
                     for path, headers in requests)
    return "{" + rows + "}"


def bare_mix(requests: list[tuple[str, dict]]) -> list[tuple[str, dict]]:
    """The floor of the mix: the same people's cookies on the bare list pages (bench.bare.views: the
    bare SQL of a page behind Django's login and the product's middleware, a plain template)."""
    from bench.seed import CURRENT
    from bench.steps import people
    from policies.models import Programme
    from units.roles import REVIEW

    current = Programme.objects.get(code=CURRENT).pk
    cookies = [headers for path, headers in requests if path == "/queue/"]  # the reviewer's, then the leader's
    reviewer, leader = cookies
    assert people()["bench-reviewer"] and len(cookies) == 2
    return [(f"/bare/list/queue-office/?perm={REVIEW}", reviewer), (f"/bare/list/list-office/?programme={current}", reviewer),
            ("/bare/list/queue-unit/", leader), (f"/bare/list/list-unit/?programme={current}", leader)]


def mix() -> list[tuple[str, dict]]:
    """What logged-in people do, each as they would: a reviewer and a unit leader each read
    their inbox, the declaration list and a declaration (session and CSRF cookies, as a browser
    sends them), and an integrator lists declarations through the API (token)."""
    from django.conf import settings
    from django.test import Client
    from rest_framework.authtoken.models import Token

    from bench.seed import CURRENT
    from bench.steps import people
    from workflow.selectors import declarations_visible_to

    who = people()
    requests = []
    for name in ("bench-reviewer", "bench-lead-small"):
        user = who[name]
        client = Client()
        client.force_login(user)
        client.get("/declarations/")  # a browser holds the CSRF cookie from its first page on
        cookie = {"Cookie": "; ".join(f"{name}={client.cookies[name].value}" for name in (settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME))}
        first = declarations_visible_to(user).filter(programme__code=CURRENT).order_by("pk").first()
        Token.objects.filter(user=user).delete()
        token = {"Authorization": f"Token {Token.objects.create(user=user).key}"}
        requests += [("/queue/", cookie), ("/declarations/", cookie), (f"/declarations/{first.pk}/", cookie),
                     (f"/api/declarations/?programme={CURRENT}", token)]
    return requests


class Gunicorn:
    def __init__(self, static_root: Path, log: Path):
        from django.conf import settings

        # This process's key: the sessions it makes (mix) must be valid on the server.
        self.env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings", "DEBUG": "0", "PLAIN_HTTP": "1",
                    "SECRET_KEY": settings.SECRET_KEY, "AUDIT_ANCHOR_KEY": settings.AUDIT_ANCHOR_KEY, "ALLOWED_HOSTS": "127.0.0.1", "HOST": "127.0.0.1",
                    "PORT": str(PORT), "WEB_CONCURRENCY": "2", "STATIC_ROOT": str(static_root),
                    "DB_CONN_MAX_AGE": "60",  # as docs/deploy.md sets it: no new PostgreSQL backend per request
                    "CACHE_URL": CACHE_URL,
                    "ACCESS_LOG": str(log.with_suffix(".access.log")), "ERROR_LOG": str(log)}
        self.process = None

    def __enter__(self):
        import redis

        redis.Redis.from_url(CACHE_URL).flushdb()  # its own database: nothing cached from an earlier run
        subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=ROOT, env=self.env, check=True)
        self.process = subprocess.Popen([str(Path(sys.executable).with_name("gunicorn")), "--config", "config/gunicorn.conf.py",
                                         "config.wsgi"], cwd=ROOT, env=self.env, start_new_session=True)
        for _ in range(300):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{PORT}/healthz", timeout=1):
                    return self
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("gunicorn 没有启动")

    def __exit__(self, *exc):
        os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait(timeout=30)


def wrk(requests: list[tuple[str, dict]], seconds: int, script_dir: Path, concurrency: int = CONCURRENCY) -> dict:
    script = script_dir / f"mix-{len(requests)}.lua"
    script.write_text(LUA % lua_table(requests))
    out = subprocess.run(["wrk", "-t2", f"-c{concurrency}", f"-d{seconds}s", "--timeout", "10s", "-s", str(script),
                          f"http://127.0.0.1:{PORT}"], capture_output=True, text=True, check=True).stdout
    line = next(line for line in out.splitlines() if line.startswith("WRK-JSON "))
    return json.loads(line[len("WRK-JSON "):])


def _side(runs: list[dict]) -> dict:
    requests = sum(r["requests"] for r in runs)
    return {"n": requests, "ops_s": round(requests / (sum(r["duration_us"] for r in runs) / 1e6), 1),
            "p50_ms": round(statistics.median(r["p50_us"] for r in runs) / 1000, 2),
            "p95_ms": round(max(r["p95_us"] for r in runs) / 1000, 2),
            "errors": sum(r["socket_errors"] + r["non2xx"] for r in runs), "rounds": len(runs)}


def _measure(requests: list[tuple[str, dict]], seconds: int, rounds: int, concurrency: int,
             floors: tuple[list[tuple[str, dict]], ...] = (), hello_headers: dict | None = None) -> list[dict]:
    """[requests, hello, *floors] side by side on one server, rounds alternating."""
    mixes = [requests, [(HELLO, hello_headers or {})], *floors]
    with tempfile.TemporaryDirectory() as tmp, Gunicorn(Path(tmp) / "static", Path(tmp) / "gunicorn.log"):
        base = f"http://127.0.0.1:{PORT}"
        for path, headers in [item for requests_ in mixes for item in requests_]:  # each answers 200 before it is timed
            with urllib.request.urlopen(urllib.request.Request(base + path, headers=headers), timeout=30) as response:
                assert response.status == 200 and response.url == base + path, (path, response.status, response.url)
        for requests_ in mixes:
            wrk(requests_, 2, Path(tmp), concurrency)  # warm: workers, templates, caches
        runs: list[list[dict]] = [[] for _ in mixes]
        for _ in range(rounds):
            for found, requests_ in zip(runs, mixes, strict=True):
                found.append(wrk(requests_, seconds, Path(tmp), concurrency))
    return [_side(found) for found in runs]


def _needs_wrk() -> None:
    if shutil.which("wrk") is None:
        raise SystemExit("需要 wrk（apt-get install wrk）：生产服务器两行的负载生成器")


def measure(args) -> list[dict]:
    """Row 9: the logged-in mix."""
    from bench.steps import row

    _needs_wrk()
    requests = mix()
    seconds, rounds = (5, 2) if args.units <= 10 else (15, 3)
    # Two floors: the bare list pages, and the hello view asked with the same people's cookies (the
    # session, the person and the middleware that reads them, and nothing else).
    signed_in_hello = [(HELLO, headers) for path, headers in requests if path == "/queue/"]
    p, b, floor, hello_signed_in = _measure(requests, seconds, rounds, CONCURRENCY,
                                            floors=(bare_mix(requests), signed_in_hello))
    ratio = p["ops_s"] / b["ops_s"]
    ok = ratio >= 0.3 and p["p95_ms"] <= 100 and p["errors"] == 0 and b["errors"] == 0
    paths = ", ".join(sorted({path.split("?")[0] for path, _ in requests}))
    found = row("9 production server", f"gunicorn 2 workers, wrk c={CONCURRENCY}, {rounds}×{seconds} s: logged-in mix ({paths}) "
                f"vs {HELLO} on the same server; floor: the bare list pages through the same server", p, b, ratio=ratio,
                target="≥ 0.3× req/s, p95 ≤ 100 ms, 0 errors", ok=ok)
    # FLOOR, as for the list pages: the stack's own bare pages, served alike, miss the ratio too, and the
    # product stays within 1.5× of them.
    floor_ratio = floor["ops_s"] / b["ops_s"]
    found.update(bare_pages=floor, bare_pages_ratio=round(floor_ratio, 2), signed_in_hello=hello_signed_in,
                 signed_in_hello_ratio=round(hello_signed_in["ops_s"] / b["ops_s"], 2))
    if not ok and floor_ratio < 0.3 and p["ops_s"] * 1.5 >= floor["ops_s"] and p["errors"] == 0:
        found.update(floor=True, floor_of=["server"])
    return [found]


def measure_public(args) -> list[dict]:
    """Row 10: the public column, anonymous (no cookie): the plan page and the RSS feed."""
    from bench.steps import row
    from policies.models import Programme

    _needs_wrk()
    # bench-p00, evaluated with its plan published, as a past year of the district: the column
    # shows the programmes that take declarations (the seed made the 99 past ones closed bases).
    Programme.objects.filter(code="bench-p00").update(accepts_declarations=True)
    seconds, rounds = (5, 2) if args.units <= 10 else (15, 3)
    p, b = _measure([(path, BROWSER) for path in PUBLIC], seconds, rounds, PUBLIC_CONCURRENCY, hello_headers=BROWSER)
    ratio = p["ops_s"] / b["ops_s"]
    ok = ratio >= 0.8 and p["p95_ms"] <= 50 and p["errors"] == 0 and b["errors"] == 0
    return [row("10 public column", f"gunicorn 2 workers, wrk c={PUBLIC_CONCURRENCY}, {rounds}×{seconds} s, anonymous: "
                f"{', '.join(PUBLIC)} vs {HELLO} on the same server, Accept-Encoding: gzip as browsers send", p, b, ratio=ratio,
                target="≥ 0.8× req/s, p95 ≤ 50 ms, 0 errors", ok=ok)]
