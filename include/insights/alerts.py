"""Failure alerting for Airflow tasks: a clear log line, and a webhook post when configured.

`INSIGHTS_ALERT_WEBHOOK` (a Slack/Teams-style incoming webhook URL) receives a JSON body
`{"text": ..., "dag_id", "task_id", "run_id", "error"}`. Alerting never raises: a broken
webhook must not hide the original failure.
"""

from __future__ import annotations

import logging
import os
from typing import Any

log = logging.getLogger(__name__)


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


def post_webhook(url: str, payload: dict[str, str], timeout: float = 10.0) -> bool:
    import requests

    try:
        response = requests.post(url, json=payload, timeout=timeout)
        response.raise_for_status()
    except requests.RequestException as exc:
        log.error("alert webhook failed: %s", exc)
        return False
    return True


def on_failure(context: dict[str, Any]) -> None:
    payload = alert_payload(context)
    log.error(payload["text"])
    url = os.environ.get("INSIGHTS_ALERT_WEBHOOK", "").strip()
    if url:
        post_webhook(url, payload)
