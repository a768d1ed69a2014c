"""An in-process stand-in for Swift's memcache middleware (filter `cache`), for the test server.

tempauth refuses to work without a cache ("Memcache required"), and the proxy caches account
and container info in it. Running memcached would be a fifth service and a fifth port; the test
server has one proxy worker, so a dict in that process is the same cache. Values go through JSON
like MemcacheRing's (so a caller cannot mutate what was stored) and expire like memcached's:
`time` is seconds from now, or an absolute Unix time when larger than 30 days.
"""
import json
import time as _time

THIRTY_DAYS = 30 * 24 * 3600


class MemoryCache(object):
    def __init__(self):
        self._items = {}

    def _expiry(self, ttl):
        if not ttl:
            return None
        return ttl if ttl > THIRTY_DAYS else _time.time() + ttl

    def get(self, key, raise_on_error=False):
        item = self._items.get(key)
        if item is None:
            return None
        value, expires = item
        if expires is not None and expires <= _time.time():
            del self._items[key]
            return None
        return json.loads(value)

    def set(self, key, value, serialize=True, time=0, min_compress_len=0, raise_on_error=False):
        self._items[key] = (json.dumps(value), self._expiry(time))

    def incr(self, key, delta=1, time=0):
        value = int(self.get(key) or 0) + delta
        self.set(key, value, time=time)
        return value

    def decr(self, key, delta=1, time=0):
        return self.incr(key, -delta, time)

    def delete(self, key, server_key=None):
        self._items.pop(key, None)

    def get_multi(self, keys, server_key):
        return [self.get(key) for key in keys]  # keys are global in memcached too

    def set_multi(self, mapping, server_key, serialize=True, time=0, min_compress_len=0):
        for key, value in mapping.items():
            self.set(key, value, time=time)


def filter_factory(global_conf, **local_conf):
    cache = MemoryCache()

    def make_filter(app):
        def middleware(env, start_response):
            env['swift.cache'] = cache
            return app(env, start_response)
        return middleware
    return make_filter
