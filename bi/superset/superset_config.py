"""Superset's configuration for the local BI server (`make bi`); Superset imports it through
SUPERSET_CONFIG_PATH. Everything it writes lives under $INSIGHTS_BI_HOME ($INSIGHTS_HOME/bi)."""

import os
from pathlib import Path

_home = Path(os.environ["INSIGHTS_BI_HOME"])

# Generated once by `python -m insights.bi` and kept in the BI home (mode 0600); it signs sessions and
# encrypts the stored database password, so it must not change between runs.
SECRET_KEY = (_home / "secret_key").read_text(encoding="utf-8").strip()
SQLALCHEMY_DATABASE_URI = f"sqlite:///{_home / 'superset.db'}?check_same_thread=false"
DATA_DIR = str(_home / "data")

# Local, offline use: no telemetry, no update checks, no example data.
SCARF_ANALYTICS = False
# One small cache in memory; nothing needs Redis here.
CACHE_CONFIG = {"CACHE_TYPE": "SimpleCache", "CACHE_DEFAULT_TIMEOUT": 300}
DATA_CACHE_CONFIG = CACHE_CONFIG
# Served on the loopback interface only, over plain HTTP. The content security policy allows this
# server and nothing else: Superset's default one lets the pages load a tracking pixel (scarf.sh),
# map tiles and web fonts from the internet; here the browser never asks for them.
TALISMAN_ENABLED = True
TALISMAN_CONFIG = {
    "content_security_policy": {
        "base-uri": ["'self'"],
        "default-src": ["'self'"],
        "img-src": ["'self'", "blob:", "data:"],
        "worker-src": ["'self'", "blob:"],
        "connect-src": ["'self'"],
        "object-src": "'none'",
        "style-src": ["'self'", "'unsafe-inline'"],
        "font-src": ["'self'", "data:"],
        "script-src": ["'self'", "'strict-dynamic'"],
    },
    "content_security_policy_nonce_in": ["script-src"],
    "force_https": False,
    "session_cookie_secure": False,
}
THEME_FONT_URL_ALLOWED_DOMAINS: list[str] = []
SESSION_COOKIE_SECURE = False
WTF_CSRF_TIME_LIMIT = None
ROW_LIMIT = 50_000
SQLLAB_CTAS_NO_LIMIT = True
FEATURE_FLAGS = {"DASHBOARD_RBAC": False, "ALERT_REPORTS": False, "THUMBNAILS": False}
