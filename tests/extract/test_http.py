"""Sessions against the real simulator: auth schemes, GET only, retries, Retry-After, the wait cap."""

from __future__ import annotations

import base64
import socket
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest

from insights.extraction.extract import extract_interval
from insights.extraction.http import SourceAuthError, SourceHTTPError, make_session
from insights.settings import SourceEndpoint
from insights_dev.simulator import Faults, SimRequest, SimResponse
from insights_dev.simulator.protocol import json_response
from tests.extract import helpers as h

A = h.day_start(h.FIRST_DAY)
B = A + timedelta(days=1)


def small_world():  # type: ignore[no-untyped-def]
    return h.make_world(
        h.make_events(200), h.make_ticket_versions(20), h.make_forms(["f1"]), {"f1": h.make_responses("f1", 40)}
    )


class Recorder(Faults):
    """Records what reached the server (time, source, headers); optionally answers the first requests."""

    def __init__(
        self,
        source: str = "",
        injected: list[tuple[int, dict[str, str]]] | None = None,
        always: tuple[int, dict[str, str]] | None = None,
    ) -> None:
        self.source = source
        self.injected = list(injected or [])
        self.always = always
        self.seen: list[tuple[float, str, SimRequest]] = []
        self._lock = threading.Lock()

    def before(self, source: str, request: SimRequest) -> SimResponse | None:
        with self._lock:
            self.seen.append((time.monotonic(), source, request))
            if source != self.source:
                return None
            if self.always is not None:
                status, headers = self.always
            elif self.injected:
                status, headers = self.injected.pop(0)
            else:
                return None
        return json_response(status, {"error": "injected"}, list(headers.items()))


@pytest.mark.parametrize(
    ("source", "scheme", "secret"),
    [
        ("amplitude", "Basic", "sim-api-key:sim-secret-key"),
        ("zendesk", "Basic", "sim@example.com/token:sim-token"),
        ("typeform", "Bearer", "sim-token"),
    ],
)
def test_auth_scheme_and_user_agent(home: Path, source: str, scheme: str, secret: str) -> None:
    spy = Recorder()
    with h.running(small_world(), faults=spy) as sim:
        result = extract_interval(source, A, B, h.settings_for(home, sim))
    assert result.records_landed > 0
    headers = [r.headers for _, s, r in spy.seen if s == source]
    assert headers, "no request reached the server"
    for sent in headers:
        assert sent["user-agent"].startswith("product-insights-warehouse/")
        kind, _, value = sent["authorization"].partition(" ")
        assert kind == scheme
        assert (base64.b64decode(value).decode() if scheme == "Basic" else value) == secret


def test_session_refuses_anything_but_get() -> None:
    session = make_session("typeform", {"token": "t"})
    with pytest.raises(ValueError, match="only reads"):
        session.post("http://127.0.0.1:9/typeform/forms")
    with pytest.raises(ValueError, match="only reads"):
        session.request("DELETE", "http://127.0.0.1:9/typeform/forms/x")


@pytest.mark.parametrize(
    ("source", "bad_credentials", "status", "path"),
    [
        ("amplitude", {"api_key": "sim-api-key", "secret_key": "WRONG-SECRET-123"}, 403, "/amplitude/api/2/export"),
        ("zendesk", {"email": "sim@example.com", "api_token": "WRONG-SECRET-123"}, 401, "/zendesk/api/v2/incremental"),
        ("typeform", {"token": "WRONG-SECRET-123"}, 403, "/typeform/forms"),
    ],
)
def test_refused_credentials_give_a_clear_error_without_the_secret(
    home: Path, source: str, bad_credentials: dict[str, str], status: int, path: str
) -> None:
    with h.running(small_world()) as sim:
        endpoint = SourceEndpoint(source, sim.base_url(source), bad_credentials)
        with pytest.raises(SourceAuthError) as caught:
            extract_interval(source, A, B, h.settings_for(home, sim, **{source: endpoint}))
        statuses = [s for _, _, s in sim.request_log]
    message = str(caught.value)
    assert message.startswith(f"{source}: authentication refused (HTTP {status})")
    assert path in message
    assert "WRONG-SECRET-123" not in message
    assert statuses == [status]  # an auth failure is not retried
    assert h.landed_json(home / "raw") == []


def test_missing_credentials_name_the_environment_variables(home: Path) -> None:
    endpoint = SourceEndpoint("zendesk", "http://127.0.0.1:9/zendesk", {"email": "", "api_token": ""})
    with pytest.raises(SourceAuthError, match="INSIGHTS_ZENDESK_EMAIL, INSIGHTS_ZENDESK_API_TOKEN"):
        extract_interval("zendesk", A, B, h.settings_for(home, zendesk=endpoint))


def test_no_base_url_is_a_clear_error(home: Path) -> None:
    with pytest.raises(RuntimeError, match="INSIGHTS_TYPEFORM_URL"):
        extract_interval("typeform", A, B, h.settings_for(home))


def test_server_errors_are_retried_and_nothing_is_lost(home: Path, tmp_path: Path) -> None:
    world = small_world()
    with h.running(world) as sim:
        baseline = extract_interval("zendesk", A, B, h.settings_for(tmp_path / "baseline", sim))
    faults = Recorder("zendesk", injected=[(503, {}), (502, {}), (500, {})])
    with h.running(world, faults=faults) as sim:
        result = extract_interval("zendesk", A, B, h.settings_for(home, sim))
        statuses = [s for _, _, s in sim.request_log]
    assert statuses[:4] == [503, 502, 500, 200]
    assert result.requests == len(statuses) == baseline.requests + 3
    assert sorted(map(str, h.landed_json(home / "raw"))) == sorted(
        map(str, h.landed_json(tmp_path / "baseline" / "raw"))
    )
    assert result.records_landed == baseline.records_landed > 0


def test_retry_after_is_honoured(home: Path) -> None:
    faults = Recorder("zendesk", injected=[(429, {"Retry-After": "2"})])
    with h.running(small_world(), faults=faults) as sim:
        result = extract_interval("zendesk", A, B, h.settings_for(home, sim))
        statuses = [s for _, _, s in sim.request_log]
    times = [t for t, s, _ in faults.seen if s == "zendesk"]
    assert statuses[:2] == [429, 200]
    assert times[1] - times[0] >= 2.0  # the client waited what the server asked, not its own short backoff
    assert result.waited_seconds >= 2.0
    assert result.records_landed > 0


def test_total_wait_is_capped(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INSIGHTS_HTTP_MAX_WAIT", "2.5")
    faults = Recorder("typeform", always=(429, {"Retry-After": "1"}))
    began = time.monotonic()
    with h.running(small_world(), faults=faults) as sim, pytest.raises(SourceHTTPError) as caught:
        extract_interval("typeform", A, B, h.settings_for(home, sim))
    elapsed = time.monotonic() - began
    assert "HTTP 429 after the retry budget was spent" in str(caught.value)
    assert "/typeform/forms" in str(caught.value)
    # waits of 1 s + 1 s fit in 2.5 s, a third would not: three attempts, about two seconds
    assert len([1 for _, s, _ in faults.seen if s == "typeform"]) == 3
    assert 2.0 <= elapsed < 5.0


def test_amplitude_504_is_not_retried_but_splits_the_window(home: Path, tmp_path: Path) -> None:
    world = small_world()
    with h.running(world) as sim:
        baseline = extract_interval("amplitude", A, B, h.settings_for(tmp_path / "baseline", sim))
    faults = Recorder("amplitude", injected=[(504, {})])
    with h.running(world, faults=faults) as sim:
        result = extract_interval("amplitude", A, B, h.settings_for(home, sim))
        log = sim.request_log
    assert log[0][2] == 504
    assert "start=20260802T22&end=20260803T23" in log[0][1]
    assert "start=20260802T22&end=20260803T10" in log[1][1]  # 26 hours: 13 + 13
    assert "start=20260803T11&end=20260803T23" in log[2][1]
    assert len(log) == 3
    assert result.records_landed == baseline.records_landed > 0


def test_connection_failures_are_retried_then_reported(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INSIGHTS_HTTP_MAX_RETRIES", "2")
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.settimeout(0.1)
    port = listener.getsockname()[1]
    accepted = []
    stop = threading.Event()

    def accept_and_hang_up() -> None:
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            accepted.append(1)
            connection.recv(65536)
            connection.close()  # no HTTP answer at all

    thread = threading.Thread(target=accept_and_hang_up, daemon=True)
    thread.start()
    endpoint = SourceEndpoint("typeform", f"http://127.0.0.1:{port}/typeform", {"token": "t"})
    try:
        with pytest.raises(SourceHTTPError, match=r"typeform: cannot reach GET http://127\.0\.0\.1:\d+/typeform/forms"):
            extract_interval("typeform", A, B, h.settings_for(home, typeform=endpoint))
    finally:
        stop.set()
        thread.join(timeout=5)
        listener.close()
    assert len(accepted) == 3  # first attempt + 2 retries
