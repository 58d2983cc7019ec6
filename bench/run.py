"""Benchmarks: public advisory pages against a trivial Flask route on the same gunicorn settings
(directly and through nginx, asked for as browsers ask: compressed), then booking contention on a
mobile service day (bench/booking.py), then the KPI dashboard over a generated history of cases
(bench/stats.py), then the staff queue's page query over a generated backlog on PostgreSQL
(bench/staff_queue.py) and the queue page over HTTP on it (bench/queue_page.py), and hotline text
search over 200,000 calls (bench/hotline_search.py), then an alert's fan-out to 100,000 subscribers
(bench/fan_out.py) and email delivery by four workers to a local SMTP server (bench/delivery.py).

Loopback only, bounded in time. Needs `wrk` (apt-get install wrk). Prints requests per second and
the ratio of each advisory page to the trivial route (goal: at least 60 %), then bookings per second
under contention. BENCH_DATABASE_URL runs both on another database (e.g. PostgreSQL).
"""

import base64
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script: the portal and bench packages beside it
VENV_BIN = Path(sys.executable).parent
DURATION = os.environ.get("BENCH_SECONDS", "10")
WORKERS = os.environ.get("BENCH_WORKERS", "2")
PATHS = ["/advisories", "/advisories/JP", "/api/v1/advisories/JP"]
#: as browsers ask: the public pages come compressed (the trivial route is too small to be)
BROWSER_HEADERS = ["-H", "Accept-Encoding: gzip, deflate, br", "-H", "Accept-Language: zh-TW,zh;q=0.9,en;q=0.8"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(app_path: str, port: int, env: dict) -> subprocess.Popen:
    process = subprocess.Popen(
        [str(VENV_BIN / "gunicorn"), "--workers", WORKERS, "--worker-class", "sync", "--bind", f"127.0.0.1:{port}",
         "--no-control-socket", "--log-level", "warning", app_path], cwd=ROOT, env=env)
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1)
            return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit(f"server {app_path} did not start")


def load(url: str) -> float:
    for _ in range(2):  # warm every worker's connections and caches
        urllib.request.urlopen(url, timeout=5).read()
    subprocess.run(["wrk", "-t2", "-c16", "-d2s", *BROWSER_HEADERS, url], capture_output=True, check=True)
    output = subprocess.run(["wrk", "-t2", "-c32", f"-d{DURATION}s", "--latency", *BROWSER_HEADERS, url],
                            capture_output=True, text=True, check=True).stdout
    if "Non-2xx" in output:
        raise SystemExit(f"errors while loading {url}:\n{output}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))


def through_nginx(portal_port: int, baseline: float) -> None:
    """The anonymous public pages through nginx (config/nginx.conf.template) in front of the same
    gunicorn, against the trivial Flask route: nginx answers them from its page cache (goal: 5 ×)."""
    if not shutil.which("nginx"):
        print("nginx: skipped (apt-get install nginx)")
        return
    from config import nginx_config

    folder = Path(tempfile.mkdtemp(prefix="portal-bench-nginx-"))
    folder.chmod(0o755)  # nginx's workers run as an unprivileged user
    (folder / "cache").mkdir(mode=0o777)
    (folder / "cache").chmod(0o777)
    port = free_port()
    (folder / "nginx.conf").write_text(nginx_config(
        PORTAL_LISTEN=f"127.0.0.1:{port}", PORTAL_UPSTREAMS=f"server 127.0.0.1:{portal_port};",
        PORTAL_STATIC=f"{ROOT}/portal/static/", PORTAL_CACHE=str(folder / "cache"), PORTAL_RUN=str(folder)))
    nginx = subprocess.Popen(["nginx", "-p", str(folder), "-c", str(folder / "nginx.conf"), "-g", "daemon off;"])
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        for path in PATHS:
            rate = load(f"http://127.0.0.1:{port}{path}")
            print(f"{'nginx ' + path:32} {rate:9.0f} {rate / baseline:6.1f} × (goal: 5 ×)")
    finally:
        nginx.terminate()
        nginx.wait(10)
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install wrk")
    workdir = tempfile.mkdtemp(prefix="portal-bench-")
    env = {**os.environ, "PORTAL_ENV": "production", "PORTAL_SECRET_KEY": secrets.token_urlsafe(32),
           "PORTAL_DOCUMENT_SIGNING_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
           "PORTAL_PII_ENCRYPTION_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
           "PORTAL_PII_HASH_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
           "PORTAL_DATABASE_URL": os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{workdir}/bench.db",
           "PORTAL_INSTANCE_PATH": workdir}
    if os.environ.get("PORTAL_REDIS_URL"):
        env["PORTAL_REDIS_URL"] = os.environ["PORTAL_REDIS_URL"]
    flask = [str(VENV_BIN / "flask"), "--app", "wsgi"]
    setup_env = {**env, "PORTAL_ENV": "development"}
    subprocess.run([*flask, "db", "upgrade"], cwd=ROOT, env=setup_env, check=True, capture_output=True)
    subprocess.run([*flask, "seed"], cwd=ROOT, env=setup_env, check=True, capture_output=True)
    portal_port, trivial_port = free_port(), free_port()
    servers = [serve("wsgi:app", portal_port, env), serve("bench.trivial:app", trivial_port, env)]
    try:
        baseline = load(f"http://127.0.0.1:{trivial_port}/")
        print(f"{'route':32} {'req/s':>9} {'ratio':>7}")
        print(f"{'trivial Flask route':32} {baseline:9.0f} {'100 %':>7}")
        worst = 1.0
        for path in PATHS:
            rate = load(f"http://127.0.0.1:{portal_port}{path}")
            worst = min(worst, rate / baseline)
            print(f"{path:32} {rate:9.0f} {rate / baseline:6.0%}")
        print(f"lowest ratio: {worst:.0%} (goal: 60 %)")
        through_nginx(portal_port, baseline)
        os.environ.update(env)
        from bench.booking import contention
        from portal import create_app

        app = create_app()
        contention(app, portal_port)
        from bench.stats import kpis_at_scale

        kpis_at_scale(app)
        from bench.staff_queue import queue_at_scale

        queue_at_scale(app)
        from bench.queue_page import queue_page_at_scale

        queue_page_at_scale(app)
        from bench.hotline_search import hotline_search_at_scale

        hotline_search_at_scale(app)
        from bench.fan_out import fan_out_at_scale

        fan_out_at_scale(app)
        from bench.delivery import delivery_at_scale

        delivery_at_scale(app)
    finally:
        for server in servers:
            server.send_signal(signal.SIGTERM)
            server.wait(10)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
