"""HTTP sessions for the three SaaS APIs: auth, timeouts, retries, rate-limit waits, clear errors.

Retries live in urllib3 (``Retry`` mounted on an ``HTTPAdapter``), not in a hand-rolled loop:
exponential backoff on 5xx and connection errors, ``Retry-After`` honoured on 429/503, and a
cap on the total time one request may spend waiting (``BudgetedRetry``). Only GET is sent.
Credentials never reach a log line or an error message.
"""

from __future__ import annotations

import email.utils
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import ConnectTimeoutError, MaxRetryError, ReadTimeoutError
from urllib3.util import Retry

from insights import __version__
from insights.env_vars import env_float
from insights.sources import registered_sources

USER_AGENT = f"product-insights-warehouse/{__version__} (raw-zone extractor; python-requests/{requests.__version__})"

# Per source, from its spec (insights.sources.<name>.SPEC): the statuses retried, the credential variables.
RETRY_STATUSES: dict[str, frozenset[int]] = {spec.name: spec.retry_statuses for spec in registered_sources()}
CREDENTIAL_ENV = {spec.name: tuple(spec.credential_env.values()) for spec in registered_sources()}

log = logging.getLogger(__name__)


class SourceError(RuntimeError):
    """An API call failed in a way the extraction cannot work around."""


class SourceAuthError(SourceError):
    """401/403: the credentials (or the region/base URL) are wrong."""


class SourceHTTPError(SourceError):
    """An unexpected HTTP status after the retries were spent."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


# Read timeouts sized per API (the source's spec): an Amplitude export builds its archive before the
# first byte; Zendesk and Typeform answer a page in about a second.
DEFAULT_READ_TIMEOUTS = {spec.name: spec.read_timeout for spec in registered_sources()}


@dataclass(frozen=True)
class HttpPolicy:
    """Timeouts and retry budget of one session.

    ``max_total_wait`` caps the sum of all waits (backoff sleeps and ``Retry-After``) spent on one
    request, so a source that keeps answering 429/5xx fails the task instead of hanging it.
    ``read_retries`` bounds the attempts on a source that accepts the connection and then says
    nothing: such a request costs at most (read_retries + 1) x read_timeout, not minutes per try.
    """

    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    max_retries: int = 8
    read_retries: int = 2
    backoff_factor: float = 1.0
    backoff_max: float = 60.0
    max_total_wait: float = 900.0

    @property
    def hanging_source_seconds(self) -> float:
        """How long one request to a source that never answers can hold a task (waits excluded)."""
        return (min(self.read_retries, self.max_retries) + 1) * (self.connect_timeout + self.read_timeout)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, source: str | None = None) -> HttpPolicy:
        """Defaults (the read timeout of ``source``), overridable with INSIGHTS_HTTP_{CONNECT_TIMEOUT,
        READ_TIMEOUT,MAX_RETRIES,READ_RETRIES,BACKOFF_FACTOR,MAX_WAIT} (seconds, counts)."""
        default = cls(read_timeout=DEFAULT_READ_TIMEOUTS.get(source or "", cls.read_timeout))

        def number(name: str, fallback: float) -> float:
            return env_float(name, fallback, environ)

        return cls(
            connect_timeout=number("INSIGHTS_HTTP_CONNECT_TIMEOUT", default.connect_timeout),
            read_timeout=number("INSIGHTS_HTTP_READ_TIMEOUT", default.read_timeout),
            max_retries=int(number("INSIGHTS_HTTP_MAX_RETRIES", default.max_retries)),
            read_retries=int(number("INSIGHTS_HTTP_READ_RETRIES", default.read_retries)),
            backoff_factor=number("INSIGHTS_HTTP_BACKOFF_FACTOR", default.backoff_factor),
            backoff_max=default.backoff_max,
            max_total_wait=number("INSIGHTS_HTTP_MAX_WAIT", default.max_total_wait),
        )


class RetryBudgetExceeded(Exception):
    """The next wait would push the request's total waiting time over the policy's cap."""


class BudgetedRetry(Retry):
    """urllib3 ``Retry`` that also counts the seconds it will sleep and stops at a total cap.

    urllib3 calls ``increment`` and then ``sleep`` on the returned object, so the planned wait is
    known in ``increment``; refusing there makes urllib3 hand back the last response (429/5xx)
    because ``raise_on_status`` is off, and the caller turns it into a clear error.
    """

    def __init__(
        self, *args: Any, max_total_wait: float = 900.0, waited: float = 0.0, source: str = "", **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.max_total_wait = max_total_wait
        self.waited = waited
        self.source = source

    def new(self, **kwargs: Any) -> BudgetedRetry:
        kwargs.setdefault("max_total_wait", self.max_total_wait)
        kwargs.setdefault("waited", self.waited)
        kwargs.setdefault("source", self.source)
        return super().new(**kwargs)

    def _planned_wait(self, response: Any) -> float:
        # Mirrors Retry.sleep(): Retry-After (when present and honoured) wins over the backoff.
        if (
            response is not None
            and self.respect_retry_after_header
            and response.status in (self.RETRY_AFTER_STATUS_CODES)
        ):
            retry_after = self.get_retry_after(response)
            if retry_after:
                return retry_after
        return self.get_backoff_time()

    def increment(  # type: ignore[override]
        self,
        method: str | None = None,
        url: str | None = None,
        response: Any = None,
        error: Exception | None = None,
        _pool: Any = None,
        _stacktrace: Any = None,
    ) -> BudgetedRetry:
        new_retry = super().increment(method, url, response, error, _pool, _stacktrace)
        wait = new_retry._planned_wait(response)
        if new_retry.waited + wait > self.max_total_wait:
            reason = RetryBudgetExceeded(
                f"{self.source}: giving up on GET {url} after waiting {new_retry.waited:.0f}s in total "
                f"(next wait {wait:.0f}s would exceed the {self.max_total_wait:.0f}s cap)"
            )
            raise MaxRetryError(_pool, url, reason)  # type: ignore[arg-type]
        new_retry.waited += wait
        what = f"HTTP {response.status}" if response is not None else type(error).__name__
        log.debug("%s: %s on GET %s, retry %d in %.1fs", self.source, what, url, len(new_retry.history), wait)
        return new_retry


class BearerAuth(requests.auth.AuthBase):
    def __init__(self, token: str) -> None:
        self._token = token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self._token}"
        return request

    def __repr__(self) -> str:  # never print the token
        return "BearerAuth(***)"


class SourceSession(requests.Session):
    """A GET-only session with default timeouts that counts attempts (retries included) and waits."""

    def __init__(self, source: str, policy: HttpPolicy) -> None:
        super().__init__()
        self.source = source
        self.policy = policy
        self.attempts = 0
        self.retries = 0  # attempts that were retries (429, 5xx, connection errors), logged at DEBUG each
        self.waited_seconds = 0.0

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:
        verb = method.decode() if isinstance(method, bytes) else method
        if verb.upper() != "GET":
            raise ValueError(f"{self.source}: the extractor only reads; refusing HTTP {verb} {url!r}")
        kwargs.setdefault("timeout", (self.policy.connect_timeout, self.policy.read_timeout))
        try:
            response = super().request(method, url, *args, **kwargs)
        except requests.exceptions.RetryError as exc:  # pragma: no cover - raise_on_status is off
            raise SourceHTTPError(f"{self.source}: GET {url} failed after retries: {exc}") from exc
        except requests.exceptions.ConnectionError as exc:
            self.attempts += 1
            reason = _innermost(exc)
            tries = min(self.policy.read_retries, self.policy.max_retries) + 1
            if isinstance(reason, ReadTimeoutError):
                raise SourceHTTPError(
                    f"{self.source}: GET {url}: no answer within the {self.policy.read_timeout:g} s read timeout, "
                    f"{tries} attempts (INSIGHTS_HTTP_READ_TIMEOUT, INSIGHTS_HTTP_READ_RETRIES)"
                ) from exc
            if isinstance(reason, ConnectTimeoutError):
                raise SourceHTTPError(
                    f"{self.source}: cannot reach GET {url}: no connection within the "
                    f"{self.policy.connect_timeout:g} s connect timeout (INSIGHTS_HTTP_CONNECT_TIMEOUT)"
                ) from exc
            raise SourceHTTPError(f"{self.source}: cannot reach GET {url}: {_reason(exc)}") from exc
        retries = getattr(response.raw, "retries", None)
        log.debug("%s: GET %s -> HTTP %d in %.2f s", self.source, response.url, response.status_code,
                  response.elapsed.total_seconds())
        self.retries += len(retries.history) if retries is not None else 0
        self.attempts += 1 + (len(retries.history) if retries is not None else 0)
        self.waited_seconds += getattr(retries, "waited", 0.0) if retries is not None else 0.0
        return response


def _innermost(exc: BaseException) -> BaseException | None:
    for arg in getattr(exc, "args", ()):
        inner = getattr(arg, "reason", None)
        if inner is not None:
            return inner
    return None


def server_time(response: requests.Response) -> datetime:
    """The vendor's clock at the answer: its ``Date`` header, else (missing or malformed) the local clock.

    Availability is judged on it: what the vendor serves depends on its clock, not on ours.
    """
    value = response.headers.get("Date")
    if value:
        try:
            moment = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            moment = None
        if moment is not None:
            return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)
    return datetime.now(UTC)


def response_json(response: requests.Response, source: str) -> Any:
    """The body as JSON. Bytes that are not UTF-8 do not fail the page: they are decoded with
    ``surrogateescape``, so the record holding them is quarantined at landing (naming its line and
    field) and the others land."""
    body = response.content
    try:
        return json.loads(body)
    except UnicodeDecodeError:
        try:
            return json.loads(body.decode("utf-8", errors="surrogateescape"))
        except ValueError as exc:
            raise SourceHTTPError(f"{source}: GET {response.url} did not return JSON: {exc}") from exc
    except ValueError as exc:
        raise SourceHTTPError(f"{source}: GET {response.url} did not return JSON: {exc}") from exc


def _reason(exc: BaseException) -> str:
    """The innermost useful reason of a requests/urllib3 error (e.g. the retry-budget message)."""
    for arg in getattr(exc, "args", ()):
        inner = getattr(arg, "reason", None)
        if inner is not None:
            return str(inner)
    return str(exc)


def make_session(source: str, credentials: Mapping[str, str], policy: HttpPolicy | None = None) -> SourceSession:
    """A session for ``source`` with its auth scheme, User-Agent, timeouts and retry adapter."""
    if source not in RETRY_STATUSES:
        raise ValueError(f"unknown source {source!r}")
    policy = policy or HttpPolicy.from_env(source=source)
    session = SourceSession(source, policy)
    session.headers["User-Agent"] = USER_AGENT
    session.auth = _auth(source, credentials)
    retry = BudgetedRetry(
        total=policy.max_retries,
        connect=policy.max_retries,
        read=min(policy.read_retries, policy.max_retries),
        status=policy.max_retries,
        other=0,
        allowed_methods=frozenset({"GET"}),
        status_forcelist=RETRY_STATUSES[source],
        backoff_factor=policy.backoff_factor,
        backoff_max=policy.backoff_max,
        respect_retry_after_header=True,
        retry_after_max=max(1, int(policy.max_total_wait)),
        raise_on_status=False,
        raise_on_redirect=True,
        max_total_wait=policy.max_total_wait,
        source=source,
    )
    adapter = HTTPAdapter(max_retries=retry)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def _auth(source: str, credentials: Mapping[str, str]) -> requests.auth.AuthBase:
    def need(*keys: str) -> list[str]:
        missing = [k for k in keys if not (credentials.get(k) or "").strip()]
        if missing:
            raise SourceAuthError(
                f"{source}: missing credential(s) {', '.join(missing)}; "
                f"set {', '.join(CREDENTIAL_ENV[source])} in the environment"
            )
        return [credentials[k] for k in keys]

    if source == "amplitude":
        api_key, secret_key = need("api_key", "secret_key")
        return requests.auth.HTTPBasicAuth(api_key, secret_key)
    if source == "zendesk":
        email, token = need("email", "api_token")
        return requests.auth.HTTPBasicAuth(f"{email}/token", token)
    (token,) = need("token")
    return BearerAuth(token)


def raise_for_status(response: requests.Response, source: str, accept: frozenset[int] = frozenset()) -> None:
    """Clear errors for statuses the caller does not handle itself (``accept``); the URL holds no secret."""
    status = response.status_code
    if 200 <= status < 300 or status in accept:
        return
    url = response.url
    if status in (401, 403):
        raise SourceAuthError(
            f"{source}: authentication refused (HTTP {status}) for GET {url}; check "
            f"{', '.join(CREDENTIAL_ENV[source])} and the base URL/region"
        )
    snippet = _body_snippet(response)
    if status == 429 or status >= 500:
        raise SourceHTTPError(
            f"{source}: GET {url} still answered HTTP {status} after the retry budget was spent: {snippet}",
            status,
        )
    raise SourceHTTPError(f"{source}: unexpected HTTP {status} for GET {url}: {snippet}", status)


def _body_snippet(response: requests.Response) -> str:
    try:
        return response.text[:300].replace("\n", " ")
    except (requests.RequestException, RuntimeError):  # body already consumed or connection lost
        return ""
