"""The public column's versions a server process has read, kept until Redis says they changed.

Every public answer needs the versions of its page's scopes (`workflow.publication`). Reading
them is one Redis round trip, which costs as much as the rest of a cached answer. Where the
cache is Redis (`CACHE_URL`), each process keeps the versions it has read, and a thread of the
process listens on a Redis channel on which every change is announced (`announce`, called by
`publication` right after it writes the new versions); the thread forgets what changed as soon
as the announcement arrives, so a change shows on every server within the milliseconds it takes
to arrive, and at once in the process that made it.

Nothing is kept while the listener is not subscribed (the process just started, or Redis went
away and the thread is reconnecting): then every answer reads Redis, as without the watch. A
read that overlaps an announcement or a reconnection is not kept (the generation check). A kept
version is read again after `KEEP_SECONDS` whatever happens: Pub/Sub delivers at most once, so
an announcement lost on the way (a publish that failed, a connection that broke unnoticed)
costs at most that long. Without Redis (the demo's local memory), or with several Redis servers
(Django may read a replica that has not caught up), there is nothing to watch: every answer
reads the cache.
"""
from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterable

import redis
from django.conf import settings
from redis.backoff import NoBackoff
from redis.retry import Retry

log = logging.getLogger(__name__)

# Pub/Sub channels are not per database: the channel names the cache's database.
CHANNEL = "themeday:public:versions-changed:{db}"
# How long the listener waits without hearing anything before it pings Redis, and how long it
# then waits for the answer before it treats the connection as dead.
QUIET_SECONDS = 5.0
# How long a kept version is used before it is read again, announced or not.
KEEP_SECONDS = 30.0
# At most this many versions are kept (anyone may ask for pages of activities that do not exist).
KEEP_AT_MOST = 10_000


class VersionWatch:
    def __init__(self, url: str):
        self.url = url
        self._known: dict[str, tuple[str, float]] = {}  # key -> (version, when it is read again)
        self._lock = threading.Lock()
        self._live = False
        self._generation = 0  # changes with every forgetting: a read that overlapped one is not kept
        self._pid: int | None = None  # the process whose listener runs (gunicorn forks after import)
        self._publisher: redis.Redis | None = None
        self.channel = CHANNEL.format(db=redis.connection.parse_url(url).get("db", 0))

    def read(self, keys: list[str], fetch: Callable[[list[str]], dict[str, str]]) -> dict[str, str]:
        """The versions under `keys`: those this process knows, the others through `fetch` (Redis)."""
        self._listen_in_this_process()
        now = time.monotonic()
        with self._lock:
            kept = ((key, self._known.get(key)) for key in keys)
            found = {key: entry[0] for key, entry in kept if entry is not None and entry[1] > now}
            generation, live = self._generation, self._live
        missing = [key for key in keys if key not in found]
        if missing:
            fetched = fetch(missing)
            found.update(fetched)
            if live:
                with self._lock:
                    if self._generation == generation:
                        if len(self._known) + len(fetched) > KEEP_AT_MOST:
                            self._known.clear()
                        self._known.update((key, (version, now + KEEP_SECONDS)) for key, version in fetched.items())
        return found

    def forget(self, keys: Iterable[str]) -> None:
        with self._lock:
            self._generation += 1
            for key in keys:
                self._known.pop(key, None)

    def announce(self, keys: list[str]) -> None:
        """Tell every process (this one at once) that `keys` have new versions. A failed announcement
        is logged, not raised: the action has committed, and the others read again within KEEP_SECONDS."""
        self.forget(keys)
        try:
            if self._publisher is None:
                self._publisher = redis.Redis.from_url(self.url, socket_connect_timeout=2, socket_timeout=2)
            self._publisher.publish(self.channel, "\n".join(keys))
        except redis.RedisError as error:
            log.warning("公开专栏版本变更未能通知其他服务器进程（%s 秒内自行更新）：%s", int(KEEP_SECONDS), error)

    # ------------------------------------------------------------ the listener thread

    def _listen_in_this_process(self) -> None:
        pid = os.getpid()
        if self._pid == pid:
            return
        with self._lock:
            if self._pid == pid:
                return
            self._pid, self._live, self._publisher = pid, False, None
            self._known.clear()
            self._generation += 1
        threading.Thread(target=self._listen, name="public-version-watch", daemon=True).start()

    def _listen(self) -> None:
        while True:
            try:
                self._follow()
            except Exception as error:  # whatever breaks, the thread goes on: nothing is kept meanwhile
                log.warning("公开专栏版本监听中断，1 秒后重连：%s", error)
            finally:
                self._set_live(False)
            time.sleep(1)

    def _follow(self) -> None:
        # No retries inside redis-py: a broken connection must surface here, so that nothing is
        # kept until the new subscription is confirmed (announcements in between are lost).
        client = redis.Redis.from_url(self.url, socket_connect_timeout=2, socket_timeout=QUIET_SECONDS * 2,
                                      retry=Retry(NoBackoff(), 0))
        pubsub = client.pubsub()
        try:
            pubsub.subscribe(self.channel)
            pinged = None
            while True:
                message = pubsub.get_message(timeout=QUIET_SECONDS)
                if message is None:
                    if pinged is not None:
                        raise redis.ConnectionError("Redis 未回应")
                    pubsub.ping()
                    pinged = time.monotonic()
                    continue
                pinged = None
                if message["type"] == "subscribe":
                    self._set_live(True)  # from now on every change reaches us
                elif message["type"] == "message":
                    self.forget(message["data"].decode(errors="replace").split("\n"))
        finally:
            pubsub.close()
            client.close()

    def _set_live(self, live: bool) -> None:
        with self._lock:
            self._live = live
            self._known.clear()
            self._generation += 1

    @property
    def live(self) -> bool:
        return self._live


# One per process; None without Redis (the demo's local-memory cache needs no watching) or with
# several Redis servers (Django reads replicas, which may lag behind an announcement).
watch = VersionWatch(settings.CACHE_URL) if settings.CACHE_URL and "," not in settings.CACHE_URL else None
