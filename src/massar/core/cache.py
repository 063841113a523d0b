"""Django's Redis cache, with one redis-py client per connection pool.

Django's RedisCacheClient builds a new `redis.Redis` object for every cache call, and redis-py
fills a table of ~160 response callbacks in each one: 0.45 ms a call, more than the round trip
to Redis itself. A signed-in results-day request makes two calls (its session, its results),
so that was about a fifth of the request's time (profile in bench/README.md). A client is
thread-safe and holds no connection of its own (it borrows one from the pool for each command),
so one per pool serves every thread of the process."""

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class _ReusedClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = _ReusedClient
