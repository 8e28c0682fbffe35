"""CSRF tokens, security headers (HSTS over HTTPS), the sign-in rate limits and the secret key."""

from __future__ import annotations

import hmac
import os
import secrets
import threading
import time
from collections import deque
from pathlib import Path

from flask import Response, abort, g, request, session

SECRET_KEY_FILE = "web-secret-key"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
#: Browsers that once reached us over HTTPS refuse plain HTTP for a year.
HSTS = "max-age=31536000"

#: Scripts and styles only from our own files: an injected <script> or
#: onclick= does not run even if some escaping were ever missed.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "img-src 'self' data:",
        "script-src 'self'",
        "style-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def load_secret_key(root: Path) -> str:
    """The library's session-signing key, created on first use and readable only by us.

    Kept in the library folder so every server process of one library (and
    a restart) accepts the same sessions.
    """
    path = root / SECRET_KEY_FILE
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    root.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process won the race; use its key
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(key + "\n")
    return key


def csrf_token() -> str:
    """The session's CSRF token, made on first use; forms and app.js send it back."""
    token = session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        session["csrf"] = token
    return token


def check_csrf() -> None:
    """Refuse a state-changing request whose token does not match the session's.

    Requests authenticated by a bearer token are exempt: a browser never
    attaches that header on its own, so a forged cross-site request cannot
    carry it.
    """
    if request.method in ("GET", "HEAD", "OPTIONS") or g.get("via_token"):
        return
    expected = session.get("csrf")
    sent = request.headers.get(CSRF_HEADER) or request.form.get(CSRF_FIELD, "")
    if not isinstance(expected, str) or not hmac.compare_digest(expected, sent):
        abort(
            400,
            description="This form has expired or did not come from photodesk. "
            "Reload the page and try again.",
        )


def add_security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if request.is_secure:
        # Only over HTTPS (directly or, with --behind-proxy, as the proxy reports):
        # a plain-HTTP development server must stay reachable.
        headers.setdefault("Strict-Transport-Security", HSTS)
    if "Cache-Control" not in headers:
        # Pages carry private captions and a CSRF token: never cache them.
        headers["Cache-Control"] = "no-store"
    return response


class RateLimiter:
    """Failed sign-ins allowed per name and address, and per address across all names.

    The first limit (``limit`` per ``window`` seconds for one name from one
    address) stops guessing one password; because it is per address, someone
    elsewhere cannot lock a user out. The second (``address_limit``) stops one
    address from trying a few passwords on many names. A success clears the
    name's count but not the address's, so signing in to one's own account
    does not reset an attack on others.

    Kept in memory: it protects one server process, which is how photodesk is
    served (waitress, threads); behind ``--behind-proxy`` the address is the
    client's, not the proxy's.
    """

    def __init__(self, limit: int, address_limit: int | None = None, window: float = 60.0):
        self.limit = limit
        self.address_limit = address_limit if address_limit is not None else 4 * limit
        self.window = window
        self._failures: dict[tuple[str, str, str], deque[float]] = {}
        self._lock = threading.Lock()

    def retry_after(self, name: str, address: str) -> int:
        """Seconds until another attempt is allowed; 0 when it is allowed now."""
        now = time.monotonic()
        with self._lock:
            waits = [
                self._wait(self._recent(key, now), limit, now)
                for key, limit in self._keys(name, address)
            ]
        return max(waits)

    def failed(self, name: str, address: str) -> None:
        now = time.monotonic()
        with self._lock:
            for key, _limit in self._keys(name, address):
                self._recent(key, now).append(now)
            if len(self._failures) > 10_000:
                self._prune(now)

    def succeeded(self, name: str, address: str) -> None:
        with self._lock:
            self._failures.pop(self._keys(name, address)[0][0], None)

    def _keys(self, name: str, address: str) -> list[tuple[tuple[str, str, str], int]]:
        return [
            (("name", name.casefold(), address), self.limit),
            (("address", "", address), self.address_limit),
        ]

    def _wait(self, hits: deque[float], limit: int, now: float) -> int:
        if len(hits) < limit:
            return 0
        return max(1, int(hits[-limit] + self.window - now) + 1)

    def _recent(self, key: tuple[str, str, str], now: float) -> deque[float]:
        hits = self._failures.setdefault(key, deque())
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        return hits

    def _prune(self, now: float) -> None:
        for key in [
            k for k, hits in self._failures.items() if not hits or hits[-1] <= now - self.window
        ]:
            del self._failures[key]
