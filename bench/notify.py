"""Notifications in `make bench` (DESIGN §11, issue 18's "Speed"):

- 7 publish: the scheduler publishes an N-row 活动计划安排表 (N = the units, 1,000 at full scale)
  through the schedule page's path (`services.schedule_publish`), with its messages and without them
  (`workflow.notify.tasks_opened` replaced by a no-op), interleaved in one process. The rows are
  made once inside a transaction that is rolled back at the end, each publication in a savepoint
  rolled back after it: nothing stays in the bench database. The messages' statements (with
  minus without) are counted for one row and for N: the same number.
- 8 delivery: messages per second from the outbox through a real worker (`celery -A config worker
  -P solo`, Redis `BENCH_REDIS_URL`, default redis://127.0.0.1:6379/0) to an SMTP server on
  loopback (aiosmtpd; port `BENCH_SMTP_PORT`, default a free one), beside Django's SMTP backend sending the same number of mails in this
  process over one connection.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager

from bench.steps import interleaved, row, sql_count, summary

PUBLISH_CODE = "bench-notify"


class _Rollback(Exception):
    pass


@contextmanager
def rolled_back():
    from django.db import transaction

    try:
        with transaction.atomic():
            yield
            raise _Rollback
    except _Rollback:
        pass


def _programme():
    from bench.seed import OPS
    from policies.models import Programme

    source = Programme.objects.get(code=OPS)
    source.pk, source.code, source.name = None, PUBLISH_CODE, "基准测试排期发布方案"
    source.save()
    return source


def _reviewed(programme, units, people) -> list:
    """One reviewed declaration per unit, with its process and its people told (as in production)."""
    from workflow import notify, services

    made = []
    reviewer = people["bench-reviewer"]
    for unit in units:
        op, lead = people[f"{unit.code}-2"], people[f"{unit.code}-0"]
        d = services.declaration_create(programme=programme, unit=unit, by=op, data={
            "theme": "惠企政策面对面", "month": 5, "form": "forum", "focus_topic": "business_environment",
            "description": "邀请企业代表座谈，解读惠企政策。", "banner": programme.canonical_banner(unit.name),
            "contact_name": "张三", "contact_phone": "0731-84390001",
        })
        d = services.declaration_submit(declaration=d, by=lead)
        d = services.declaration_approve(declaration=d, by=reviewer)
        made.append(d)
    notify.tasks_opened(made)
    return made


def step_publish(args) -> list[dict]:
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from bench.steps import ops_units
    from workflow import notify, services

    units = ops_units(args.units)
    samples = max(3, min(args.samples // 3, 7))
    with rolled_back():
        User = get_user_model()
        usernames = [f"{u.code}-{k}" for u in units for k in (0, 2)] + ["bench-reviewer", "bench-scheduler"]
        User.objects.filter(username__in=usernames).update(email=_example_address())
        people = {u.username: u for u in User.objects.filter(username__in=usernames)}
        programme = _programme()
        declarations = _reviewed(programme, units, people)
        months = {d.pk: 5 + i % 6 for i, d in enumerate(declarations)}
        scheduler = people["bench-scheduler"]

        def publish(chosen, *, with_messages: bool):
            def run():
                with transaction.atomic():
                    if with_messages:
                        services.schedule_publish(programme=programme, by=scheduler, months=chosen)
                    else:
                        real = notify.tasks_opened
                        notify.tasks_opened = lambda *a, **k: 0
                        try:
                            services.schedule_publish(programme=programme, by=scheduler, months=chosen)
                        finally:
                            notify.tasks_opened = real
                    transaction.set_rollback(True)
            return run

        one = dict(list(months.items())[:1])
        publish(one, with_messages=True)()  # warm: the first publication also fills per-process caches
        extra_one = sql_count(publish(one, with_messages=True)) - sql_count(publish(one, with_messages=False))
        extra_all = sql_count(publish(months, with_messages=True)) - sql_count(publish(months, with_messages=False))
        with_times, without_times = interleaved([(publish(months, with_messages=True), publish(months, with_messages=False))
                                                 for _ in range(samples)])
        from notifications.models import Message

        with transaction.atomic():
            services.schedule_publish(programme=programme, by=scheduler, months=months)
            messages = Message.objects.filter(cause__startswith="task:", declaration__programme=programme,
                                              title__startswith="已排期").count()
            transaction.set_rollback(True)
    product, bare = summary(with_times), summary(without_times)
    product["sql_extra"], bare["sql_extra_one_row"] = extra_all, extra_one
    ratio = product["p50_ms"] / bare["p50_ms"]
    return [row("7 publish", f"publish a {len(months)}-row schedule with its {messages} messages vs without messages "
                f"(messages: {extra_one} statements for 1 row, {extra_all} for {len(months)})", product, bare,
                ratio=ratio, target="≤ 1.2× time; constant statements", ok=ratio <= 1.2 and extra_one == extra_all)]


def _example_address():
    """`<login>@example.com`, as an SQL expression (one UPDATE for every person)."""
    from django.db.models import Value
    from django.db.models.functions import Concat

    return Concat("username", Value("@example.com"))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def step_delivery(args) -> list[dict]:
    from aiosmtpd.controller import Controller
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.mail import EmailMessage, get_connection
    from django.db import connection, transaction

    from notifications import outbox
    from notifications.models import Delivery, DeliveryStatus, Kind, Message

    count = 2000 if args.units >= 1000 else 200
    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")

    class Sink:
        received = 0

        async def handle_DATA(self, server, session, envelope):
            Sink.received += 1
            return "250 OK"

    port = int(os.environ.get("BENCH_SMTP_PORT", "0")) or _free_port()
    controller = Controller(Sink(), hostname="127.0.0.1", port=port)
    controller.start()
    User = get_user_model()
    people = list(User.objects.filter(username__startswith="bench-u").order_by("pk")[:100])
    User.objects.filter(pk__in=[p.pk for p in people]).update(email=_example_address())
    s = connection.settings_dict
    # The worker as in production: DEBUG off (cached templates, no query log).
    env = {**os.environ, "CELERY_BROKER_URL": redis_url, "EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(port),
           "DEBUG": "0", "SECRET_KEY": "bench-only-" + "x" * 50, "ALLOWED_HOSTS": "localhost",
           "AUDIT_ANCHOR_KEY": "bench-only-anchor-" + "y" * 40,
           "DJANGO_SETTINGS_MODULE": "config.settings", "DATABASE_URL":
           f"postgres://{s['USER']}{':' + s['PASSWORD'] if s.get('PASSWORD') else ''}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"}
    log = tempfile.NamedTemporaryFile(prefix="bench-worker-", suffix=".log", delete=False)  # noqa: SIM115 (removed below)
    worker = subprocess.Popen([sys.executable, "-m", "celery", "-A", "config", "worker", "-P", "solo", "--without-gossip",
                               "--without-mingle", "--without-heartbeat", "-l", "INFO"],
                              env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while b" ready." not in open(log.name, "rb").read():  # noqa: SIM115
            if worker.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("worker did not start: " + open(log.name, errors="replace").read()[-2000:])  # noqa: SIM115
            time.sleep(0.1)
        from config.celery import app

        app.conf.update(broker_url=redis_url, task_always_eager=False)
        t = time.perf_counter()
        with transaction.atomic():
            outbox.write([outbox.Note(people[i % len(people)].pk, Kind.DECISION, f"bench-delivery:{i}", f"基准测试消息{i}",
                                      "正文", url="/") for i in range(count)])
        while Delivery.objects.filter(message__cause__startswith="bench-delivery:", status=DeliveryStatus.PENDING).exists():
            if worker.poll() is not None:
                raise RuntimeError("worker exited: " + open(log.name, errors="replace").read()[-2000:])  # noqa: SIM115
            time.sleep(0.05)
        seconds = time.perf_counter() - t
        sent = Delivery.objects.filter(message__cause__startswith="bench-delivery:", status=DeliveryStatus.SENT).count()
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        os.unlink(log.name)
        Message.objects.filter(cause__startswith="bench-delivery:").delete()
        User.objects.filter(pk__in=[p.pk for p in people]).update(email="")
    settings.EMAIL_BACKEND, settings.EMAIL_HOST, settings.EMAIL_PORT = "django.core.mail.backends.smtp.EmailBackend", "127.0.0.1", port
    t = time.perf_counter()
    with get_connection() as mail:
        mail.send_messages([EmailMessage(f"基准测试{i}", "正文", to=[f"bench{i}@example.com"]) for i in range(count)])
    bare_seconds = time.perf_counter() - t
    controller.stop()
    product = {"n": sent, "seconds": round(seconds, 2), "msgs_s": round(sent / seconds, 1)}
    bare = {"n": count, "seconds": round(bare_seconds, 2), "msgs_s": round(count / bare_seconds, 1)}
    return [row("8 delivery", f"{sent} mails outbox → Redis → worker → SMTP on loopback vs Django's SMTP backend in-process "
                f"({count} mails, one connection)", product, bare, ratio=product["msgs_s"] / bare["msgs_s"],
                target="— (measured)", ok=None)]
