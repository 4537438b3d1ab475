"""Failure alerting for Airflow tasks: a clear log line, and a webhook post when configured.

`INSIGHTS_ALERT_WEBHOOK` (a Slack/Teams-style incoming webhook URL) receives a JSON body
`{"text": ..., "dag_id", "task_id", "run_id", "error"}`. Alerting never raises: a broken
webhook must not hide the original failure.

The webhook URL is a secret (its path is the credential: whoever has it can post to the channel),
so it never reaches a log line: a failed post is logged with the host only, and any text that
`requests` put around it (the URL, its path, its query) is masked. Where the callback runs inside
Airflow, the URL is also registered with Airflow's secrets masker, so nothing else Airflow logs
shows it either.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

log = logging.getLogger(__name__)
MASK = "***"
# Path segments shorter than this are words (services, hooks, webhookb2), not credentials.
_MIN_SECRET_SEGMENT = 6


def alert_payload(context: dict[str, Any]) -> dict[str, str]:
    ti = context.get("task_instance") or context.get("ti")
    dag_id = getattr(ti, "dag_id", None) or str(context.get("dag_id", "?"))
    task_id = getattr(ti, "task_id", None) or str(context.get("task_id", "?"))
    run_id = str(context.get("run_id", "?"))
    error = str(context.get("exception") or "unknown error")
    return {
        "text": f"[product-insights] {dag_id}.{task_id} failed (run {run_id}): {error}",
        "dag_id": dag_id,
        "task_id": task_id,
        "run_id": run_id,
        "error": error,
    }


def masked_url(url: str) -> str:
    """What may be shown of a webhook URL: scheme and host only (https://hooks.slack.com/***)."""
    parts = urlsplit(url)
    host = parts.hostname or "?"
    return f"{parts.scheme or 'https'}://{host}/{MASK}"


def secret_parts(url: str) -> list[str]:
    """Every piece of `url` that could give the secret away, longest first: the URL itself, its path
    and query (whole, and as requests quotes them), and each path segment or query value long enough
    to be a token."""
    parts = urlsplit(url)
    path_and_query = parts.path + (f"?{parts.query}" if parts.query else "")
    pieces = {url, url.rstrip("/"), path_and_query, parts.path, parts.query}
    if "@" in parts.netloc:
        pieces.add(parts.netloc.rsplit("@", 1)[0])
    pieces |= {s for s in parts.path.split("/") if len(s) >= _MIN_SECRET_SEGMENT}
    for pair in parts.query.split("&"):
        value = pair.partition("=")[2]
        if len(value) >= _MIN_SECRET_SEGMENT:
            pieces.add(value)
    if parts.password:
        pieces.add(parts.password)
    return sorted((p for p in pieces if p and p not in ("/", parts.hostname)), key=len, reverse=True)


def mask(text: str, url: str) -> str:
    """`text` with every secret part of `url` replaced by ***."""
    for piece in secret_parts(url):
        text = text.replace(piece, MASK)
    return text


def register_secret(url: str) -> None:
    """Tell Airflow's secrets masker about the URL and its secret parts (no-op outside Airflow)."""
    try:
        from airflow.sdk.log import mask_secret
    except ImportError:  # running without Airflow (the CLI, tests of this module)
        return
    for piece in secret_parts(url):
        if len(piece) >= _MIN_SECRET_SEGMENT:
            # No name: Airflow masks a named value only when the name looks sensitive (password, token...).
            mask_secret(piece)


class _MaskFilter(logging.Filter):
    """Masks the webhook's secret parts in records of the HTTP libraries (urllib3 logs the request
    line, path included, at DEBUG)."""

    def __init__(self, url: str) -> None:
        super().__init__()
        self.url = url

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = mask(record.getMessage(), self.url), ()
        return True


_HTTP_LOGGERS = ("urllib3.connectionpool", "urllib3.connection", "urllib3.util.retry", "requests")


@contextmanager
def _masked_http_logs(url: str) -> Iterator[None]:
    masking = _MaskFilter(url)
    loggers = [logging.getLogger(name) for name in _HTTP_LOGGERS]
    for logger in loggers:
        logger.addFilter(masking)
    try:
        yield
    finally:
        for logger in loggers:
            logger.removeFilter(masking)


def post_webhook(url: str, payload: dict[str, str], timeout: float = 10.0) -> bool:
    import requests

    try:
        with _masked_http_logs(url):
            response = requests.post(url, json=payload, timeout=timeout)
        response.raise_for_status()
    except requests.HTTPError as exc:
        status = exc.response.status_code if exc.response is not None else "?"
        log.error("alert webhook %s failed: HTTP %s", masked_url(url), status)
        return False
    except requests.RequestException as exc:
        log.error("alert webhook %s failed: %s: %s", masked_url(url), type(exc).__name__, mask(str(exc), url))
        return False
    return True


def on_failure(context: dict[str, Any]) -> None:
    payload = alert_payload(context)
    log.error(payload["text"])
    url = os.environ.get("INSIGHTS_ALERT_WEBHOOK", "").strip()
    if url:
        register_secret(url)
        post_webhook(url, payload)
