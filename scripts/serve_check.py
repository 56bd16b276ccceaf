"""Start the production server (`make serve`) and check it as a deployer would, or reuse its
pieces (Server, Session) in tests. Standard library only: CI runs it on a clean clone.

    python3 scripts/serve_check.py --port 18080 --username ci-check --password '…'

Checks: a static file is served (the stylesheet the login page links, hashed name), a missing
page is the Chinese 404, /readyz answers ready, a login works. The database must be migrated
and hold the person (.ci/run does both). Environment: DATABASE_URL, and optionally CACHE_URL.
"""
from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import re
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class Session:
    """One browser's cookies, shared by every server on 127.0.0.1 (cookies ignore the port)."""

    def __init__(self):
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def request(self, url: str, data: dict | None = None, headers: dict | None = None) -> tuple[int, str, dict]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        req = urllib.request.Request(url, data=body, headers=headers or {})
        try:
            with self.opener.open(req, timeout=30) as response:
                return response.status, response.read().decode("utf-8", "replace"), dict(response.headers)
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode("utf-8", "replace"), dict(error.headers)

    def csrf(self) -> str:
        return next(c.value for c in self.jar if c.name == "csrftoken")

    def post(self, url: str, data: dict) -> tuple[int, str, dict]:
        return self.request(url, {**data, "csrfmiddlewaretoken": self.csrf()})

    def login(self, base: str, username: str, password: str) -> str:
        self.request(f"{base}/login/")
        status, html, _ = self.post(f"{base}/login/", {"username": username, "password": password})
        if status != 200 or "我的待办" not in html:
            raise AssertionError(f"登录失败：{status}\n{html[:500]}")
        return html


class Server:
    """`make serve` (gunicorn, DEBUG=0, WhiteNoise) on 127.0.0.1:port, over plain HTTP on loopback."""

    def __init__(self, port: int, *, env: dict | None = None, workers: int = 2, log: Path | None = None):
        self.port, self.base = port, f"http://127.0.0.1:{port}"
        self.env = {
            **os.environ, "DEBUG": "0", "PLAIN_HTTP": "1", "HOST": "127.0.0.1", "PORT": str(port),
            "ALLOWED_HOSTS": "127.0.0.1,localhost", "WEB_CONCURRENCY": str(workers),
            "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_urlsafe(50), **(env or {}),
        }
        self.log = log or ROOT / "var" / f"serve-{port}.log"
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 180) -> Server:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log, "w") as log:
            self.process = subprocess.Popen(["make", "-s", "serve"], cwd=ROOT, env=self.env, stdout=log,
                                            stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"make serve 退出（{self.process.returncode}）：\n{self.log.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{self.base}/healthz", timeout=2) as response:
                    if response.status == 200:
                        return self
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"make serve 在 {timeout} 秒内没有应答：\n{self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def check(base: str, username: str, password: str) -> list[str]:
    """The deployer's checks; returns what was verified, raises on the first failure."""
    done = []
    session = Session()
    status, html, _ = session.request(f"{base}/login/")
    stylesheet = re.search(r'<link rel="stylesheet" href="([^"]+)"', html).group(1)
    assert re.search(r"/static/css/site\.[0-9a-f]{12}\.css$", stylesheet), f"样式表没有带哈希的文件名：{stylesheet}"
    status, css, headers = session.request(f"{base}{stylesheet}", headers={"Accept-Encoding": "identity"})
    assert status == 200 and "WenQuanYi Micro Hei" in css, f"静态文件：{status}"
    assert "max-age=315360000" in headers.get("Cache-Control", ""), headers.get("Cache-Control")
    done.append(f"静态文件 {stylesheet}：200，长期缓存")
    status, html, _ = session.request(f"{base}/no-such-page/")
    assert status == 404 and "<h1>未找到</h1>" in html and "Not Found" not in html, f"404：{status}"
    done.append("不存在的页面：中文 404")
    status, body, _ = session.request(f"{base}/readyz")
    ready = json.loads(body)
    assert status == 200 and ready["status"] == "ready", f"/readyz：{status} {body}"
    done.append(f"/readyz：ready {ready['checks']}")
    session.login(base, username, password)
    done.append(f"登录：{username} 看到我的待办")
    return done


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=18080)
    parser.add_argument("--username", required=True)
    parser.add_argument("--password", required=True)
    args = parser.parse_args()
    with Server(args.port) as server:
        for line in check(server.base, args.username, args.password):
            print(f"serve-check: {line}")
    print("serve-check: OK")


if __name__ == "__main__":
    sys.exit(main())
