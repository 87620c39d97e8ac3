"""The audit log: every upload, edit, sign-off and user change, with who, when and what changed.

An edit's detail holds a unified diff of the report text (``difflib``), so the log alone shows
what each person changed. Details never contain PHI: only study ids, versions and report text.
"""

from __future__ import annotations

import difflib
from typing import Any

from sqlalchemy.orm import Session

from cxrgen.serve.db.models import AuditEvent, User


def record(db: Session, user: User | None, action: str, study_id: int | None = None,
           **detail: Any) -> AuditEvent:
    event = AuditEvent(user_id=user.id if user else None,
                       username=user.username if user else "system",
                       action=action, study_id=study_id, detail=detail)
    db.add(event)
    return event


def text_diff(old: str, new: str, old_label: str, new_label: str) -> str:
    return "\n".join(difflib.unified_diff(old.splitlines(), new.splitlines(), old_label, new_label,
                                          lineterm=""))
