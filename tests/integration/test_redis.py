"""With Redis configured, rate limits are shared by every copy of the app, as in production."""

import os
import random

import pytest

REDIS_URL = os.environ.get("PORTAL_TEST_REDIS_URL")


@pytest.mark.skipif(not REDIS_URL, reason="set PORTAL_TEST_REDIS_URL to run against Redis")
def test_two_app_copies_share_one_rate_limit_through_redis(app):
    import redis

    from portal import create_app

    address = f"127.9.{random.randrange(256)}.{random.randrange(1, 255)}"  # this test's own counter
    settings = {"DATABASE_URL": app.config["DATABASE_URL"], "REDIS_URL": REDIS_URL, "WTF_CSRF_ENABLED": False}
    first, second = create_app(settings, env="testing"), create_app(settings, env="testing")
    assert first.config["RATELIMIT_STORAGE_URI"] == REDIS_URL
    data = {"name": "A", "email": "a@example.tw", "password": "x", "password_confirm": "x"}
    statuses = [(first if i % 2 else second).test_client()
                .post("/account/register", data=data, environ_base={"REMOTE_ADDR": address}).status_code
                for i in range(11)]
    assert statuses[:10] == [200] * 10 and statuses[10] == 429
    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(f"*{address}*"))
    assert keys, "the counts live in Redis, where every app copy reads them"
    client.delete(*keys)
    client.close()
    from portal.extensions import db

    for copy in (first, second):  # their connections closed here, not whenever they are collected
        with copy.app_context():
            db.engine.dispose()
