"""How often the console's sign-in form may be tried, by whom and from where.

Four counters, kept in the limiter's storage (Redis when ``ALUR_REDIS_URL`` is set, so every web
process sees the same counts; memory otherwise), each over a fixed window that starts at its first hit:

==================================  ===========================  =====================================
setting (default)                   counts                       when it is full
==================================  ===========================  =====================================
``ALUR_LOGIN_LIMIT_IP``             every sign-in attempt from   that address waits
("20 per minute")                   one address
``ALUR_LOGIN_ADDRESS_FAILURES``     failed attempts from one     that address waits, whatever
("30 per 15 minutes")               address, any username        username it tries
``ALUR_LOGIN_LOCKOUT``              failed attempts for one      that username is refused *from that
("10 per 15 minutes")               username from one address    address*, even with the right password
``ALUR_LOGIN_ACCOUNT_FAILURES``     failed attempts for one      that username is refused on browsers
("50 per hour")                     username from anywhere       it has never signed in on
==================================  ===========================  =====================================

Why this shape. A lockout per username alone lets anyone who knows a username lock that officer out by
failing on purpose. So failures lock the (username, address) pair: whoever fails locks themselves
out, and the officer still signs in from their own desk. Password spraying (one address, many
usernames) is stopped by the two per-address counters. A distributed guess (many addresses, one
username, each under the pair limit) is stopped by the per-account counter; it is set far above what
a person who forgot their password produces, and one address alone cannot fill it (the pair lockout
stops it at 40 an hour), so filling it takes a deliberate attack from several addresses. Even then it
does not lock the officer out: a browser on which that username signed in successfully before carries
a signed "known browser" cookie (OWASP's device-cookie scheme) and skips this one counter. What the
attacker gets is at most ``ALUR_LOGIN_ACCOUNT_FAILURES`` guesses per window against one account, from
however many addresses; what the officer loses is, at worst, signing in from a new browser until the
window ends.

Addresses are the WSGI ``REMOTE_ADDR``: behind a reverse proxy, ``ALUR_PROXY_HOPS`` (admin/app.py)
makes Werkzeug's ProxyFix take it from ``X-Forwarded-For`` as the trusted proxies wrote it; without
that setting the header is ignored, so a client cannot choose its own address. IPv6 addresses count
per /64, the block one subscriber usually holds. Usernames are counted whether or not they exist,
so the answers do not reveal which accounts do.
"""
from __future__ import annotations

import hashlib
import hmac
import ipaddress
import logging
import math
import os
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache

from flask import Flask, Response, current_app, request
from itsdangerous import BadSignature, URLSafeTimedSerializer

from workflow.core.calendar import OFFICE_TZ

logger = logging.getLogger(__name__)

SETTINGS = {
    "ALUR_LOGIN_LIMIT_IP": "20 per minute",
    "ALUR_LOGIN_ADDRESS_FAILURES": "30 per 15 minutes",
    "ALUR_LOGIN_LOCKOUT": "10 per 15 minutes",
    "ALUR_LOGIN_ACCOUNT_FAILURES": "50 per hour",
}
KNOWN_COOKIE = "alur_known_browser"
KNOWN_DAYS = 90
KNOWN_MAX_USERS = 8  # a shared front-desk computer is known for several officers
_NAMESPACE = "alur-login"


def client_address() -> str:
    """The client's address as counted here: the request's remote address, IPv6 cut to its /64."""
    raw = request.remote_addr or "unknown"
    try:
        address = ipaddress.ip_address(raw)
    except ValueError:
        return raw
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return address.exploded[:19]  # the first four groups: the /64 network
    return str(address)


def _user_key(username: str) -> str:
    # a digest, so a username with "/" cannot collide with another key and keys stay short
    return hashlib.sha256(username.encode("utf-8")).hexdigest()[:32]


@dataclass(frozen=True)
class Refusal:
    """Why a sign-in attempt is refused before its password is checked, and until when."""

    reason: str  # address_rate | address_failures | pair | account
    until: float  # epoch seconds

    def retry_after(self) -> int:
        return max(1, math.ceil(self.until - time.time()))

    def message(self, lang: str) -> str:
        """What happened and when to try again, for the sign-in page."""
        # rounded up to the minute: "after 10.46" must not be a moment that is still refused
        when = datetime.fromtimestamp(math.ceil(self.until / 60) * 60, timezone.utc).astimezone(OFFICE_TZ)
        seconds = self.retry_after()
        if lang == "en":
            wait = f"{seconds} seconds" if seconds < 90 else f"{math.ceil(seconds / 60)} minutes"
            again = f"Try again after {when:%H:%M} WIB (in about {wait})"
            return {
                "address_rate": f"Too many sign-in attempts from your network address. {again}.",
                "address_failures": f"Too many failed sign-ins from your network address. {again}.",
                "pair": f"Too many failed attempts for this account from your network address, so it is locked "
                        f"for a while from this address only. {again}, or ask an administrator to reset the "
                        "password.",
                "account": "This account is receiving many failed sign-ins from several addresses, so for now it "
                           f"can only be opened on a browser that has signed in to it before. {again}, or contact "
                           "an administrator.",
            }[self.reason]
        wait = f"{seconds} detik" if seconds < 90 else f"{math.ceil(seconds / 60)} menit"
        again = f"Coba lagi setelah pukul {when:%H.%M} WIB (sekitar {wait} lagi)"
        return {
            "address_rate": f"Terlalu banyak percobaan masuk dari alamat jaringan Anda. {again}.",
            "address_failures": f"Terlalu banyak percobaan masuk yang gagal dari alamat jaringan Anda. {again}.",
            "pair": "Terlalu banyak percobaan gagal untuk akun ini dari alamat jaringan Anda, sehingga akun ini "
                    f"dikunci sementara untuk alamat ini saja. {again}, atau minta administrator mengatur ulang "
                    "kata sandi.",
            "account": "Akun ini sedang menerima banyak percobaan masuk yang gagal dari berbagai alamat, sehingga "
                       "untuk sementara hanya dapat dibuka dari peramban yang pernah dipakai masuk ke akun ini. "
                       f"{again}, atau hubungi administrator.",
        }[self.reason]


@lru_cache(maxsize=32)
def _parse(rule: str):
    from limits import parse

    return parse(rule)


class LoginThrottle:
    """The four counters of the module docstring, on the Flask-Limiter's storage and strategy.

    The rules are read from the app's config at each attempt, so a changed setting applies at once.
    """

    def __init__(self, limiter) -> None:
        self.limiter = limiter
        self._resilient = None

    @property
    def _strategy(self):
        """The limiter's strategy, counting in this process' memory while Redis is down (so signing in never
        depends on Redis), and in memory alone when the app's rate limits are switched off."""
        if self._resilient is None:
            from limits.storage import MemoryStorage
            from limits.strategies import FixedWindowRateLimiter

            from admin.public.limits import Resilient

            enabled = self.limiter.enabled and self.limiter.initialized
            self._resilient = Resilient(self.limiter.limiter if enabled else FixedWindowRateLimiter(MemoryStorage()))
        return self._resilient

    def _item(self, setting: str):
        return _parse(str(current_app.config.get(setting) or SETTINGS[setting]))

    def _keys(self, username: str, address: str) -> dict[str, tuple[str, ...]]:
        user = _user_key(username)
        return {"ALUR_LOGIN_LIMIT_IP": (_NAMESPACE, "rate", address),
                "ALUR_LOGIN_ADDRESS_FAILURES": (_NAMESPACE, "address", address),
                "ALUR_LOGIN_LOCKOUT": (_NAMESPACE, "pair", user, address),
                "ALUR_LOGIN_ACCOUNT_FAILURES": (_NAMESPACE, "account", user)}

    def _until(self, setting: str, keys: tuple[str, ...]) -> float:
        reset = self._strategy.get_window_stats(self._item(setting), *keys).reset_time
        return max(float(reset), time.time() + 1)

    def check(self, username: str, address: str, *, known_browser: bool) -> Refusal | None:
        """Count the attempt against the address rate; a `Refusal` if any counter is full, else None."""
        keys = self._keys(username, address)
        strategy = self._strategy
        if not strategy.hit(self._item("ALUR_LOGIN_LIMIT_IP"), *keys["ALUR_LOGIN_LIMIT_IP"]):
            return Refusal("address_rate", self._until("ALUR_LOGIN_LIMIT_IP", keys["ALUR_LOGIN_LIMIT_IP"]))
        checks = [("address_failures", "ALUR_LOGIN_ADDRESS_FAILURES"), ("pair", "ALUR_LOGIN_LOCKOUT")]
        if not known_browser:
            checks.append(("account", "ALUR_LOGIN_ACCOUNT_FAILURES"))
        for reason, setting in checks:
            if not strategy.test(self._item(setting), *keys[setting]):
                return Refusal(reason, self._until(setting, keys[setting]))
        return None

    def failed(self, username: str, address: str) -> None:
        """A wrong password (or unknown or disabled user): one more failure on the three failure counters."""
        keys = self._keys(username, address)
        for setting in ("ALUR_LOGIN_ADDRESS_FAILURES", "ALUR_LOGIN_LOCKOUT", "ALUR_LOGIN_ACCOUNT_FAILURES"):
            self._strategy.hit(self._item(setting), *keys[setting])

    def succeeded(self, username: str, address: str) -> None:
        """Forget the pair's failures. The address and account counts stay: an attacker's failures must
        not be wiped by the officer signing in meanwhile."""
        keys = self._keys(username, address)
        try:
            self._strategy.clear(self._item("ALUR_LOGIN_LOCKOUT"), *keys["ALUR_LOGIN_LOCKOUT"])
        except Exception:  # noqa: BLE001 - clearing is a courtesy; the window expires anyway
            logger.debug("could not clear the sign-in failures of %s from %s", username, address)


# -- known browsers -------------------------------------------------------------------------------
def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="alur-known-browser")


def _tag(username: str) -> str:
    # the cookie names no one: a keyed digest of each username that signed in on this browser
    key = str(current_app.secret_key).encode("utf-8")
    return hmac.new(key, username.encode("utf-8"), hashlib.sha256).hexdigest()[:20]


def _known_tags() -> list[str]:
    value = request.cookies.get(KNOWN_COOKIE)
    if not value:
        return []
    try:
        tags = _serializer().loads(value, max_age=KNOWN_DAYS * 86400)
    except BadSignature:
        return []
    return [t for t in tags if isinstance(t, str)] if isinstance(tags, list) else []


def is_known_browser(username: str) -> bool:
    """Whether ``username`` signed in successfully on this browser within `KNOWN_DAYS`."""
    return _tag(username) in _known_tags()


def remember_browser(response: Response, username: str) -> Response:
    """Mark this browser as known for ``username`` (after a successful sign-in)."""
    tag = _tag(username)
    tags = [tag] + [t for t in _known_tags() if t != tag]
    response.set_cookie(KNOWN_COOKIE, _serializer().dumps(tags[:KNOWN_MAX_USERS]), max_age=KNOWN_DAYS * 86400,
                        path="/login", secure=current_app.config.get("SESSION_COOKIE_SECURE", True), httponly=True,
                        samesite="Lax")
    return response


def init_app(app: Flask, limiter) -> LoginThrottle:
    """Read the settings (app config, else the environment, else the defaults) and build the throttle."""
    for name, default in SETTINGS.items():
        app.config.setdefault(name, os.environ.get(name) or default)
    for name in SETTINGS:  # a malformed rule fails at start, not at the first sign-in
        try:
            _parse(str(app.config[name]))
        except ValueError as exc:
            raise ValueError(f"{name} must read like {SETTINGS[name]!r}, got {app.config[name]!r}") from exc
    throttle = LoginThrottle(limiter)
    app.extensions["alur_login_throttle"] = throttle
    return throttle


__all__ = ["LoginThrottle", "Refusal", "SETTINGS", "client_address", "is_known_browser", "remember_browser",
           "init_app", "KNOWN_COOKIE"]
