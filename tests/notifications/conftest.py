"""Real parts for the delivery tests: an SMTP server on loopback (aiosmtpd), Redis (database 4),
and a Celery worker process. Under CI=true a missing Redis fails these tests; it never skips them."""
from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from django.db import connection

from tests.conftest import IN_CI

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/4")  # this branch's test database number
PORTS = range(18400, 18500)  # this branch's ports


def free_port() -> int:
    for port in PORTS:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("18400-18499 之间没有空闲端口")


class Mailbox:
    """What the SMTP server accepted. `delay`: seconds the server takes before accepting each mail;
    a client that goes away meanwhile has sent nothing (aiosmtpd drops the unfinished transaction)."""

    def __init__(self, delay: float = 0.0):
        self.delay = delay
        self.messages = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        with self.lock:
            self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"

    def wait_for(self, count: int, timeout: float = 60) -> list:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.messages) >= count:
                    return list(self.messages)
            time.sleep(0.05)
        raise AssertionError(f"{timeout} 秒内邮箱只收到 {len(self.messages)} 封邮件，应有 {count} 封")


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on a loopback port of this branch; Django's SMTP backend points at it."""
    servers = []

    def start(delay: float = 0.0) -> Mailbox:
        mailbox = Mailbox(delay)
        controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
        controller.start()
        servers.append(controller)
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
        mailbox.port = controller.port
        return mailbox

    yield start
    for controller in servers:
        controller.stop()


def redis_or_fail():
    """The Redis database of these tests, flushed; outside CI a test without Redis skips."""
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.exceptions.ConnectionError as error:
        if IN_CI:
            pytest.fail(f"CI=true 但 Redis 无法连接（{REDIS_URL}）：{error}")
        pytest.skip(f"需要 Redis（{REDIS_URL}）")
    client.flushdb()
    return client


@pytest.fixture
def broker():
    """This process enqueues jobs on Redis (not in-process) while the test runs."""
    from config.celery import app

    client = redis_or_fail()
    saved = {"broker_url": app.conf.broker_url, "task_always_eager": app.conf.task_always_eager}
    _new_connection_pool(app)  # eager jobs of earlier tests made one for the default broker (Celery keeps it)
    app.conf.update(broker_url=REDIS_URL, task_always_eager=False)
    yield REDIS_URL
    app.conf.update(saved)
    _new_connection_pool(app)
    client.flushdb()


def _new_connection_pool(app) -> None:
    """Celery makes its broker connection and producer pools once, for the broker configured then
    (`Celery.pool`, `AMQP.producer_pool`); a test that changes the broker needs new ones."""
    if app._pool is not None:
        app._pool.force_close_all()
        app._pool = None
    if app.amqp._producer_pool is not None:
        app.amqp._producer_pool.force_close_all()
        app.amqp._producer_pool = None


def database_url() -> str:
    """The test database, as the worker process must reach it."""
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


class Worker:
    """`celery -A config worker -P solo` in its own process, started and stopped by its pid."""

    def __init__(self, *, mailbox: Mailbox, log: Path):
        env = {**os.environ, "DATABASE_URL": database_url(), "CELERY_BROKER_URL": REDIS_URL,
               "EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(mailbox.port), "DJANGO_SETTINGS_MODULE": "config.settings",
               "PYTHONPATH": str(ROOT)}
        self.log = log
        self.output = open(log, "ab")  # noqa: SIM115 (closed in stop())
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "-P", "solo", "--without-gossip",
             "--without-mingle", "--without-heartbeat", "-l", "INFO", "-n", f"i18-test-{os.getpid()}@%h"],
            cwd=ROOT, env=env, stdout=self.output, stderr=subprocess.STDOUT,
        )
        self.wait_until_ready()

    def wait_until_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if b" ready." in self.log.read_bytes():
                return
            if self.process.poll() is not None:
                raise AssertionError("Celery 工作进程启动失败：\n" + self.log.read_text(errors="replace")[-3000:])
            time.sleep(0.1)
        raise AssertionError("Celery 工作进程未就绪：\n" + self.log.read_text(errors="replace")[-3000:])

    def kill(self) -> None:
        """SIGKILL: no cleanup of any kind, as when a machine loses power."""
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()
        self.output.close()


@pytest.fixture
def worker_process(tmp_path):
    """`worker_process(mailbox)` starts a worker (and the test stops it); a log file per start."""
    started = []

    def start(mailbox: Mailbox) -> Worker:
        worker = Worker(mailbox=mailbox, log=tmp_path / f"worker-{len(started)}.log")
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()
