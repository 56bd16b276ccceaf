"""Sessions kept in the database and read through Redis (Django's `cached_db`), that go on
working while Redis does not answer.

Django's `cached_db` saves to the database first and only logs a failed write to Redis, but
reading a session it could not find in Redis, or asking whether a new key is taken, fails when
Redis does not answer: an outage would answer 500 to everyone signed in, and nobody could get a
new session. Here those two fall back to the database alone (logged). Ending a session (logout)
still fails loudly, as in Django: a session that Redis could not forget must not be taken for
ended.
"""
from __future__ import annotations

import logging

from django.contrib.sessions.backends import cached_db, db
from redis.exceptions import RedisError

log = logging.getLogger(__name__)


class SessionStore(cached_db.SessionStore):
    def load(self):
        try:
            return super().load()
        except RedisError:  # read from the database, then failed to keep it in Redis
            log.warning("会话缓存不可用：从数据库读取会话")
            return db.SessionStore.load(self)

    def exists(self, session_key):
        try:
            return super().exists(session_key)
        except RedisError:
            log.warning("会话缓存不可用：只在数据库中查找会话")
            return db.SessionStore.exists(self, session_key)
