"""FastAPI dependencies: the database session, the logged-in user, permission checks."""

from __future__ import annotations

from typing import Iterator

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from cxrgen.serve.auth import can, user_for_token
from cxrgen.serve.db.models import User

bearer = HTTPBearer(auto_error=False, description="token from POST /api/auth/login")


def get_db(request: Request) -> Iterator[Session]:
    with request.app.state.sessionmaker() as db:
        yield db


def current_user(creds: HTTPAuthorizationCredentials | None = Depends(bearer),
                 db: Session = Depends(get_db)) -> User:
    if creds is None:
        raise HTTPException(401, "not logged in: POST /api/auth/login, then send "
                                 "'Authorization: Bearer <token>'",
                            headers={"WWW-Authenticate": "Bearer"})
    user = user_for_token(db, creds.credentials)
    if user is None:
        raise HTTPException(401, "invalid or expired token: log in again",
                            headers={"WWW-Authenticate": "Bearer"})
    return user


def require(permission: str):
    """Dependency factory: the current user, who must hold ``permission``."""

    def check(user: User = Depends(current_user)) -> User:
        if not can(user.role, permission):
            raise HTTPException(403, f"role {user.role!r} may not {permission.replace('_', ' ')}")
        return user

    return check
