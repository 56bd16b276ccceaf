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
read that overlaps an announcement or a reconnection is not kept (the generation check).
Without Redis (the demo's local memory) there is nothing to watch: the cache is this process's
own memory and is read directly.
"""
from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterable

import redis
from django.conf import settings

log = logging.getLogger(__name__)

# Pub/Sub channels are not per database: the channel names the cache's database.
CHANNEL = "themeday:public:versions-changed:{db}"
# How long the listener waits without hearing anything before it pings Redis, and how long it
# then waits for the answer before it treats the connection as dead.
QUIET_SECONDS = 5.0


class VersionWatch:
    def __init__(self, url: str):
        self.url = url
        self._known: dict[str, str] = {}
        self._lock = threading.Lock()
        self._live = False
        self._generation = 0  # changes with every forgetting: a read that overlapped one is not kept
        self._pid: int | None = None  # the process whose listener runs (gunicorn forks after import)
        self._publisher: redis.Redis | None = None
        self.channel = CHANNEL.format(db=redis.connection.parse_url(url).get("db", 0))

    def read(self, keys: list[str], fetch: Callable[[list[str]], dict[str, str]]) -> dict[str, str]:
        """The versions under `keys`: those this process knows, the others through `fetch` (Redis)."""
        self._listen_in_this_process()
        with self._lock:
            found = {key: self._known[key] for key in keys if key in self._known}
            generation, live = self._generation, self._live
        missing = [key for key in keys if key not in found]
        if missing:
            fetched = fetch(missing)
            found.update(fetched)
            if live:
                with self._lock:
                    if self._generation == generation:
                        self._known.update(fetched)
        return found

    def forget(self, keys: Iterable[str]) -> None:
        with self._lock:
            self._generation += 1
            for key in keys:
                self._known.pop(key, None)

    def announce(self, keys: list[str]) -> None:
        """Tell every process (this one at once) that `keys` have new versions."""
        self.forget(keys)
        if self._publisher is None:
            self._publisher = redis.Redis.from_url(self.url, socket_connect_timeout=2, socket_timeout=2)
        self._publisher.publish(self.channel, "\n".join(keys))

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
            except (redis.RedisError, OSError) as error:
                log.warning("公开专栏版本监听中断，1 秒后重连：%s", error)
            self._set_live(False)
            time.sleep(1)

    def _follow(self) -> None:
        client = redis.Redis.from_url(self.url, socket_connect_timeout=2, socket_timeout=QUIET_SECONDS * 2)
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
                    self.forget(message["data"].decode().split("\n"))
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


# One per process; None without Redis (the demo's local-memory cache needs no watching).
watch = VersionWatch(settings.CACHE_URL) if settings.CACHE_URL else None
