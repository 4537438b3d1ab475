"""The simulator's HTTP server: one ThreadingHTTPServer, the three vendor APIs under path prefixes.

with SimulatorServer(world, now=default_clock_for(world)) as sim:
    requests.get(sim.base_url("amplitude") + "/api/2/export", params=..., auth=...)
"""

from __future__ import annotations

import email.utils
import logging
import signal
import sys
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import FrameType
from urllib.parse import parse_qs, urlsplit

from insights.sources import source_names
from insights_dev.simulator.amplitude import AmplitudeStore
from insights_dev.simulator.credentials import simulated_api, simulated_credentials
from insights_dev.simulator.limits import Limits
from insights_dev.simulator.protocol import Faults, Handler, SimRequest, SimResponse, json_response
from insights_dev.simulator.world import World, as_utc

# Routes: one per registered source (insights.sources) with a simulated API module, each at /<source>.
SOURCES = tuple(source for source in source_names() if simulated_api(source) is not None)
log = logging.getLogger(__name__)


class SimulatorServer:
    """Serves a World over HTTP on a background thread; a context manager."""

    def __init__(
        self,
        world: World,
        *,
        now: datetime | None = None,
        clock: Callable[[], datetime] | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        limits: Limits = Limits(),  # noqa: B008 (frozen dataclass: a safe shared default)
        faults: Faults | None = None,
        amplitude_store: AmplitudeStore | None = None,  # pre-serialised events (the benchmark's scale world)
    ) -> None:
        self.world = world
        self.limits = limits
        self.faults = faults or Faults()
        if now is not None and clock is not None:
            raise ValueError("give either a pinned `now` or a `clock`, not both")
        self._now = as_utc(now) if now is not None else None
        # Unpinned, the vendors' clock is `clock` (a test's injected clock) or the wall clock.
        self._clock = clock or (lambda: datetime.now(UTC))
        self._host, self._port = host, port
        # One simulated API per registered source that has one (insights_dev.simulator.<source>.serve).
        self._apis: dict[str, Handler] = {
            source: simulated_api(source).serve(world, limits, amplitude_store=amplitude_store) for source in SOURCES
        }
        self._log: list[tuple[str, str, int]] = []
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> SimulatorServer:
        if self._httpd is not None:
            return self
        self._httpd = _QuietHTTPServer((self._host, self._port), _handler_for(self))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},  # stop() returns within 50 ms: fast test teardown
            name="insights-simulator",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is None:
            return
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._httpd = self._thread = None

    def __enter__(self) -> SimulatorServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- what clients need -----------------------------------------------------------------
    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("the simulator is not started")
        return self._httpd.server_address[1]

    def base_url(self, source: str) -> str:
        if source not in SOURCES:
            raise ValueError(f"unknown source {source!r}; expected one of {', '.join(SOURCES)}")
        return f"http://{self._host}:{self.port}/{source}"

    def credentials(self, source: str) -> dict[str, str]:
        if source not in SOURCES:
            raise ValueError(f"unknown source {source!r}; expected one of {', '.join(SOURCES)}")
        return simulated_credentials(source)

    # -- clock and contract-test helpers ---------------------------------------------------
    @property
    def now(self) -> datetime:
        with self._lock:
            return self._now if self._now is not None else as_utc(self._clock())

    def set_now(self, now: datetime) -> None:
        with self._lock:
            self._now = as_utc(now)

    @property
    def request_log(self) -> list[tuple[str, str, int]]:
        with self._lock:
            return list(self._log)

    def clear_request_log(self) -> None:
        with self._lock:
            self._log.clear()

    # -- request dispatch (called from handler threads) ------------------------------------
    def dispatch(self, request: SimRequest, source: str | None) -> SimResponse:
        now = self.now
        if source is None:
            if request.path.rstrip("/") == "/_sim/meta":
                return json_response(
                    200,
                    {
                        "first_day": self.world.first_day.isoformat(),
                        "last_day": self.world.last_day.isoformat(),
                        "now": now.isoformat(),
                    },
                )
            return json_response(404, {"error": f"no simulated API at {request.path}; use /{'|/'.join(SOURCES)}"})
        injected = self.faults.before(source, request)
        response = injected if injected is not None else self._apis[source](request, now)
        return self.faults.after(source, request, response)

    def record(self, method: str, target: str, status: int) -> None:
        with self._lock:
            self._log.append((method, target, status))


class _QuietHTTPServer(ThreadingHTTPServer):
    """A client that hangs up mid-request (a timed-out task, Ctrl-C on curl) is routine for a server:
    no traceback on stderr for it; anything else is still logged with its traceback."""

    def handle_error(self, request: object, client_address: tuple[str, int]) -> None:
        error = sys.exc_info()[1]
        if isinstance(error, ConnectionError | TimeoutError):
            log.debug("client %s:%s went away: %r", *client_address[:2], error)
            return
        log.exception("simulator error serving %s:%s", *client_address[:2])


def _handler_for(server: SimulatorServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive: clients reuse one connection per session
        # Without TCP_NODELAY, small keep-alive responses wait ~40 ms for the delayed ACK (Nagle).
        disable_nagle_algorithm = True
        server_version = "insights-simulator/1"

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)  # drain a body we ignore, so keep-alive stays in sync
            parts = urlsplit(self.path)
            segments = parts.path.split("/", 2)  # "", "<source>", "rest"
            source = segments[1] if len(segments) > 1 and segments[1] in SOURCES else None
            rest = segments[2] if len(segments) > 2 else ""
            inner = parts.path if source is None else "/" + rest
            request = SimRequest(
                method=self.command,
                path=inner,
                query=parse_qs(parts.query, keep_blank_values=True),
                headers={k.lower(): v for k, v in self.headers.items()},
                raw_target=self.path,
                host=self.headers.get("Host") or f"{server._host}:{server.port}",
            )
            try:
                response = server.dispatch(request, source)
            except Exception as exc:  # a simulator bug must surface as a 500, not a dropped connection
                log.exception("simulator error on %s %s", self.command, self.path)
                response = json_response(500, {"error": "simulator error", "description": repr(exc)})
            server.record(self.command, self.path, response.status)
            try:
                self.send_response(response.status)
                for name, value in response.headers:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(response.content_length))
                self.end_headers()
                if self.command != "HEAD":
                    for chunk in response.iter_chunks():
                        self.wfile.write(chunk)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True
            finally:
                response.close()

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _serve

        def date_time_string(self, timestamp: float | None = None) -> str:
            # The Date header is the vendor's clock, which clients judge availability on: send the
            # simulated clock, not the machine's (BaseHTTPRequestHandler's default).
            moment = server.now.timestamp() if timestamp is None else timestamp
            return email.utils.formatdate(moment, usegmt=True)

        def log_message(self, format: str, *args: object) -> None:
            log.debug("%s - %s", self.address_string(), format % args)

    return Handler


def serve_forever(
    world: World,
    *,
    host: str = "127.0.0.1",
    port: int = 8765,
    now: datetime | None = None,
    clock: Callable[[], datetime] | None = None,
    limits: Limits = Limits(),  # noqa: B008
    announce: Callable[[str], None] = print,
) -> None:
    """Run the simulator in the foreground until SIGINT or SIGTERM (for `insights sim serve`)."""
    stop = threading.Event()

    def _on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, _on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        with SimulatorServer(world, now=now, clock=clock, host=host, port=port, limits=limits) as sim:
            kind = "pinned" if now is not None else "live"
            announce(f"simulator serving {world.first_day}..{world.last_day}, {kind} clock {sim.now.isoformat()}")
            for source in SOURCES:
                creds = ", ".join(f"{k}={v}" for k, v in sim.credentials(source).items())
                announce(f"  {source:<9} {sim.base_url(source)}  ({creds})")
            announce(f"  meta      http://{host}:{sim.port}/_sim/meta   (Ctrl-C to stop)")
            while not stop.wait(0.5):
                pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
