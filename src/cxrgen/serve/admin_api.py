"""Account management under ``/api/users`` (permission ``manage_users``): list and create users,
disable / enable an account, reset a password, end all of a user's sessions. Every change is
audited; disabling or resetting a password also ends the user's sessions."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from cxrgen.errors import InputError
from cxrgen.serve import audit
from cxrgen.serve.api import user_json
from cxrgen.serve.auth import ROLES, create_user, revoke_all
from cxrgen.serve.db.models import User
from cxrgen.serve.deps import Id, get_db, get_or_404, require

router = APIRouter(prefix="/api/users", tags=["users"])
log = logging.getLogger("cxrgen.serve.admin")


class UserIn(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(max_length=1024)
    role: str = Field(max_length=16)


class ActiveIn(BaseModel):
    active: bool


class PasswordIn(BaseModel):
    password: str = Field(max_length=1024)


@router.get("")
def list_users(_: User = Depends(require("manage_users")), db: Session = Depends(get_db)):
    return [user_json(u) for u in db.scalars(select(User).order_by(User.id))]


@router.post("", status_code=201)
def add_user(body: UserIn, request: Request, admin: User = Depends(require("manage_users")),
             db: Session = Depends(get_db)):
    if body.role not in ROLES:
        raise HTTPException(400, f"unknown role {body.role!r}; valid roles: {', '.join(ROLES)}")
    try:
        user = create_user(db, body.username, body.password, body.role,
                           request.app.state.passwords)
    except InputError as exc:
        raise HTTPException(409 if "already exists" in str(exc) else 400, str(exc)) from None
    audit.record(db, admin, "user_created", username=user.username, role=user.role)
    db.commit()
    log.info("user created", extra={"event": "user_created", "user_id": user.id})
    return user_json(user)


@router.patch("/{user_id}")
def set_active(user_id: Id, body: ActiveIn, admin: User = Depends(require("manage_users")),
               db: Session = Depends(get_db)):
    """Disable (ends every session) or enable (also lifts a lockout) an account."""
    user = get_or_404(db, User, user_id, "user")
    if user.id == admin.id and not body.active:
        raise HTTPException(409, "you cannot disable your own account: ask another admin")
    user.active = body.active
    ended = 0 if body.active else revoke_all(db, user)
    if body.active:
        user.failed_logins, user.locked_until = 0, None
    audit.record(db, admin, "user_enabled" if body.active else "user_disabled",
                 username=user.username, sessions_ended=ended)
    db.commit()
    return {**user_json(user), "sessions_ended": ended}


@router.post("/{user_id}/password")
def reset_password(user_id: Id, body: PasswordIn, request: Request,
                   admin: User = Depends(require("manage_users")), db: Session = Depends(get_db)):
    """Set a new password (the policy applies) and end the user's sessions."""
    user = get_or_404(db, User, user_id, "user")
    try:
        user.password_hash = request.app.state.passwords.hash(body.password, user.username)
    except InputError as exc:
        raise HTTPException(400, str(exc)) from None
    user.failed_logins, user.locked_until = 0, None
    ended = revoke_all(db, user)
    audit.record(db, admin, "password_reset", username=user.username, sessions_ended=ended)
    db.commit()
    return {**user_json(user), "sessions_ended": ended}


@router.post("/{user_id}/revoke-tokens")
def revoke_tokens(user_id: Id, admin: User = Depends(require("manage_users")),
                  db: Session = Depends(get_db)):
    """End every session of the user (stolen token, lost workstation)."""
    user = get_or_404(db, User, user_id, "user")
    ended = revoke_all(db, user)
    audit.record(db, admin, "sessions_revoked", username=user.username, sessions_ended=ended)
    db.commit()
    return {**user_json(user), "sessions_ended": ended}
