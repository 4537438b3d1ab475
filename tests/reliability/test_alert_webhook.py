"""The alert webhook URL is a secret (its path is the Slack/Teams credential): a failing webhook is
logged without any part of it (issue 13, finding 8), at every log level, and Airflow's masker knows it."""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest

from insights.alerts import on_failure, post_webhook
from tests.reliability.record import report

SECRET_PATH = "/services/T0SECRET1/B0SECRET2/xoxbSecretToken1234567890"
SECRET_QUERY = "sig=QuerySecretSignature987"
SECRETS = ("T0SECRET1", "B0SECRET2", "xoxbSecretToken1234567890", "QuerySecretSignature987")


class _Hook(BaseHTTPRequestHandler):
    status = 404
    delay = 0.0
    received: ClassVar[list[dict]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        type(self).received.append(json.loads(body))
        time.sleep(self.delay)
        self.send_response(self.status)
        self.end_headers()
        with contextlib.suppress(BrokenPipeError):  # the client gave up (the timeout case)
            self.wfile.write(b"no_service")

    def log_message(self, *args: object) -> None:  # the server's own access log is not ours to test
        pass


@pytest.fixture
def hook() -> Iterator[tuple[type[_Hook], int]]:
    handler = type("Hook", (_Hook,), {"received": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield handler, server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _logged(caplog: pytest.LogCaptureFixture) -> str:
    return "\n".join(r.getMessage() + (r.exc_text or "") for r in caplog.records)


def _assert_no_secret(text: str) -> None:
    leaked = [s for s in SECRETS if s in text]
    assert not leaked, f"webhook secret(s) {leaked} in the log:\n{text}"


@pytest.mark.parametrize("failure", ["http-404", "http-500", "refused", "timeout"])
def test_a_failing_webhook_is_logged_without_its_secret(
    failure: str, hook: tuple[type[_Hook], int], caplog: pytest.LogCaptureFixture
) -> None:
    handler, port = hook
    if failure == "refused":
        port = _closed_port()
    handler.status = 500 if failure == "http-500" else 404
    handler.delay = 1.0 if failure == "timeout" else 0.0
    url = f"http://127.0.0.1:{port}{SECRET_PATH}?{SECRET_QUERY}"
    caplog.set_level(logging.DEBUG)  # urllib3 logs the request line, path included, at DEBUG

    assert post_webhook(url, {"text": "boom"}, timeout=0.3) is False

    logged = _logged(caplog)
    report(f"alert webhook fails ({failure})", "secrets", injected=1,
           survived=not any(s in logged for s in SECRETS), records_lost=0,
           check="no part of the webhook URL's path or query in any log line (DEBUG included)")
    _assert_no_secret(logged)
    assert "alert webhook http://127.0.0.1/*** failed" in logged  # still says which host failed, and how
    expected = {"http-404": "HTTP 404", "http-500": "HTTP 500", "refused": "ConnectionError", "timeout": "Timeout"}
    assert expected[failure] in logged


def test_the_mask_covers_what_requests_says_about_the_url() -> None:
    """The check itself can fail: the raw exception texts requests produces do hold the secret."""
    import requests

    from insights.alerts import masked_url, secret_parts

    url = f"http://127.0.0.1:{_closed_port()}{SECRET_PATH}?{SECRET_QUERY}"
    with pytest.raises(requests.RequestException) as raised:
        requests.post(url, json={}, timeout=0.3)
    assert any(s in str(raised.value) for s in SECRETS)  # unmasked, requests names the path
    with pytest.raises(AssertionError):
        _assert_no_secret(str(raised.value))
    assert set(SECRETS) <= {p for p in secret_parts(url)}
    assert masked_url(url) == "http://127.0.0.1/***"


def test_on_failure_posts_the_alert_and_registers_the_url_with_airflow(
    hook: tuple[type[_Hook], int], monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from airflow.sdk.log import redact

    handler, port = hook
    handler.status = 200
    url = f"http://127.0.0.1:{port}{SECRET_PATH}?{SECRET_QUERY}"
    monkeypatch.setenv("INSIGHTS_ALERT_WEBHOOK", url)
    caplog.set_level(logging.DEBUG)

    on_failure({"dag_id": "warehouse_build", "task_id": "publish", "run_id": "r1", "exception": "refused"})

    assert handler.received and handler.received[0]["text"].endswith("warehouse_build.publish failed (run r1): refused")
    _assert_no_secret(_logged(caplog))
    # Anything Airflow logs afterwards (its own task log, a traceback) is masked too.
    _assert_no_secret(str(redact(f"POST {url} failed; path {SECRET_PATH}")))
