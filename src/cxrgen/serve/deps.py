"""FastAPI dependencies: the database session, the logged-in user, permission checks, and the
bounded types of path and query parameters (an id the database cannot hold is a 422, not a 500).
"""

from __future__ import annotations

from typing import Annotated, Iterator

from fastapi import Depends, HTTPException, Path, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from cxrgen.serve.auth import can, user_for_token
from cxrgen.serve.db.models import User

bearer = HTTPBearer(auto_error=False, description="token from POST /api/auth/login")
#: Largest id / offset: PostgreSQL's INTEGER (SQLite's is 64-bit, PostgreSQL's 32-bit).
MAX_INT = 2**31 - 1
Id = Annotated[int, Path(ge=1, le=MAX_INT, description="a positive id")]
Position = Annotated[int, Path(ge=0, le=1000, description="image position in the study, from 0")]
Offset = Annotated[int, Query(ge=0, le=MAX_INT)]


def get_or_404(db: Session, model, obj_id: int, what: str):
    """The row of ``model`` with id ``obj_id``, or 404 "<what> <id> not found"."""
    obj = db.get(model, obj_id)
    if obj is None:
        raise HTTPException(404, f"{what} {obj_id} not found")
    return obj


def get_db(request: Request) -> Iterator[Session]:
    with request.app.state.sessionmaker() as db:
        yield db


def current_user(request: Request,
                 creds: HTTPAuthorizationCredentials | None = Depends(bearer),
                 db: Session = Depends(get_db)) -> User:
    if creds is None:
        raise HTTPException(401, "not logged in: POST /api/auth/login, then send "
                                 "'Authorization: Bearer <token>'",
                            headers={"WWW-Authenticate": "Bearer"})
    user = user_for_token(db, creds.credentials, request.app.state.settings.idle_timeout_s)
    if user is None:
        raise HTTPException(401, "invalid, expired or idle token: log in again",
                            headers={"WWW-Authenticate": "Bearer"})
    request.state.user_id = user.id  # for the access log (an id, never the name)
    return user


def require(permission: str):
    """Dependency factory: the current user, who must hold ``permission``."""

    def check(user: User = Depends(current_user)) -> User:
        if not can(user.role, permission):
            raise HTTPException(403, f"role {user.role!r} may not {permission.replace('_', ' ')}")
        return user

    return check
