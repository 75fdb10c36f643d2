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
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, bindparam, select

from eoffice.accounts.models import User
from eoffice.extensions import db
from eoffice.storage.models import StoredFile

# (user, file) -> None when the feature does not own the file, else whether the user may read it.
FileOwnerRule = Callable[[User, StoredFile], bool | None]
# (the file id as SQL) -> whether the feature owns that file (an EXISTS), for the file's own statement:
# true exactly when its rule would not answer None.
FileOwnership = Callable[[ColumnElement[int]], ColumnElement[bool]]

_owner_rules: list[tuple[FileOwnerRule, FileOwnership]] = []
# The file's row and which features own it, built once the features are registered.
_with_owners: list[Select] = []


def register_owner(rule: FileOwnerRule, owns: FileOwnership) -> None:
    """Called once per feature when the application is built; a second call with the same rule is a no-op."""
    if all(rule is not known for known, _ in _owner_rules):
        _owner_rules.append((rule, owns))
        _with_owners.clear()


@dataclass(frozen=True)
class OwnedFile:
    """A stored file and, rule by rule, whether that rule's feature owns it (read_owned): only the
    owners' rules are asked whether a user may read it."""

    stored: StoredFile
    owned: tuple[bool, ...]


def read_owned(file_id: int) -> OwnedFile | None:
    """The file and which features own it, in one statement (a hall of tablets downloads one paper at
    once: the features that do not own it are not asked); None when there is no such file."""
    if not _with_owners:
        _with_owners.append(
            select(StoredFile, *(owns(StoredFile.id) for _, owns in _owner_rules)).where(
                StoredFile.id == bindparam("file_id")
            )
        )
    row = db.session.execute(_with_owners[0], {"file_id": file_id}).one_or_none()
    return None if row is None else OwnedFile(row[0], tuple(bool(flag) for flag in row[1:]))


def may_read_file(user: User, target: StoredFile | OwnedFile) -> bool:
    """Whether the user may read the file: its owners decide (every feature is asked of a StoredFile
    whose owners were not read with it)."""
    stored, owned = (target.stored, target.owned) if isinstance(target, OwnedFile) else (target, None)
    owned_by_any = False
    # A file not yet written to the database has no owner but its uploader. The first rule that lets the
    # user read the file decides: the others are not asked (each asks the database, at every download).
    for index, (rule, _) in enumerate(_owner_rules if stored.id is not None else ()):
        if owned is not None and not owned[index]:
            continue
        decision = rule(user, stored)
        if decision:
            return True
        owned_by_any = owned_by_any or decision is not None
    if owned_by_any:
        return False
    return stored.uploaded_by_id is not None and stored.uploaded_by_id == user.id
