"""Users, roles and bearer-token sessions.

Passwords are hashed with Argon2id; the defaults are argon2-cffi's (RFC 9106's second
recommended parameter set: 3 passes over 64 MiB). Hashes made with other parameters are
re-hashed at the next successful login. A login returns a random 256-bit token; the server stores only its SHA-256, with
an expiry. Roles:

* ``radiologist``: uploads studies, edits and signs reports, sees patient identifiers (PHI);
* ``reviewer``: reads studies and reports without PHI, reads the audit log, rates in human
  evaluation sessions;
* ``admin``: manages users and their sessions, reads studies and the audit log, but neither
  uploads, edits nor signs clinical reports (those are clinical acts).

Sessions end at logout, after ``token_ttl_s``, after ``idle_timeout_s`` without a request, when
the account is disabled, or when an admin revokes all of the user's tokens. At most
``max_concurrent_hashes`` Argon2 hashes run at once (64 MiB each by default); a login that cannot
get a slot within ``HASH_WAIT_S`` gets 503.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
from datetime import datetime, timedelta, timezone

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from cxrgen.errors import InputError
from cxrgen.serve.accounts import HashingBusy, TooManyAttempts, check_password
from cxrgen.serve.db.models import AuthToken, User, utcnow

ROLES = ("radiologist", "reviewer", "admin")
#: What each role may do; the API checks permissions, never role names.
PERMISSIONS = {
    "radiologist": {"read", "upload", "edit", "sign", "see_phi", "rate"},
    "reviewer": {"read", "audit", "rate"},
    "admin": {"read", "see_phi", "audit", "manage_users", "manage_eval"},
}
ALL_PERMISSIONS = ("read", "upload", "edit", "sign", "see_phi", "audit", "manage_users",
                   "manage_eval", "rate")
#: How long a login waits for a free hashing slot before 503.
HASH_WAIT_S = 10.0
#: ``last_seen_at`` is rewritten at most this often (seconds): not one write per request.
TOUCH_EVERY_S = 60


class Passwords:
    """Argon2id hashing with the service's parameters, at most ``max_concurrent`` at once."""

    def __init__(self, time_cost: int | None = None, memory_kib: int | None = None,
                 max_concurrent: int = 2):
        defaults = PasswordHasher()
        self.hasher = PasswordHasher(time_cost=time_cost or defaults.time_cost,
                                     memory_cost=memory_kib or defaults.memory_cost)
        self._slots = threading.BoundedSemaphore(max_concurrent)
        #: verified when the user does not exist, so that a login for an unknown name takes as
        #: long as one with a wrong password (no user enumeration by timing)
        self.dummy = self.hasher.hash("not-a-password")

    def _slot(self):
        if not self._slots.acquire(timeout=HASH_WAIT_S):
            raise HashingBusy("server busy checking passwords: retry shortly", 2)
        return self._slots

    def hash(self, password: str, username: str) -> str:
        check_password(password, username)
        slot = self._slot()
        try:
            return self.hasher.hash(password)
        finally:
            slot.release()

    def verify(self, stored: str, password: str) -> bool:
        slot = self._slot()
        try:
            self.hasher.verify(stored, password)
            return True
        except (VerificationError, InvalidHashError):
            return False
        finally:
            slot.release()


def can(role: str, permission: str) -> bool:
    return permission in PERMISSIONS.get(role, set())


def find_user(db: Session, username: str) -> User | None:
    """User names are unique regardless of case (``Admin`` is ``admin``)."""
    return db.scalar(select(User).where(func.lower(User.username) == username.strip().lower()))


def create_user(db: Session, username: str, password: str, role: str, passwords: Passwords) -> User:
    if role not in ROLES:
        raise InputError(f"unknown role {role!r}; valid roles: {', '.join(ROLES)}")
    username = username.strip()
    if not username or len(username) > 64:
        raise InputError("username must be 1 to 64 characters")
    if find_user(db, username):
        raise InputError(f"user {username!r} already exists (names ignore case)")
    user = User(username=username, password_hash=passwords.hash(password, username), role=role)
    db.add(user)
    db.flush()
    return user


def _aware(dt: datetime | None) -> datetime | None:
    """SQLite returns naive datetimes, which are UTC by construction here."""
    return dt.replace(tzinfo=timezone.utc) if dt is not None and dt.tzinfo is None else dt


def authenticate(db: Session, username: str, password: str, passwords: Passwords,
                 settings) -> User | None:
    """The user when the password is right and the account active and unlocked; ``None`` when
    wrong (the failure is counted); :class:`TooManyAttempts` while the account is locked."""
    user = find_user(db, username)
    now = utcnow()
    if user is not None and user.locked_until and _aware(user.locked_until) > now:
        wait = (_aware(user.locked_until) - now).total_seconds()
        raise TooManyAttempts(f"too many failed logins for this account: retry in {int(wait) + 1}"
                              f" s, or ask an administrator", wait)
    ok = passwords.verify(user.password_hash if user else passwords.dummy, password)
    if user is None:
        return None
    if not ok:  # counted for a disabled account too: guessing its password must not be free
        user.failed_logins = (user.failed_logins or 0) + 1
        if user.failed_logins >= settings.max_failed_logins:
            user.locked_until = now + timedelta(seconds=settings.lockout_s)
        return None
    if not user.active:
        return None
    user.failed_logins, user.locked_until = 0, None
    if passwords.hasher.check_needs_rehash(user.password_hash):
        user.password_hash = passwords.hasher.hash(password)
    return user


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(db: Session, user: User, ttl_s: int) -> str:
    token = secrets.token_urlsafe(32)
    now = utcnow()
    db.add(AuthToken(token_hash=_digest(token), user_id=user.id, last_seen_at=now,
                     expires_at=now + timedelta(seconds=ttl_s)))
    return token


def user_for_token(db: Session, token: str, idle_timeout_s: int) -> User | None:
    """The token's user, or ``None`` when unknown, expired, idle too long or disabled. A valid
    token's ``last_seen_at`` is refreshed (at most once a minute)."""
    row = db.scalar(select(AuthToken).where(AuthToken.token_hash == _digest(token)))
    if row is None:
        return None
    now = utcnow()
    seen = _aware(row.last_seen_at) or _aware(row.created_at)
    if _aware(row.expires_at) < now or not row.user.active:
        return None
    if (now - seen).total_seconds() > idle_timeout_s:
        db.delete(row)
        db.commit()
        return None
    if (now - seen).total_seconds() > TOUCH_EVERY_S:
        row.last_seen_at = now
        db.commit()
    return row.user


def revoke_token(db: Session, token: str) -> None:
    row = db.scalar(select(AuthToken).where(AuthToken.token_hash == _digest(token)))
    if row is not None:
        db.delete(row)


def revoke_all(db: Session, user: User) -> int:
    """End every session of ``user``; returns how many there were."""
    return db.execute(delete(AuthToken).where(AuthToken.user_id == user.id)).rowcount or 0
