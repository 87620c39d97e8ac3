"""Account safety of the review service: the password policy, login throttling and lockout.

* Policy (NIST SP 800-63B section 5.1.1.2): at least ``MIN_LENGTH`` characters, at least
  ``MIN_DISTINCT`` different characters (no "            "), not the user name, not in the
  common-password list shipped with the package (``common_passwords.txt``, its sources cited
  there).
* Throttling (OWASP Authentication Cheat Sheet, "account lockout"): an account with
  ``max_failed_logins`` consecutive failures is locked for ``lockout_s`` (stored in the database:
  a restart does not unlock it; an admin's enable does); an address with
  ``max_failures_per_address`` failures within ``lockout_s`` gets 429 for every name. Unknown
  user names are counted too, in memory, so lockout does not reveal which accounts exist.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque
from functools import lru_cache
from importlib import resources

from cxrgen.errors import InputError

#: NIST SP 800-63B asks for at least 8; 12 is the service's floor (no second factor here).
MIN_LENGTH = 12
MIN_DISTINCT = 5


class TooManyAttempts(Exception):
    """A login refused before checking the password (429), with ``Retry-After``."""

    status = 429

    def __init__(self, message: str, retry_after_s: int):
        super().__init__(message)
        self.retry_after_s = max(1, int(retry_after_s))


class HashingBusy(TooManyAttempts):
    """Every password-hashing slot stayed taken (503, with ``Retry-After``)."""

    status = 503


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    text = resources.files("cxrgen.serve").joinpath("common_passwords.txt").read_text("utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines()
                     if line.strip() and not line.startswith("#"))


def check_password(password: str, username: str) -> None:
    """Raise :class:`InputError` naming the rule a new password breaks."""
    if len(password) < MIN_LENGTH:
        raise InputError(f"password too short: use at least {MIN_LENGTH} characters")
    if len(set(password)) < MIN_DISTINCT:
        raise InputError(f"password too repetitive: use at least {MIN_DISTINCT} different "
                         f"characters")
    low = password.strip().lower()
    if low in (username.strip().lower(), username.strip().lower()[::-1]):
        raise InputError("password must not be the user name")
    if low in common_passwords():
        raise InputError("password is on the list of common passwords: choose another")


class Throttle:
    """In-memory failure windows per address and per (unknown) user name."""

    def __init__(self, settings):
        self.window_s = settings.lockout_s
        self.per_address = settings.max_failures_per_address
        self.per_name = settings.max_failed_logins
        self._fails: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        q = self._fails[key]
        while q and q[0] < now - self.window_s:
            q.popleft()
        return q

    def check(self, address: str, name: str) -> None:
        """Raise :class:`TooManyAttempts` when the address or the name is over its limit."""
        now = time.monotonic()
        with self._lock:
            for key, limit, what in ((f"addr:{address}", self.per_address, "this address"),
                                     (f"name:{name.lower()}", self.per_name, "this account")):
                q = self._recent(key, now)
                if len(q) >= limit:
                    wait = q[0] + self.window_s - now
                    raise TooManyAttempts(f"too many failed logins from {what}: retry in "
                                          f"{int(wait) + 1} s, or ask an administrator", wait)

    def failed(self, address: str, name: str) -> None:
        now = time.monotonic()
        with self._lock:
            for key in (f"addr:{address}", f"name:{name.lower()}"):
                self._recent(key, now).append(now)

    def succeeded(self, name: str) -> None:
        with self._lock:
            self._fails.pop(f"name:{name.lower()}", None)
