"""HTTP calls to the national axis as one connected system (docs/axis-protocol.md, "Transport").

Every failure is one of two kinds: TemporaryFailure (the axis is down, busy, slow, 5xx, 429 —
try again later) or Refused (the axis answered that this request will never be accepted: 4xx,
with its reason). A token is fetched when first needed and again when it expires or is refused.
"""

from __future__ import annotations

import time
from typing import Any

import requests

TOKEN_MARGIN_SECONDS = 30


class TemporaryFailure(Exception):
    """Worth retrying later: connection refused or reset, timeout, 5xx, 429."""


class TooLarge(Exception):
    """A message past the size limit; `head` holds its first bytes, enough to name the package."""

    def __init__(self, max_bytes: int, head: bytes):
        super().__init__(f"the message is larger than the limit of {max_bytes} bytes")
        self.head = head


class Refused(Exception):
    """The axis will not accept this request as it is (4xx): `status` and its `message`/`details`."""

    def __init__(self, status: int, message: str, details: Any = None):
        super().__init__(f"{status} {message}")
        self.status = status
        self.message = message
        self.details = details


def _error_of(response: requests.Response) -> tuple[str, Any]:
    try:
        error = response.json()["error"]
        message, details = error.get("message") or error.get("code") or "", error.get("details")
    except (ValueError, KeyError, TypeError, AttributeError):
        message, details = response.text[:500], None
    if isinstance(details, list):
        named = "; ".join(
            f"{item.get('field')}: {item.get('problem')}" for item in details if isinstance(item, dict)
        )
        message = f"{message} ({named})" if named else message
    return message, details


class AxisClient:
    def __init__(self, base_url: str, system_id: str, secret: str, *, timeout: float):
        self.base_url = base_url.rstrip("/")
        self.system_id = system_id
        self._secret = secret
        # A short connect timeout: a host that drops packets is noticed quickly.
        self._timeout = (min(5.0, timeout), timeout)
        self._session = requests.Session()
        self._token: str | None = None
        self._token_expires = 0.0

    def close(self) -> None:
        self._session.close()

    def _request(self, method: str, path: str, *, stream: bool = False, **kwargs) -> requests.Response:
        try:
            response = self._session.request(
                method, self.base_url + path, timeout=self._timeout, stream=stream, **kwargs
            )
        except requests.RequestException as exc:
            raise TemporaryFailure(f"{method} {path}: {type(exc).__name__}: {exc}") from exc
        if response.status_code >= 500 or response.status_code in (408, 429):
            message, _ = _error_of(response)
            response.close()
            raise TemporaryFailure(f"{method} {path}: {response.status_code} {message}")
        return response

    def _bearer(self) -> str:
        if self._token is None or time.monotonic() > self._token_expires:
            response = self._request(
                "POST", "/api/v1/token", json={"system_id": self.system_id, "secret": self._secret}
            )
            if response.status_code != 200:
                # Wrong credentials are the deployment's to fix, not the message's: sends wait for it.
                message, _ = _error_of(response)
                raise TemporaryFailure(
                    f"the axis refused the credentials of system {self.system_id}: {message}"
                )
            body = response.json()
            self._token = body["access_token"]
            lifetime = float(body.get("expires_in") or 60)
            self._token_expires = time.monotonic() + max(1.0, lifetime - TOKEN_MARGIN_SECONDS)
        return self._token

    def _call(
        self, method: str, path: str, *, stream: bool = False, headers: dict | None = None, **kwargs
    ) -> requests.Response:
        """A call with the system's token; a refused token (expired early, axis restarted with a new
        key) is fetched again once."""
        for attempt in (1, 2):
            authorization = {"Authorization": f"Bearer {self._bearer()}"}
            response = self._request(
                method, path, stream=stream, headers=authorization | (headers or {}), **kwargs
            )
            if response.status_code == 401 and attempt == 1:
                response.close()
                self._token = None
                continue
            if response.status_code >= 400:
                message, details = _error_of(response)
                raise Refused(response.status_code, message, details)
            return response
        raise AssertionError("unreachable")

    def send_edoc(self, package: bytes) -> dict:
        """202 {"message_id", "document_id"}; the same answer again for a package sent before."""
        return self._call(
            "POST", "/api/v1/edocs", data=package, headers={"Content-Type": "application/xml"}
        ).json()

    def send_status(self, notice: bytes) -> dict:
        return self._call(
            "POST", "/api/v1/statuses", data=notice, headers={"Content-Type": "application/xml"}
        ).json()

    def pending(self, limit: int) -> list[dict]:
        """Messages not acknowledged yet, oldest first, for every agency this system speaks for."""
        return self._call("GET", f"/api/v1/messages/pending?limit={limit}").json()["messages"]

    def message(self, message_id: str, max_bytes: int) -> bytes:
        """The bytes of a message as sent; TooLarge past max_bytes, read no further."""
        response = self._call("GET", f"/api/v1/messages/{message_id}", stream=True)
        chunks, size = [], 0
        try:
            for chunk in response.iter_content(chunk_size=1024 * 1024):
                size += len(chunk)
                if size > max_bytes:
                    raise TooLarge(max_bytes, (b"".join(chunks) + chunk)[:65536])
                chunks.append(chunk)
        except requests.RequestException as exc:
            raise TemporaryFailure(f"GET message {message_id}: {type(exc).__name__}: {exc}") from exc
        finally:
            response.close()
        return b"".join(chunks)

    def agencies(self) -> list[dict]:
        """Every agency connected to the axis: {"id", "name", "parent", …}."""
        return self._call("GET", "/api/v1/agencies").json()["agencies"]

    def ack(self, message_id: str, to: str) -> None:
        self._call("POST", f"/api/v1/messages/{message_id}/ack", json={"to": to}).close()
