"""Step 7: the production server under logged-in traffic, beside a hello view on the same server.

gunicorn (config/gunicorn.conf.py, 2 workers, DEBUG=0, WhiteNoise, every middleware of the
product) serves bench.settings on loopback. The load generator is wrk (Debian's `wrk`): a C
event loop that keeps 8 connections busy on one of this machine's two cores while the server
uses the rest, and reports latency percentiles; a Python generator would compete with the
server for the same cores and measure itself. Its Lua script cycles through the mix below.

Rounds alternate hello and mix (hello, mix, hello, mix, …) so a busy moment of the shared
machine hits both alike. Target (DESIGN §11): mix ≥ 0.3× hello's requests per second, mix
p95 ≤ 100 ms, 0 errors (non-2xx or socket errors).
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
CONCURRENCY = 8
HELLO = "/bare/hello/"

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


def mix() -> list[tuple[str, dict]]:
    """What logged-in people do, each as they would: a reviewer and a unit leader each read
    their inbox, the declaration list and a declaration (session cookie), and an integrator
    lists declarations through the API (token)."""
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
        cookie = {"Cookie": f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"}
        first = declarations_visible_to(user).filter(programme__code=CURRENT).order_by("pk").first()
        Token.objects.filter(user=user).delete()
        token = {"Authorization": f"Token {Token.objects.create(user=user).key}"}
        requests += [("/", cookie), ("/declarations/", cookie), (f"/declarations/{first.pk}/", cookie),
                     (f"/api/declarations/?programme={CURRENT}", token)]
    return requests


class Gunicorn:
    def __init__(self, static_root: Path, log: Path):
        from django.conf import settings

        # This process's key: the sessions it makes (mix) must be valid on the server.
        self.env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings", "DEBUG": "0", "PLAIN_HTTP": "1",
                    "SECRET_KEY": settings.SECRET_KEY, "ALLOWED_HOSTS": "127.0.0.1", "HOST": "127.0.0.1",
                    "PORT": str(PORT), "WEB_CONCURRENCY": "2", "STATIC_ROOT": str(static_root),
                    "DB_CONN_MAX_AGE": "60",  # as docs/deploy.md sets it: no new PostgreSQL backend per request
                    "ACCESS_LOG": str(log.with_suffix(".access.log")), "ERROR_LOG": str(log)}
        self.process = None

    def __enter__(self):
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


def wrk(requests: list[tuple[str, dict]], seconds: int, script_dir: Path) -> dict:
    script = script_dir / f"mix-{len(requests)}.lua"
    script.write_text(LUA % lua_table(requests))
    out = subprocess.run(["wrk", "-t2", f"-c{CONCURRENCY}", f"-d{seconds}s", "--timeout", "10s", "-s", str(script),
                          f"http://127.0.0.1:{PORT}"], capture_output=True, text=True, check=True).stdout
    line = next(line for line in out.splitlines() if line.startswith("WRK-JSON "))
    return json.loads(line[len("WRK-JSON "):])


def _side(runs: list[dict]) -> dict:
    requests = sum(r["requests"] for r in runs)
    return {"n": requests, "ops_s": round(requests / (sum(r["duration_us"] for r in runs) / 1e6), 1),
            "p50_ms": round(statistics.median(r["p50_us"] for r in runs) / 1000, 2),
            "p95_ms": round(max(r["p95_us"] for r in runs) / 1000, 2),
            "errors": sum(r["socket_errors"] + r["non2xx"] for r in runs), "rounds": len(runs)}


def measure(args) -> list[dict]:
    from bench.steps import row

    if shutil.which("wrk") is None:
        raise SystemExit("需要 wrk（apt-get install wrk）：生产服务器一行的负载生成器")
    requests = mix()
    seconds, rounds = (5, 2) if args.units <= 10 else (15, 3)
    with tempfile.TemporaryDirectory() as tmp, Gunicorn(Path(tmp) / "static", Path(tmp) / "gunicorn.log"):
        base = f"http://127.0.0.1:{PORT}"
        for path, headers in [(HELLO, {}), *requests]:  # every request answers 200 before it is timed
            with urllib.request.urlopen(urllib.request.Request(base + path, headers=headers), timeout=30) as response:
                assert response.status == 200 and response.url == base + path, (path, response.status, response.url)
        wrk([(HELLO, {})], 2, Path(tmp)), wrk(requests, 2, Path(tmp))  # warm: workers, templates, caches
        hello_runs, mix_runs = [], []
        for _ in range(rounds):
            hello_runs.append(wrk([(HELLO, {})], seconds, Path(tmp)))
            mix_runs.append(wrk(requests, seconds, Path(tmp)))
    p, b = _side(mix_runs), _side(hello_runs)
    ratio = p["ops_s"] / b["ops_s"]
    ok = ratio >= 0.3 and p["p95_ms"] <= 100 and p["errors"] == 0 and b["errors"] == 0
    paths = ", ".join(sorted({path.split("?")[0] for path, _ in requests}))
    return [row("7 production server", f"gunicorn 2 workers, wrk c={CONCURRENCY}, {rounds}×{seconds} s: logged-in mix ({paths}) "
                f"vs {HELLO} on the same server", p, b, ratio=ratio,
                target="≥ 0.3× req/s, p95 ≤ 100 ms, 0 errors", ok=ok)]
