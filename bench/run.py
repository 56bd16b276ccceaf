"""`make bench` / `make bench-quick`: create the database if missing, migrate, seed, run
every step in its own process (so each step's peak RSS is its own), print the table and
write the JSON.

    python -m bench.run --scale full|quick [--database-url postgres://…] [--out var/bench]

The database: --database-url, else BENCH_DATABASE_URL, else DATABASE_URL's (default
postgres://postgres@127.0.0.1:5432/themeday) name + `_bench` / `_benchq`, so the product
database is never touched. PostgreSQL only. It is created when missing and re-created when
it holds bench data of another scale; seeding is skipped when it already holds this scale.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
SCALES = {
    # units (× 10 people, × 100 programmes = declarations, × ~10 = audit events), timed iterations
    "full": {"units": 1000, "iterations": 300, "samples": 40, "xlsx_samples": 7, "verify_runs": 3},
    "quick": {"units": 10, "iterations": 20, "samples": 15, "xlsx_samples": 3, "verify_runs": 1},
}
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/themeday"
STEP_ORDER = ("transition", "human", "lists", "assessment", "verify", "xlsx", "publish", "delivery", "serve", "public")


def bench_database_url(scale: str) -> str:
    if os.environ.get("BENCH_DATABASE_URL"):
        return os.environ["BENCH_DATABASE_URL"]
    parts = urlsplit(os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL)
    suffix = "_bench" if scale == "full" else "_benchq"
    return urlunsplit(parts._replace(path=parts.path.rstrip("/") + suffix))


def _env(url: str) -> dict:
    return {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "bench.settings",
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH", "")]))}


def _admin_conn(url: str):
    import psycopg

    parts = urlsplit(url)
    return psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True)


def ensure_database(url: str, *, drop: bool = False) -> None:
    name = urlsplit(url).path.lstrip("/")
    with _admin_conn(url) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and drop:
            print(f"重建数据库 {name}（其中的基准数据规模不同）")
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = None
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def _python(args: list[str], url: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=_env(url), check=True, **kwargs)


SEED_SCRIPT = """
import json, sys, django
django.setup()
from bench import seed
units = int(sys.argv[1])
if seed.seeded(units):
    print("SEED " + json.dumps({"skipped": True}))
else:
    from units.models import Unit
    if Unit.objects.filter(code__startswith="bench-u").exists():
        print("SEED " + json.dumps({"other_scale": True}))
    else:
        print("SEED " + json.dumps(seed.seed(units, log=lambda m: print(m, flush=True))))
"""

# Earlier runs' writes (the steps' declarations, tasks, messages) leave dead rows; production's
# autovacuum would clear them, but a PostgreSQL may run with it off (this machine's does). Every run
# measures a vacuumed, analysed database.
VACUUM_SCRIPT = """
import django
django.setup()
from django.db import connection
connection.ensure_connection()
connection.connection.autocommit = True
with connection.cursor() as cursor:
    cursor.execute("VACUUM ANALYZE")
"""

COUNTS_SCRIPT = """
import json, django
django.setup()
from django.contrib.auth import get_user_model
from units.models import Unit
from workflow.models import AuditEvent, Declaration
from viewflow.workflow.models import Process, Task
from policies.models import Programme
print("COUNTS " + json.dumps({
    "units": Unit.objects.count(), "people": get_user_model().objects.count(),
    "programmes": Programme.objects.count(), "declarations": Declaration.objects.count(),
    "audit_events": AuditEvent.objects.count(), "processes": Process.objects.count(), "tasks": Task.objects.count(),
}))
"""


def _tagged(output: str, tag: str):
    for line in output.splitlines():
        if line.startswith(tag + " "):
            return json.loads(line[len(tag) + 1:])
    raise RuntimeError(f"no {tag} line in:\n{output}")


def prepare(url: str, units: int) -> dict:
    ensure_database(url)
    _python(["manage.py", "migrate", "--noinput", "-v", "0"], url)
    t = time.perf_counter()
    out = _python(["-c", SEED_SCRIPT, str(units)], url, capture_output=True, text=True).stdout
    result = _tagged(out, "SEED")
    if result.get("other_scale"):
        ensure_database(url, drop=True)
        _python(["manage.py", "migrate", "--noinput", "-v", "0"], url)
        out = _python(["-c", SEED_SCRIPT, str(units)], url, capture_output=True, text=True).stdout
        result = _tagged(out, "SEED")
    print("".join(line + "\n" for line in out.splitlines() if line.startswith("  seed")), end="")
    result["wall_s"] = round(time.perf_counter() - t, 1)
    return result


def run_step(url: str, name: str, params: dict) -> list[dict]:
    args = ["-m", "bench.steps", name, "--units", str(params["units"]), "--iterations", str(params["iterations"]),
            "--samples", str(params["samples"]), "--xlsx-samples", str(params["xlsx_samples"]),
            "--verify-runs", str(params["verify_runs"])]
    t = time.perf_counter()
    out = _python(args, url, capture_output=True, text=True).stdout
    rows = _tagged(out, "BENCH-JSON")
    for r in rows:
        r["step_wall_s"] = round(time.perf_counter() - t, 1)
    return rows


def _fmt(side: dict | None) -> str:
    if not side:
        return "—"
    if "msgs_s" in side:
        return f"{side['msgs_s']:,} messages/s ({side['n']} in {side['seconds']} s)"
    if "events_s" in side:
        cpu = f", {side['events_per_cpu_s']:,} ev/CPU-s" if "events_per_cpu_s" in side else ""
        return f"{side['events_s']:,} ev/s ({side['seconds']} s{cpu})"
    parts = [f"p50 {side['p50_ms']:.2f} ms", f"p95 {side['p95_ms']:.2f}"]
    if side.get("ops_s") and side["p50_ms"] < 50:
        parts.append(f"{side['ops_s']:,.0f}/s")
    if "sql" in side:
        parts.append(f"{side['sql']} SQL")
    if "errors" in side:  # the production server row: requests per second always shown
        if not (side.get("ops_s") and side["p50_ms"] < 50):
            parts.append(f"{side['ops_s']:,.0f} req/s")
        parts.append(f"{side['errors']} errors")
    if "query_p50_ms" in side:
        parts.append(f"query {side['query_p50_ms']:.2f} ms")
    if "facts_p50_ms" in side:
        parts.append(f"of which reading the facts (4 statements and their rows) {side['facts_p50_ms']:.2f} ms")
    if "orm_p50_ms" in side:
        parts.append(f"same statements through the ORM {side['orm_p50_ms']:.2f} ms, bare page p50 {side['page_p50_ms']:.2f} ms")
    return ", ".join(parts)


def verdict(r: dict) -> str:
    """PASS, MISS, or FLOOR: missed, but the baseline written with the stack itself misses the
    target too (bench.steps.step_lists says how), so the numbers show the floor, not a pass."""
    if r["ok"] is None:
        return "—"
    if r["ok"]:
        return "PASS"
    if r.get("floor"):
        words = {"page": "bare page > 25 ms", "server": f"bare pages {r.get('bare_pages_ratio', 0):.2f}× hello"}
        parts = [f"ORM alone {r['orm_ratio']:.2f}×" if name == "query" else words[name] for name in r["floor_of"]]
        return f"FLOOR ({'; '.join(parts)})"
    return "MISS"


def _floors(r: dict) -> str:
    """Row 9's floors, measured in the same run: the bare list pages and the signed-in hello view."""
    found = [f"{label} {r[key]['ops_s']:,.0f} req/s ({r[key + '_ratio']:.2f}× hello)"
             for key, label in (("bare_pages", "bare list pages"), ("signed_in_hello", "hello signed in"))
             if r.get(key)]
    return f"; floors: {', '.join(found)}" if found else ""


def table(rows: list[dict]) -> str:
    header = ("step", "path", "product", "bare baseline", "ratio", "target", "result", "peak RSS")
    lines = [" | ".join(header), " | ".join("---" for _ in header)]
    for r in rows:
        lines.append(" | ".join((
            r["step"], r["path"] + (f" ({r['note']})" if r.get("note") and not r["step"].startswith("5") else ""),
            _fmt(r["product"]), _fmt(r["bare"]) + _floors(r), "—" if r["ratio"] is None else f"{r['ratio']:.2f}×",
            r["target"], verdict(r), f"{r['peak_rss_mb']} MiB",
        )))
    return "\n".join("| " + line + " |" for line in lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default="full")
    parser.add_argument("--database-url", default="", help="default: BENCH_DATABASE_URL, else DATABASE_URL's "
                        "database name + _bench (full) or _benchq (quick): never the product database itself")
    parser.add_argument("--out", default=str(ROOT / "var" / "bench"))
    parser.add_argument("--steps", default=",".join(STEP_ORDER), help="comma-separated subset")
    args = parser.parse_args()
    url = args.database_url or bench_database_url(args.scale)
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("基准测试需要 PostgreSQL：设置 DATABASE_URL=postgres://…")
    params = SCALES[args.scale]
    started = dt.datetime.now(dt.UTC)
    print(f"基准测试 scale={args.scale} units={params['units']} database={urlsplit(url).path.lstrip('/')}")
    seed_info = prepare(url, params["units"])
    print(f"数据准备：{'已存在，跳过' if seed_info.get('skipped') else '已载入'}（{seed_info['wall_s']} s）")
    started_vacuum = time.monotonic()
    _python(["-c", VACUUM_SCRIPT], url)
    print(f"VACUUM ANALYZE（{time.monotonic() - started_vacuum:.1f} s）")
    counts = _tagged(_python(["-c", COUNTS_SCRIPT], url, capture_output=True, text=True).stdout, "COUNTS")
    print("数据规模：" + "，".join(f"{k} {v:,}" for k, v in counts.items()))
    rows = []
    for name in args.steps.split(","):
        print(f"… {name}", flush=True)
        rows += run_step(url, name, params)
    print()
    print(table(rows))
    result = {
        "scale": args.scale, "params": params, "started": started.isoformat(), "counts": counts, "seed": seed_info,
        "machine": {"python": platform.python_version(), "platform": platform.platform(), "cpus": os.cpu_count(),
                    "loadavg": os.getloadavg()},
        "rows": rows,
    }
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{args.scale}-{started:%Y%m%dT%H%M%SZ}.json"
    path.write_text(json.dumps(result, ensure_ascii=False, indent=1))
    print(f"\nJSON: {path}")


if __name__ == "__main__":
    main()
