"""Settings (config/settings.py) and the files a deployment starts from: gunicorn.conf.py for each app
copy and nginx.conf.template for the reverse proxy in front of them."""

from pathlib import Path

NGINX_TEMPLATE = Path(__file__).with_name("nginx.conf.template")
NGINX_NAMES = ("PORTAL_LISTEN", "PORTAL_UPSTREAMS", "PORTAL_STATIC", "PORTAL_CACHE", "PORTAL_RUN")


def nginx_config(**values: str) -> str:
    """The nginx configuration with this deployment's values, as
    `envsubst '${PORTAL_LISTEN} ${PORTAL_UPSTREAMS} …' < config/nginx.conf.template` writes it."""
    text = NGINX_TEMPLATE.read_text()
    for name in NGINX_NAMES:
        text = text.replace("${" + name + "}", values[name])
    return text
