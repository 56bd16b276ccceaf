"""A server process keeps the public column's versions it read until a change is announced on
Redis (`workflow.version_watch`): a kept version saves the round trip, and a change made by any
process shows on the next answer. Against the real Redis; CI runs them."""
from __future__ import annotations

import subprocess
import sys
import time

import pytest
import redis

from tests.notifications.conftest import REDIS_URL, redis_or_fail
from workflow import version_watch
from workflow.version_watch import VersionWatch

KEY = "public:v:plan:kaifu-2023"


class Fetches:
    """Reads the versions from Redis as `gongkai.cache.versions` does, and counts the reads."""

    def __init__(self, client: redis.Redis, during=None):
        self.client, self.count, self.during = client, 0, during

    def __call__(self, keys: list[str]) -> dict[str, str]:
        self.count += 1
        if self.during:
            self.during()
        return {key: value.decode() for key, value in zip(keys, self.client.mget(keys), strict=True) if value is not None}


def subscribed(watch: VersionWatch, fetch: Fetches) -> VersionWatch:
    watch.read([KEY], fetch)  # the first read starts this process's listener
    for _ in range(100):
        if watch.live:
            return watch
        time.sleep(0.02)
    pytest.fail("监听未能订阅 Redis 频道")


@pytest.fixture
def client():
    found = redis_or_fail()
    found.set(KEY, "v1")
    return found


def test_a_kept_version_saves_the_round_trip(client):
    fetch = Fetches(client)
    watch = subscribed(VersionWatch(REDIS_URL), fetch)
    assert watch.read([KEY], fetch) == {KEY: "v1"}
    reads = fetch.count
    assert watch.read([KEY], fetch) == {KEY: "v1"} and fetch.count == reads


def test_a_change_announced_by_another_process_shows_on_the_next_read(client):
    fetch = Fetches(client)
    watch = subscribed(VersionWatch(REDIS_URL), fetch)
    watch.read([KEY], fetch)
    # Another process (a worker, another server) writes the new version and announces it, as
    # `VersionWatch.announce` does there.
    code = (f"import redis; r = redis.Redis.from_url({REDIS_URL!r}); r.set({KEY!r}, 'v2'); "
            f"r.publish({watch.channel!r}, {KEY!r})")
    subprocess.run([sys.executable, "-c", code], check=True)
    for _ in range(100):  # the announcement arrives on the listener's thread
        if KEY not in watch._known:
            break
        time.sleep(0.01)
    assert watch.read([KEY], fetch) == {KEY: "v2"}


def test_the_process_that_announces_forgets_at_once(client):
    fetch = Fetches(client)
    watch = subscribed(VersionWatch(REDIS_URL), fetch)
    watch.read([KEY], fetch)
    client.set(KEY, "v2")
    watch.announce([KEY])
    assert watch.read([KEY], fetch) == {KEY: "v2"}


def test_a_read_that_overlaps_an_announcement_is_not_kept(client):
    watch = None

    def change_meanwhile():
        client.set(KEY, "v2")
        watch.forget([KEY])  # the announcement arrives while the old version is on its way

    fetch = Fetches(client)
    watch = subscribed(VersionWatch(REDIS_URL), fetch)
    watch.forget([KEY])
    client.set(KEY, "v1")
    overlapping = Fetches(client, during=change_meanwhile)
    assert watch.read([KEY], overlapping) == {KEY: "v2"}
    client.set(KEY, "v3")  # had the overlapping read been kept, this would go unseen
    assert watch.read([KEY], fetch) == {KEY: "v3"}


def test_without_a_listener_every_read_goes_to_redis(client):
    watch = VersionWatch("redis://127.0.0.1:1/0")  # nothing listens there: the thread never subscribes
    fetch = Fetches(client)
    for _ in range(3):
        assert watch.read([KEY], fetch) == {KEY: "v1"}
    assert fetch.count == 3 and not watch.live



def test_a_kept_version_is_read_again_after_keep_seconds_even_if_an_announcement_was_lost(client, monkeypatch):
    monkeypatch.setattr(version_watch, "KEEP_SECONDS", 0.05)
    fetch = Fetches(client)
    watch = subscribed(VersionWatch(REDIS_URL), fetch)
    watch.read([KEY], fetch)
    client.set(KEY, "v2")  # changed without an announcement (a publish that failed)
    assert watch.read([KEY], fetch) == {KEY: "v1"}  # within KEEP_SECONDS the kept one is used
    time.sleep(0.1)
    assert watch.read([KEY], fetch) == {KEY: "v2"}


def test_an_announcement_that_cannot_be_sent_is_logged_not_raised(client, caplog):
    fetch = Fetches(client)
    watch = subscribed(VersionWatch(REDIS_URL), fetch)
    watch.read([KEY], fetch)
    watch.url = "redis://127.0.0.1:1/0"  # Redis unreachable for the publisher
    watch._publisher = None
    client.set(KEY, "v2")
    watch.announce([KEY])  # the action has committed: nothing to raise into
    assert "未能通知" in caplog.text
    assert watch.read([KEY], fetch) == {KEY: "v2"}  # this process forgot at once all the same


def test_a_garbled_message_on_the_channel_does_not_stop_the_listener(client):
    fetch = Fetches(client)
    watch = subscribed(VersionWatch(REDIS_URL), fetch)
    client.publish(watch.channel, b"\xff\xfe not utf-8")
    watch.read([KEY], fetch)
    client.set(KEY, "v2")
    client.publish(watch.channel, KEY)
    for _ in range(100):
        if watch.live and KEY not in watch._known:
            break
        time.sleep(0.01)
    assert watch.live and watch.read([KEY], fetch) == {KEY: "v2"}
