"""gunicorn settings for one app copy: `gunicorn -c config/gunicorn.conf.py wsgi:app`.

Each setting can be given in the environment (GUNICORN_BIND, GUNICORN_WORKERS, …). Sync workers: a
request is short (the slow work is the worker's), and each worker holds at most one database
connection at a time, so a copy needs PORTAL_DATABASE_POOL_SIZE of 1–2 and PostgreSQL's
max_connections must cover workers × copies (+ the background workers).
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2))
worker_class = "sync"
# A request that has not answered in 30 s is a stuck worker: it is replaced, and its request gets a 502.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
graceful_timeout = 20
# Workers are replaced now and then (with jitter, so not all at once), which bounds any slow leak.
max_requests = 5000
max_requests_jitter = 500
# The app is loaded once and the workers forked from it; each opens its own database connections.
preload_app = True
# Behind nginx with keepalive connections to the upstream: keep them a little longer than nginx does.
keepalive = 35
accesslog = os.environ.get("GUNICORN_ACCESS_LOG")  # nginx or the app's JSON request log keep it otherwise
errorlog = "-"
control_socket_disable = True
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")


def post_fork(server, worker):
    """A forked worker must not share the parent's database connections."""
    from portal.extensions import db

    app = server.app.wsgi()
    with app.app_context():
        db.engine.dispose(close=False)
