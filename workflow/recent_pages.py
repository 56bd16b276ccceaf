"""The pages a server process answered last, kept in its own memory beside the shared cache.

Used by the public column (`gongkai.cache`) and the signed-in pages (`workflow.page_cache`).
"""
from __future__ import annotations

import threading
import time
from collections import OrderedDict


class RecentPages:
    """The pages this process answered last, one per address, as kept in the shared cache.

    A page is kept with the key of the versions it was built for and given back only for that
    key, so a kept page is never stale: a change gives new versions (read at every request),
    therefore a new key, and the address's next page replaces it. Keeping
    them saves reading a page of up to a few hundred kilobytes from Redis and unpickling it on
    every answer. Bounded by count (least recently used goes) and by the entry's own expiry.
    """

    def __init__(self, size: int):
        self.size = size
        self._pages: OrderedDict[str, tuple[str, dict]] = OrderedDict()  # address -> (key, entry)
        self._lock = threading.Lock()  # threaded servers (runserver, gthread) share one process

    def get(self, address: str, key: str) -> dict | None:
        with self._lock:
            found = self._pages.get(address)
            if found is None or found[0] != key or found[1]["expires"] < time.time():
                return None
            self._pages.move_to_end(address)
            return found[1]

    def put(self, address: str, key: str, entry: dict) -> None:
        with self._lock:
            self._pages[address] = (key, entry)
            self._pages.move_to_end(address)
            while len(self._pages) > self.size:
                self._pages.popitem(last=False)
