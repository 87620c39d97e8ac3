"""Users, roles and bearer-token sessions.

Passwords are hashed with Argon2id; the defaults are argon2-cffi's (RFC 9106's second
recommended parameter set: 3 passes over 64 MiB). Hashes made with other parameters are
re-hashed at the next successful login. A login returns a random 256-bit token; the server stores only its SHA-256, with
an expiry. Roles:

* ``radiologist``: uploads studies, edits and signs reports, sees patient identifiers (PHI);
* ``reviewer``: reads studies and reports without PHI, reads the audit log, rates in human
  evaluation sessions;
* ``admin``: manages users, sees everything, but does not sign reports (a signature is a
  clinical act).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta, timezone

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from cxrgen.errors import InputError
from cxrgen.serve.db.models import AuthToken, User

ROLES = ("radiologist", "reviewer", "admin")
#: What each role may do; the API checks permissions, never role names.
PERMISSIONS = {
    "radiologist": {"read", "upload", "edit", "sign", "see_phi", "rate"},
    "reviewer": {"read", "audit", "rate"},
    "admin": {"read", "upload", "edit", "see_phi", "audit", "manage_users", "manage_eval"},
}


class Passwords:
    """Argon2id hashing with the service's parameters."""

    def __init__(self, time_cost: int | None = None, memory_kib: int | None = None):
        defaults = PasswordHasher()
        self.hasher = PasswordHasher(time_cost=time_cost or defaults.time_cost,
                                     memory_cost=memory_kib or defaults.memory_cost)
        #: verified when the user does not exist, so that a login for an unknown name takes as
        #: long as one with a wrong password (no user enumeration by timing)
        self.dummy = self.hasher.hash("not-a-password")

    def hash(self, password: str) -> str:
        if len(password) < 8:
            raise InputError("password too short: use at least 8 characters")
        return self.hasher.hash(password)


def can(role: str, permission: str) -> bool:
    return permission in PERMISSIONS.get(role, set())


def create_user(db: Session, username: str, password: str, role: str, passwords: Passwords) -> User:
    if role not in ROLES:
        raise InputError(f"unknown role {role!r}; valid roles: {', '.join(ROLES)}")
    username = username.strip()
    if not username or len(username) > 64:
        raise InputError("username must be 1 to 64 characters")
    if db.scalar(select(User).where(User.username == username)):
        raise InputError(f"user {username!r} already exists")
    user = User(username=username, password_hash=passwords.hash(password), role=role)
    db.add(user)
    db.flush()
    return user


def authenticate(db: Session, username: str, password: str, passwords: Passwords) -> User | None:
    user = db.scalar(select(User).where(User.username == username))
    try:
        passwords.hasher.verify(user.password_hash if user else passwords.dummy, password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None or not user.active:
        return None
    if passwords.hasher.check_needs_rehash(user.password_hash):
        user.password_hash = passwords.hasher.hash(password)
    return user


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(db: Session, user: User, ttl_s: int) -> str:
    token = secrets.token_urlsafe(32)
    db.add(AuthToken(token_hash=_digest(token), user_id=user.id,
                     expires_at=datetime.now(timezone.utc) + timedelta(seconds=ttl_s)))
    return token


def user_for_token(db: Session, token: str) -> User | None:
    row = db.scalar(select(AuthToken).where(AuthToken.token_hash == _digest(token)))
    if row is None:
        return None
    expires = row.expires_at if row.expires_at.tzinfo else row.expires_at.replace(tzinfo=timezone.utc)
    if expires < datetime.now(timezone.utc) or not row.user.active:
        return None
    return row.user


def revoke_token(db: Session, token: str) -> None:
    row = db.scalar(select(AuthToken).where(AuthToken.token_hash == _digest(token)))
    if row is not None:
        db.delete(row)
