"""Who may read a stored file: the feature that owns the file decides, never the file's row alone.

A file belongs to a document, to a meeting's papers or to approved minutes, and whoever may read
that thing may read its bytes, through every path that serves them (`/api/v1/files/<id>`, its
content, a signed link, a presigned URL). Being an administrator is not enough: confidential
documents and confidential agenda items stay with their named people. Each feature registers a
rule at start-up (eoffice never imports meetings); a file no feature owns is read by its uploader
alone: a fresh upload, or a file a feature let go of (a draft's replaced main file), whose owner may
have been confidential.
"""

from __future__ import annotations

from collections.abc import Callable

from eoffice.accounts.models import User
from eoffice.storage.models import StoredFile

# (user, file) -> None when the feature does not own the file, else whether the user may read it.
FileOwnerRule = Callable[[User, StoredFile], bool | None]

_owner_rules: list[FileOwnerRule] = []


def register_owner(rule: FileOwnerRule) -> None:
    """Called once per feature when the application is built; a second call with the same rule is a no-op."""
    if rule not in _owner_rules:
        _owner_rules.append(rule)


def may_read_file(user: User, stored: StoredFile) -> bool:
    owned = False
    # A file not yet written to the database has no owner but its uploader. The first rule that lets the
    # user read the file decides: the others are not asked (each asks the database, at every download).
    for rule in _owner_rules if stored.id is not None else ():
        decision = rule(user, stored)
        if decision:
            return True
        owned = owned or decision is not None
    if owned:
        return False
    return stored.uploaded_by_id is not None and stored.uploaded_by_id == user.id
