"""Two application servers (`make serve` on two loopback ports) against the same PostgreSQL and
Redis behave as one: a person logs in through one, claims a task through the other, completes
it through the first, and both show the same pages. Nothing a request needs is kept in a
process: sessions and lockouts are in the database, the cache in Redis."""
from __future__ import annotations

import datetime as dt
import re
import time

import pytest
from django.db import connection
from viewflow.workflow.status import STATUS

from scripts.serve_check import Server, Session
from tests import factories
from workflow import services, version_watch
from workflow.flows import DeclarationFlow
from workflow.models import Declaration, State
from workflow.process import process_of
from workflow.trail.checkpoints import checkpoint

pytestmark = pytest.mark.postgres

PASSWORD = "pw-for-tests-only"
REDIS_DB2 = "redis://127.0.0.1:6379/2"  # this suite's Redis database; the servers fail /readyz without Redis
# The pages both servers must show alike once the task is done: one line per page.
SAME_ON_BOTH = [
    "/",
    "/queue/",
    "/done/",
    "/declarations/",
    "/messages/",  # the message center: the approval's messages, written by the one that served it
    "/gongkai/kaifu-2023/",  # the public column, from the cache the two servers share
]


@pytest.fixture
def world_on_disk(audit_flushable, settings):
    """A submitted declaration whose review waits in the reviewers' queue, committed for the servers."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]  # the servers' hasher
    world = factories.World.build(factories.kaifu_programme())
    for person in (world.reviewer, world.operator):
        person.set_password(PASSWORD)
        person.save(update_fields=["password"])
    services.deadline_extension_grant(programme=world.programme, unit=world.unit, until=dt.date(2099, 12, 31),
                                      reason="测试：允许延期报送", by=world.reviewer)
    declaration = world.declaration("submitted")
    return world, declaration


@pytest.fixture(scope="module")
def servers(django_db_setup, tmp_path_factory):
    """Two `make serve` processes, one after the other (collectstatic), sharing the test database
    (they hold no connection between requests, so each test's data and flush are its own)."""
    tmp_path = tmp_path_factory.mktemp("servers")
    settings = connection.settings_dict
    env = {"DATABASE_URL": f"postgres://{settings['USER']}@{settings['HOST']}:{settings['PORT']}/{settings['NAME']}",
           "CACHE_URL": REDIS_DB2, "SECRET_KEY": "two-servers-share-one-secret-key-0123456789abcdefghijklmnop",
           "AUDIT_ANCHOR_KEY": "two-servers-share-one-anchor-key-0123456789abcdefghijklmnop"}
    started = []
    try:
        for port in (18221, 18222):
            started.append(Server(port, env=env, workers=1, log=tmp_path / f"serve-{port}.log").start())
        yield started
    finally:
        for server in started:
            server.stop()


def main_of(html: str) -> str:
    """The page's content, without what differs by response (CSRF tokens) or by the server's own
    address (the public column's absolute links: behind a load balancer both answer for one name)."""
    main = re.search(r"<main[^>]*>(.*)</main>", html, re.S).group(1)
    main = re.sub(r"127\.0\.0\.1:1822[12]", "SERVER", main)
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", main)


def test_two_servers_behave_as_one(servers, world_on_disk):
    a, b = servers
    world, declaration = world_on_disk
    for server in (a, b):
        assert Session().request(f"{server.base}/readyz")[0] == 200

    person = Session()
    person.login(a.base, world.reviewer.username, PASSWORD)  # through A

    status, queue, _ = person.request(f"{b.base}/queue/")  # the session works on B
    assert status == 200 and world.unit.name in queue
    task = re.search(r'href="/tasks/(\d+)/"', queue).group(1)
    status, html, _ = person.post(f"{b.base}/tasks/{task}/", {"claim": "1"})  # claimed through B
    assert status == 200

    status, html, _ = person.post(f"{a.base}/tasks/{task}/", {"decision": "approve"})  # completed through A
    assert status == 200 and "我的待办" in html
    assert Declaration.objects.get(pk=declaration.pk).state == State.REVIEWED
    review = process_of(declaration).task_set.get(flow_task=DeclarationFlow.review)
    assert review.status == STATUS.DONE and review.owner == world.reviewer

    for path in SAME_ON_BOTH:
        on_a, on_b = person.request(f"{a.base}{path}"), person.request(f"{b.base}{path}")
        assert on_a[0] == on_b[0] == 200, path
        assert main_of(on_a[1]) == main_of(on_b[1]), path


def test_a_lockout_on_one_server_holds_on_the_other(servers, world_on_disk):
    a, b = servers
    world, _ = world_on_disk
    attacker = Session()
    attacker.request(f"{a.base}/login/")
    for _ in range(5):
        attacker.post(f"{a.base}/login/", {"username": world.operator.username, "password": "guess"})

    person = Session()
    person.request(f"{b.base}/login/")
    status, html, _ = person.post(f"{b.base}/login/", {"username": world.operator.username, "password": PASSWORD})
    assert status == 429 and "已被锁定 15 分钟" in html


def test_a_change_made_anywhere_shows_at_once_on_both_servers(servers, world_on_disk, settings, monkeypatch):
    """Each server keeps the public column's versions it read (`workflow.version_watch`) until a
    change is announced: a checkpoint taken by another process (the daily job, on a worker)
    shows on both servers as soon as the announcement arrives."""
    a, b = servers
    page = "/gongkai/audit-anchors/"
    for server in (a, b):
        for _ in range(3):  # the first answer starts the server's listener; the later ones use what it kept
            assert Session().request(f"{server.base}{page}")[0] == 200
    # This process writes to the servers' Redis, as a worker does.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_DB2,
                                   "KEY_PREFIX": "themeday"}}
    monkeypatch.setattr(version_watch, "watch", version_watch.VersionWatch(REDIS_DB2))
    taken = checkpoint()
    for server in (a, b):
        assert shows_soon(server, page, f'data-anchor="{taken.pk}"'), server.base


def shows_soon(server, page: str, text: str, *, seconds: float = 3.0) -> bool:
    """The page shows `text` once the announcement has reached the server's listener (Pub/Sub
    delivers in about a millisecond; a request sent in that moment may still get the kept page)."""
    deadline = time.monotonic() + seconds
    while True:
        status, html, _ = Session().request(f"{server.base}{page}")
        if status == 200 and text in html:
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
