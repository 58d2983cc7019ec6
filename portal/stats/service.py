"""The statistics' part of each worker round."""

from flask import current_app

from portal.core.db import DbSession
from portal.stats import rollups, usage


def redis_client():
    import redis

    return redis.Redis.from_url(current_app.config["REDIS_URL"])


def maintenance(session: DbSession) -> int:
    """Fold the usage counts waiting in Redis into the database, then bring the rollups up to date.
    Commits. Returns the source rows folded in."""
    if current_app.config.get("REDIS_URL"):
        usage.fold_from_redis(redis_client())
    else:
        usage.store().flush()
    return rollups.bring_up_to_date(session)
