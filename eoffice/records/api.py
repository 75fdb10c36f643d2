"""The records API: the file list, case files and their actions, hand-overs to the archive, their export."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import marshmallow as ma
from flask import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from eoffice.accounts.models import Agency, User
from eoffice.api_base import ApiError, Blueprint, invalid, json_body
from eoffice.auth.session import current_user, login_required
from eoffice.documents import policy as document_policy
from eoffice.documents.operations.common import load
from eoffice.documents.registers import register_csv, register_pdf
from eoffice.extensions import db
from eoffice.records import operations, package, queries, workflow
from eoffice.records.models import CaseFile, FileListEntry, Handover, HandoverStatus
from eoffice.records.operations.file_list import entries_of, file_list_register
from eoffice.records.policy import Permission, authorize, can
from eoffice.records.schemas import (
    CaseFileActionSchema,
    CaseFileChangeSchema,
    CaseFileOpenSchema,
    CaseFilePageSchema,
    CaseFileQuerySchema,
    CaseFileSchema,
    FileListCopySchema,
    FileListEntryChangeSchema,
    FileListEntryInputSchema,
    FileListEntrySchema,
    FileListQuerySchema,
    HandoverInputSchema,
    HandoverSchema,
)
from eoffice.records.workflow import Action
from eoffice.runtime import storage
from eoffice.storage.backend import attachment_disposition
from eoffice.storage.operations import commit_or_discard

blp = Blueprint(
    "records",
    __name__,
    url_prefix="/api/v1/records",
    description="Records: the file list, case files, hand-over to the agency archive",
)


def _agency_id(value: Any) -> str:
    if value is not None and not isinstance(value, str):
        raise invalid("agency_id", "must be an agency identifier (a string)")
    agency_id = value or current_user().agency_id
    if db.session.get(Agency, agency_id) is None:
        raise ApiError(404, "not_found", f"agency {agency_id} not found")
    return agency_id


# The file list.


class FileListEntryView:
    """An entry as its reader sees it, with what they may do to it (edit, delete) for the client's buttons."""

    def __init__(self, entry: FileListEntry, user: User):
        self._entry = entry
        manages = can(user, Permission.MANAGE_FILE_LIST, entry.agency_id)
        self.allowed_actions = ["edit", "delete"] if manages else []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._entry, name)


@blp.get("/file-list")
@blp.arguments(FileListQuerySchema, location="query")
@blp.response(200, FileListEntrySchema(many=True))
@blp.doc(description="The file list (danh mục hồ sơ) of a year; `format=pdf|csv` prints it.")
@login_required
def get_file_list(query):
    agency_id = _agency_id(query.get("agency_id"))
    authorize(current_user(), Permission.VIEW_FILE_LIST, agency_id)
    if query["format"] == "json":
        return [FileListEntryView(entry, current_user()) for entry in entries_of(agency_id, query["year"])]
    register = file_list_register(db.session.get(Agency, agency_id), query["year"])
    if query["format"] == "csv":
        body, mimetype = register_csv(register), "text/csv"
    else:
        body, mimetype = register_pdf(register), "application/pdf"
    name = f"danh-muc-ho-so-{query['year']}.{query['format']}"
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": attachment_disposition(name)})


@blp.post("/file-list")
@blp.response(201, FileListEntrySchema)
@blp.doc(description="Add an entry (FileListEntryInput as JSON) to a year's file list.")
@login_required
def add_file_list_entry():
    body = json_body()
    agency_id = _agency_id(body.get("agency_id") if isinstance(body, dict) else None)
    authorize(current_user(), Permission.MANAGE_FILE_LIST, agency_id)
    data = load(FileListEntryInputSchema(), body)
    with commit_or_discard():
        entry = operations.add_entry(current_user(), agency_id, data)
    return FileListEntryView(entry, current_user())


def _entry(entry_id: int) -> FileListEntry:
    entry = db.session.get(FileListEntry, entry_id)
    if entry is None:
        raise ApiError(404, "not_found", f"file list entry {entry_id} not found")
    authorize(current_user(), Permission.VIEW_FILE_LIST, entry.agency_id)
    return entry


@blp.patch("/file-list/<int:entry_id>")
@blp.response(200, FileListEntrySchema)
@blp.doc(description="Change an entry: the FileListEntryChange fields given, as JSON.")
@login_required
def change_file_list_entry(entry_id):
    entry = _entry(entry_id)
    authorize(current_user(), Permission.MANAGE_FILE_LIST, entry.agency_id)
    changes = load(FileListEntryChangeSchema(), json_body())
    with commit_or_discard():
        operations.change_entry(current_user(), entry, changes)
    return FileListEntryView(entry, current_user())


@blp.delete("/file-list/<int:entry_id>")
@blp.response(204)
@blp.doc(description="Delete an entry; the case files opened from it keep their notation and title.")
@login_required
def remove_file_list_entry(entry_id):
    entry = _entry(entry_id)
    with commit_or_discard():
        operations.remove_entry(current_user(), entry)


@blp.post("/file-list/copy")
@blp.response(201, FileListEntrySchema(many=True))
@blp.doc(description="Copy a year's file list into another year (the entries whose notation it lacks).")
@login_required
def copy_file_list():
    body = json_body()
    agency_id = _agency_id(body.get("agency_id") if isinstance(body, dict) else None)
    authorize(current_user(), Permission.MANAGE_FILE_LIST, agency_id)
    data = load(FileListCopySchema(), body)
    with commit_or_discard():
        copied = operations.copy_year(current_user(), agency_id, data["from_year"], data["to_year"])
    return [FileListEntryView(entry, current_user()) for entry in copied]


# Case files.


class FiledDocumentView:
    def __init__(self, entry, user: User):
        document = entry.document
        self.ordinal, self.document_id, self.filed_at = entry.ordinal, entry.document_id, entry.filed_at
        self.hidden = not document_policy.can(user, document_policy.Permission.VIEW_DOCUMENT, document)
        shown = None if self.hidden else document
        for name in ("number_and_notation", "issued_date", "subject", "document_type", "issuer_name"):
            setattr(self, name, getattr(shown, name, None))
        self.page_count = document.page_count


class CaseFileView:
    """A case file as its reader sees it: documents they may not see show only their ordinal."""

    def __init__(self, case_file: CaseFile, user: User):
        self._case_file = case_file
        self.documents = [FiledDocumentView(entry, user) for entry in case_file.entries]
        self.allowed_actions = [str(a) for a in workflow.actions_for(user, case_file)]

    def __getattr__(self, name: str) -> Any:
        return getattr(self._case_file, name)


def _case_file(case_file_id: int) -> CaseFile:
    case_file = db.session.get(CaseFile, case_file_id)
    if case_file is None:
        raise ApiError(404, "not_found", f"case file {case_file_id} not found")
    authorize(current_user(), Permission.VIEW_CASE_FILE, case_file)
    return case_file


def _body_for(case_file: CaseFile, action: Action, schema: ma.Schema) -> dict[str, Any]:
    """The body, judged after the step: a step that cannot happen now is refused as such (409, 403)."""
    try:
        return load(schema, json_body())
    except ApiError:
        error = workflow.refusal(case_file, action, current_user())
        if error is not None:
            raise error from None
        raise


@blp.get("/case-files")
@blp.arguments(CaseFileQuerySchema, location="query")
@blp.response(200, CaseFilePageSchema)
@blp.doc(description="The case files the caller may see; `q` searches title, code and keywords.")
@login_required
def list_case_files(query):
    return {"items": queries.search_case_files(current_user(), **query)}


@blp.post("/case-files")
@blp.response(201, CaseFileSchema)
@blp.doc(
    description="Open a case file of the caller's agency: from the file list (`file_list_entry_id`) or ad "
    "hoc (`notation`, `title`, `retention_years`); 409 `case_file_code_taken` when its code exists."
)
@login_required
def open_case_file():
    user = current_user()
    workflow.check_open(user, user.agency_id)
    data = load(CaseFileOpenSchema(), json_body())
    with commit_or_discard():
        case_file = operations.open_case_file(user, data)
    return CaseFileView(case_file, user)


@blp.get("/case-files/<int:case_file_id>")
@blp.response(200, CaseFileSchema)
@login_required
def get_case_file(case_file_id):
    return CaseFileView(_case_file(case_file_id), current_user())


@blp.patch("/case-files/<int:case_file_id>")
@blp.response(200, CaseFileSchema)
@blp.doc(
    description="Change its metadata (CaseFileChange); an archivist's change of a closed one gives `reason`."
)
@login_required
def change_case_file(case_file_id):
    case_file = _case_file(case_file_id)
    changes = _body_for(case_file, Action.EDIT, CaseFileChangeSchema())
    reason = changes.pop("reason", None)
    with commit_or_discard():
        operations.edit(case_file, current_user(), changes, reason)
    return CaseFileView(case_file, current_user())


# POST /case-files/<id>/actions/<action>: what each action takes from the body.
ACTIONS: dict[str, Callable[[CaseFile, User, dict[str, Any]], Any]] = {
    Action.FILE_DOCUMENT: lambda cf, user, body: operations.file_document(
        cf, user, _required(body, "document_id"), body["reason"]
    ),
    Action.REMOVE_DOCUMENT: lambda cf, user, body: operations.remove_document(
        cf, user, _required(body, "document_id"), body["reason"]
    ),
    Action.REORDER: lambda cf, user, body: operations.reorder(
        cf, user, _required(body, "document_ids"), body["reason"]
    ),
    Action.CLOSE: lambda cf, user, body: operations.close(cf, user),
    Action.REOPEN: lambda cf, user, body: operations.reopen(cf, user, body["reason"]),
}


def _required(body: dict[str, Any], field: str) -> Any:
    if field not in body:
        raise invalid(field, "required for this action")
    return body[field]


@blp.post("/case-files/<int:case_file_id>/actions/<action>")
@blp.response(200, CaseFileSchema)
@blp.doc(
    description="One step on a case file (CaseFileAction body): `file_document` and `remove_document` "
    "(`document_id`), `reorder` (`document_ids`, all of them in the new order), `close`, `reopen`. "
    "An archivist's change of a closed case file gives `reason`. 409 `invalid_state` when the state does "
    "not allow it (a closed case file to anyone but an archivist), 409 `already_filed`."
)
@login_required
def take_case_file_action(case_file_id, action):
    if action not in ACTIONS:
        raise ApiError(404, "not_found", f"unknown action {action!r}; one of {', '.join(sorted(ACTIONS))}")
    case_file = _case_file(case_file_id)
    body = _body_for(case_file, Action(action), CaseFileActionSchema())
    with commit_or_discard():
        ACTIONS[action](case_file, current_user(), body)
    return CaseFileView(case_file, current_user())


# Hand-over to the agency archive.


class HandoverView:
    def __init__(self, handover: Handover, user: User):
        self._handover = handover
        offered = {
            "receive": (Permission.RECEIVE_HANDOVER, HandoverStatus.PROPOSED),
            "export": (Permission.EXPORT_HANDOVER, HandoverStatus.RECEIVED),
        }
        self.allowed_actions = [
            name
            for name, (permission, status) in offered.items()
            if handover.status == status and can(user, permission, handover)
        ]

    def __getattr__(self, name: str) -> Any:
        return getattr(self._handover, name)


def _handover(handover_id: int) -> Handover:
    handover = db.session.get(Handover, handover_id)
    if handover is None:
        raise ApiError(404, "not_found", f"hand-over {handover_id} not found")
    authorize(current_user(), Permission.VIEW_HANDOVER, handover)
    return handover


@blp.get("/handovers")
@blp.response(200, HandoverSchema(many=True))
@blp.doc(description="The hand-overs of the caller's agency that the caller may see, newest first.")
@login_required
def list_handovers():
    user = current_user()
    handovers = db.session.scalars(
        select(Handover).where(Handover.agency_id == user.agency_id).order_by(Handover.id.desc())
    )
    return [HandoverView(h, user) for h in handovers if can(user, Permission.VIEW_HANDOVER, h)]


@blp.post("/handovers")
@blp.response(201, HandoverSchema)
@blp.doc(
    description="Propose closed case files for hand-over to the agency archive (HandoverInput); each must "
    "be closed (409 `invalid_state`) and the caller their responsible person or an archivist (403)."
)
@login_required
def propose_handover():
    user = current_user()
    data = load(HandoverInputSchema(), json_body())
    with commit_or_discard():
        handover = operations.propose(user, data["case_file_ids"], data["deadline"], data["note"])
    return HandoverView(handover, user)


@blp.get("/handovers/<int:handover_id>")
@blp.response(200, HandoverSchema)
@login_required
def get_handover(handover_id):
    return HandoverView(_handover(handover_id), current_user())


@blp.post("/handovers/<int:handover_id>/receive")
@blp.response(200, HandoverSchema)
@blp.doc(
    description="The archivist receives the case files: archived and read-only, the list of case files "
    "and the hand-over record stored as PDFs (`list_file_id`, `record_file_id`)."
)
@login_required
def receive_handover(handover_id):
    handover = _handover(handover_id)
    with commit_or_discard():
        operations.receive(handover, current_user())
    return HandoverView(handover, current_user())


def _streamed_package(handover_id: int) -> Iterator[bytes]:
    """The package, written while the response is sent, through a database session of its own that lives
    as long as the stream (the request's context may be gone by then)."""
    store, engine = storage(), db.engine
    session = Session(engine)

    def chunks() -> Iterator[bytes]:
        with session:
            yield from package.export_package(session.get(Handover, handover_id), store)

    return chunks()


@blp.get("/handovers/<int:handover_id>/export")
@blp.doc(
    description="The archive package of a received hand-over (docs/records-package.md): a zip streamed "
    "as it is written, with records.xml, case-files.csv, documents.csv, the files and manifest-sha256.txt.",
    responses={"200": {"description": "application/zip"}},
)
@login_required
def export_handover(handover_id):
    handover = _handover(handover_id)
    authorize(current_user(), Permission.EXPORT_HANDOVER, handover)
    if handover.status != HandoverStatus.RECEIVED:
        raise ApiError(
            409,
            "invalid_state",
            "a hand-over is exported once the archive has received it",
            {"status": handover.status, "action": "export", "allowed_actions": []},
        )
    return Response(
        _streamed_package(handover.id),
        mimetype="application/zip",
        headers={
            "Content-Disposition": attachment_disposition(package.package_name(handover)),
            "Cache-Control": "private, no-store",
        },
    )
