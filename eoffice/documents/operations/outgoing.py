"""Outgoing documents: draft, review levels, signature, issuance with its number, recall and replacement."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from eoffice.accounts.models import Agency, Role, User
from eoffice.api_base import ApiError
from eoffice.documents import clock, notifications, numbering, workflow
from eoffice.documents.document_types import (
    UNTYPED,
    NotationError,
    build_notation,
    can_be_legal_normative,
)
from eoffice.documents.models import (
    Channel,
    DeliveryStatus,
    Direction,
    Document,
    DocumentFile,
    DocumentSettings,
    FileRole,
    Recipient,
    RecipientKind,
    Review,
    ReviewDecision,
    ReviewKind,
    Status,
)
from eoffice.documents.operations.common import (
    agency_unit,
    agency_user,
    invalid,
    load,
    name,
    record,
    shown,
    step,
)
from eoffice.documents.operations.files import (
    IncomingFile,
    attach_files,
    check_files,
    read_content,
    replace_content,
)
from eoffice.documents.policy import Permission, can, may_review_drafts, may_sign_drafts
from eoffice.documents.schemas import OutgoingMetadataSchema, OutgoingUpdateSchema
from eoffice.documents.workflow import Action
from eoffice.extensions import db
from eoffice.signing import operations as signing

DEFAULT_REVIEW_LEVELS = 1
_METADATA_FIELDS = (
    "document_type",
    "subject",
    "signer_name",
    "signer_position",
    "urgency",
    "confidentiality",
    "due_date",
    "page_count",
    "language",
    "note",
    "is_legal_normative",
)


def review_levels(agency_id: str) -> int:
    settings = db.session.get(DocumentSettings, agency_id)
    return settings.review_levels if settings else DEFAULT_REVIEW_LEVELS


def update_settings(agency_id: str, *, review_levels: int) -> DocumentSettings:
    settings = db.session.get(DocumentSettings, agency_id)
    if settings is None:
        settings = DocumentSettings(agency_id=agency_id)
        db.session.add(settings)
    settings.review_levels = review_levels
    db.session.flush()
    return settings


def _recipients(document: Document, specs: list[dict[str, Any]]) -> list[Recipient]:
    recipients, seen = [], set()
    for index, spec in enumerate(specs):
        field = f"recipients[{index}]"
        if spec.get("agency_id") is not None:
            if document.is_confidential:
                raise invalid(field, "a confidential document is not sent over the national axis")
            key = ("external", spec["agency_id"])
            recipient = Recipient(
                kind=RecipientKind.EXTERNAL, agency_id=spec["agency_id"], agency_name=spec["agency_name"]
            )
        elif spec.get("unit_id") is not None:
            if document.is_confidential:
                raise invalid(field, "a confidential document goes to named people, not to a unit")
            unit = agency_unit(spec["unit_id"], document.agency_id, field)
            key = ("unit", unit.id)
            recipient = Recipient(kind=RecipientKind.UNIT, unit_id=unit.id, unit=unit)
        else:
            user = agency_user(spec["user_id"], document.agency_id, field)
            key = ("user", user.id)
            recipient = Recipient(kind=RecipientKind.USER, user_id=user.id, user=user)
        if key in seen:
            raise invalid(field, "this recipient is listed twice")
        seen.add(key)
        recipients.append(recipient)
    return recipients


def _check_drafting_unit(document: Document, unit_id: int | None) -> None:
    if unit_id is not None:
        document.drafting_unit = agency_unit(unit_id, document.agency_id, "drafting_unit_id")
        document.drafting_unit_id = unit_id
    if document.document_type in UNTYPED and document.drafting_unit_id is None:
        raise invalid("drafting_unit_id", "required for công văn and thư công: their notation names the unit")


def _check_legal_normative(document: Document) -> None:
    if document.is_legal_normative and not can_be_legal_normative(document.document_type):
        raise invalid(
            "is_legal_normative",
            f"a {document.document_type} is not a legal normative document: only "
            "Nghị quyết (NQ), Quyết định (QĐ), Nghị định (NĐ) and Thông tư (TT) can be",
        )


def _replaceable(replaces_id: int, actor: User) -> Document:
    original = db.session.get(Document, replaces_id)
    if (
        original is None
        or original.direction != Direction.OUTGOING
        or original.agency_id != actor.agency_id
        or not can(actor, Permission.VIEW_DOCUMENT, original)
    ):
        raise invalid("replaces_id", f"no outgoing document {replaces_id} of this agency you can see")
    if original.status not in (Status.ISSUED, Status.RECALLED):
        raise invalid(
            "replaces_id",
            f"document {replaces_id} is {original.status}: only issued or recalled ones are replaced",
        )
    return original


def create_draft(
    actor: User,
    metadata: Any,
    files: list[IncomingFile],
    *,
    location: str = "json",
    prefix: str | None = None,
) -> Document:
    agency = db.session.get(Agency, actor.agency_id)
    document = Document(
        agency_id=agency.id,
        direction=Direction.OUTGOING,
        channel=Channel.DRAFT,
        issuer_id=agency.id,
        issuer_name=agency.name,
    )
    transition = workflow.check(document, Action.CREATE_DRAFT, actor)
    data = load(OutgoingMetadataSchema(), metadata, location=location, prefix=prefix)
    check_files(files)
    for key in _METADATA_FIELDS:
        setattr(document, key, data[key])
    _check_drafting_unit(document, data["drafting_unit_id"] or actor.unit_id)
    _check_legal_normative(document)
    if data["replaces_id"] is not None:
        document.replaces_id = _replaceable(data["replaces_id"], actor).id
    document.recipients = _recipients(document, data["recipients"])
    attach_files(document, files, actor)
    document.created_by_id = actor.id
    document.created_by = actor
    document.created_at = clock.now()
    name(document, actor)
    step(
        document,
        transition,
        Status.DRAFT,
        actor,
        Action.CREATE_DRAFT,
        details={"files": len(files), "replaces_id": document.replaces_id}
        if document.replaces_id
        else {"files": len(files)},
    )
    db.session.add(document)
    db.session.flush()
    return document


def update_draft(document: Document, actor: User, changes: Any) -> Document:
    workflow.check(document, Action.EDIT, actor)
    data = load(OutgoingUpdateSchema(partial=True), changes)
    for key in _METADATA_FIELDS:
        if key in data:
            if data[key] is None and key in (
                "document_type",
                "subject",
                "urgency",
                "confidentiality",
                "language",
            ):
                raise invalid(key, "may not be null")
            setattr(document, key, data[key])
    if "drafting_unit_id" in data or "document_type" in data:
        _check_drafting_unit(document, data.get("drafting_unit_id"))
    if data.get("signature_placement") is not None:
        link = _main_file(document, "signature_placement", "json")
        signing.chosen_placement(
            read_content(link), data["signature_placement"], "files[0]", "signature_placement"
        )
    if "signature_placement" in data:
        document.signature_placement = data["signature_placement"]
    _check_legal_normative(document)
    if "recipients" in data:
        document.recipients = _recipients(document, data["recipients"])
    elif "confidentiality" in data:
        # Recipients chosen for an open document may not suit a confidential one.
        specs = [
            {
                "agency_id": r.agency_id,
                "agency_name": r.agency_name,
                "unit_id": r.unit_id,
                "user_id": r.user_id,
            }
            for r in document.recipients
        ]
        _recipients(document, specs)
    record(document, actor, Action.EDIT, details={"fields": sorted(data)})
    document.updated_at = clock.now()
    db.session.flush()
    return document


def add_files(
    document: Document, actor: User, files: list[IncomingFile], *, replace_main: bool = False
) -> Document:
    workflow.check(document, Action.EDIT, actor)
    check_files(files, required=True)
    replaced = [link.stored_file_id for link in document.files if link.role == FileRole.MAIN and replace_main]
    added = attach_files(document, files, actor, replace_main=replace_main)
    db.session.flush()
    details: dict[str, Any] = {"added_files": [link.stored_file_id for link in added]}
    if replaced:
        details["replaced_main_file"] = replaced[0]
    record(document, actor, Action.EDIT, details=details)
    document.updated_at = clock.now()
    db.session.flush()
    return document


def review_candidates(document: Document, drafter: User) -> dict[str, list[int]]:
    """Whom the drafter may name in submit: the form offers these and no one else."""
    people = db.session.scalars(
        select(User).where(User.agency_id == document.agency_id, User.is_active.is_(True)).order_by(User.id)
    ).all()
    return {
        "reviewer_ids": [
            p.id for p in people if p.id != drafter.id and may_review_drafts(p, document.agency_id)
        ],
        "signer_ids": [p.id for p in people if may_sign_drafts(p, document.agency_id)],
    }


def submit(
    document: Document, actor: User, *, reviewer_ids: list[int], signer_id: int, note: str | None = None
) -> Document:
    """The drafter names one reviewer per level, in order (at least the agency's levels), and the signer."""
    transition = workflow.check(document, Action.SUBMIT, actor)
    levels = review_levels(document.agency_id)
    if len(reviewer_ids) < levels:
        raise invalid(
            "reviewer_ids", f"this agency reviews drafts at {levels} levels: name at least {levels}"
        )
    if len(set(reviewer_ids)) != len(reviewer_ids):
        raise invalid("reviewer_ids", "a reviewer is named twice")
    if actor.id in reviewer_ids:
        raise invalid("reviewer_ids", "the drafter does not review their own draft")
    reviewers = [agency_user(uid, document.agency_id, "reviewer_ids") for uid in reviewer_ids]
    for reviewer in reviewers:
        if not may_review_drafts(reviewer, document.agency_id):
            raise invalid(
                "reviewer_ids", f"user {reviewer.id} may not review drafts: not a leader or specialist"
            )
    if signer_id in reviewer_ids:
        raise invalid("signer_id", "the signer signs after the reviews, not as one of the reviewers")
    signer = agency_user(signer_id, document.agency_id, "signer_id", role=Role.LEADER)
    if not any(link.role == FileRole.MAIN for link in document.files):
        raise invalid("files", "a draft needs its main file before it is submitted", "files")
    document.review_round += 1
    for level, reviewer in enumerate(reviewers, start=1):
        document.reviews.append(Review(round=document.review_round, level=level, reviewer=reviewer))
    document.reviews.append(
        Review(
            round=document.review_round, level=len(reviewers) + 1, reviewer=signer, kind=ReviewKind.SIGNATURE
        )
    )
    document.review_level = 1
    document.current_reviewer_id = reviewers[0].id
    document.signer_id = signer.id
    for person in (*reviewers, signer):
        name(document, person)
    step(
        document,
        transition,
        Status.IN_REVIEW,
        actor,
        Action.SUBMIT,
        note=note,
        details={"round": document.review_round, "reviewer_ids": reviewer_ids, "signer_id": signer.id},
    )
    notifications.awaiting_review(document, reviewers[0], actor)
    return document


def _current_review(document: Document) -> Review:
    return next(
        review
        for review in document.reviews
        if review.round == document.review_round and review.level == document.review_level
    )


def _main_file(document: Document, field: str = "files", location: str = "files") -> DocumentFile:
    link = next((link for link in document.files if link.role == FileRole.MAIN), None)
    if link is None or link.stored_file.content_type != signing.PDF:
        raise invalid(field, "the main file must be a PDF to carry the digital signatures", location)
    return link


def _sign_main_file(
    document: Document, signer: User, pin: str | None, moment: datetime, placement: dict[str, Any] | None
) -> None:
    """The signer's signature on the main PDF, made before anything of the approval is written.

    placement: the signer's choice; else the draft's (checked again: the main file may have been replaced
    since); else the automatic one.
    """
    link = _main_file(document)
    content = read_content(link)
    chosen = None
    if placement is not None:
        chosen = signing.chosen_placement(content, placement, "files[0]", "placement")
    elif document.signature_placement is not None:
        chosen = signing.chosen_placement(
            content, document.signature_placement, "files[0]", "signature_placement"
        )
    signed = signing.sign_as_signer(content, signer, pin, moment, "files[0]", placement=chosen)
    replace_content(link, signed, signer)


def _seal_files(document: Document, actor: User, pin: str | None, moment: datetime) -> None:
    """The agency's signature at issuance: into the signed main PDF, and alone on each PDF attachment."""
    shown = document.number_and_notation
    for index, link in enumerate(sorted(document.files, key=lambda link: link.position)):
        if link.stored_file.content_type != signing.PDF:
            continue
        main = link.role == FileRole.MAIN
        sealed = signing.seal_as_agency(
            read_content(link),
            document.agency,
            pin,
            moment,
            f"files[{index}]",
            number_and_notation=shown,
            issued_date=document.issued_date.strftime("%d/%m/%Y"),
            attachment=not main,
        )
        replace_content(link, sealed, actor)


def approve(
    document: Document,
    actor: User,
    *,
    comment: str | None = None,
    pin: str | None = None,
    placement: dict[str, Any] | None = None,
) -> Document:
    """The reviewer of the current level passes the draft on; the signer's approval signs and ends it.

    pin: unlocks the signer's key for this act, when it is not taken from EOFFICE_SIGNING_PIN.
    placement: where the signer puts the visible signature, over the draft's signature_placement.
    """
    transition = workflow.check(document, Action.APPROVE, actor)
    review = _current_review(document)
    if review.kind == ReviewKind.SIGNATURE:
        _sign_main_file(document, actor, pin, clock.now(), placement)
    elif placement is not None:
        raise invalid("placement", "only the signer's approval, at the signature step, places the signature")
    review.decision = ReviewDecision.APPROVED
    review.comment = comment
    review.decided_at = clock.now()
    details = {"round": review.round, "level": review.level}
    if review.kind == ReviewKind.SIGNATURE:
        document.current_reviewer_id = None
        document.review_level = None
        document.signer_name = document.signer_name or actor.full_name
        step(document, transition, Status.APPROVED, actor, Action.APPROVE, note=comment, details=details)
        notifications.approved(document, actor)
        return document
    following = next(r for r in document.reviews if r.round == review.round and r.level == review.level + 1)
    document.review_level = following.level
    document.current_reviewer_id = following.reviewer_id
    if following.kind == ReviewKind.SIGNATURE:
        step(
            document,
            transition,
            Status.AWAITING_SIGNATURE,
            actor,
            Action.APPROVE,
            note=comment,
            details=details,
        )
        notifications.awaiting_signature(document, following.reviewer)
    else:
        step(document, transition, Status.IN_REVIEW, actor, Action.APPROVE, note=comment, details=details)
        notifications.awaiting_review(document, following.reviewer, actor)
    return document


def return_draft(document: Document, actor: User, *, comment: str) -> Document:
    """Back to the drafter with a comment; the levels not reached yet are not asked in this round."""
    transition = workflow.check(document, Action.RETURN, actor)
    review = _current_review(document)
    moment = clock.now()
    review.decision = ReviewDecision.RETURNED
    review.comment = comment
    review.decided_at = moment
    for later in document.reviews:
        if later.round == review.round and later.decision == ReviewDecision.PENDING:
            later.decision = ReviewDecision.CANCELLED
    document.current_reviewer_id = None
    document.review_level = None
    step(
        document,
        transition,
        Status.RETURNED,
        actor,
        Action.RETURN,
        note=comment,
        details={"round": review.round, "level": review.level},
    )
    notifications.returned(document, actor, comment)
    return document


def issue(document: Document, actor: User, *, note: str | None = None, pin: str | None = None) -> Document:
    """Number, notation and date, given atomically and filled into the signed PDF, which the agency signs.

    Internal recipients get it, external ones are queued. pin: unlocks the agency's key for this act,
    when it is not taken from EOFFICE_SIGNING_PIN.
    """
    transition = workflow.check(document, Action.ISSUE, actor)
    try:
        notation = build_notation(
            document.document_type,
            document.agency.abbreviation,
            document.drafting_unit.abbreviation if document.drafting_unit else None,
        )
    except NotationError as exc:
        raise ApiError(409, "notation_unavailable", f"cannot build the notation: {exc}") from exc
    original = db.session.get(Document, document.replaces_id) if document.replaces_id else None
    replace = workflow.check(original, Action.REPLACE, actor) if original is not None else None
    moment = clock.now()
    document.issued_at = moment
    document.issued_by_id = actor.id
    name(document, actor)
    for recipient in document.recipients:
        if recipient.kind == RecipientKind.EXTERNAL:
            # The national axis connector sends it and updates this status.
            recipient.delivery_status = DeliveryStatus.QUEUED
        else:
            recipient.delivery_status = DeliveryStatus.DELIVERED
            recipient.delivered_at = moment
            name(document, recipient.user)
    entry = step(document, transition, Status.ISSUED, actor, Action.ISSUE, note=note)
    if original is not None:
        step(original, replace, Status.REPLACED, actor, Action.REPLACE, details={"replaced_by": document.id})
    # Last, after every other row: the counter stays locked only until the commit.
    db.session.flush()
    local_day = clock.vietnam_date(moment)
    series = numbering.outgoing_series(document)
    number = numbering.take_number(document.agency_id, local_day.year, series)
    document.number = number
    document.notation = notation
    document.series = series
    document.number_year = local_day.year
    document.issued_date = local_day
    _seal_files(document, actor, pin, moment)
    entry.details = {
        **entry.details,
        "number": number,
        "notation": notation,
        "number_and_notation": document.number_and_notation,
        "series": series,
        "issued_date": local_day.isoformat(),
        **({"replaces_id": original.id} if original is not None else {}),
    }
    # After numbering, so that the notice names the number and notation it was issued under.
    notifications.issued(document)
    return document


def correct(document: Document, actor: User, *, reason: str, **changes: Any) -> Document:
    """Put right fields of an issued document; the trace keeps each one's value before and after, and the
    axis connector sends the other agencies that received it an update package."""
    transition = workflow.check(document, Action.CORRECT, actor)
    if "subject" in changes and changes["subject"] is None:
        raise invalid("subject", "may not be null")
    if "urgency" in changes and changes["urgency"] is None:
        raise invalid("urgency", "may not be null")
    changed = {
        key: {"from": shown(getattr(document, key)), "to": shown(value)}
        for key, value in changes.items()
        if getattr(document, key) != value
    }
    if not changed:
        raise invalid(
            "_schema", "nothing to correct: give at least one field with a value other than the document's"
        )
    for key in changed:
        setattr(document, key, changes[key])
    document.updated_at = clock.now()
    step(
        document, transition, Status.ISSUED, actor, Action.CORRECT, note=reason, details={"changed": changed}
    )
    db.session.flush()
    return document


def recall(document: Document, actor: User, *, reason: str) -> Document:
    """Recorded here; the axis connector sends external recipients a revocation package."""
    transition = workflow.check(document, Action.RECALL, actor)
    document.recall_reason = reason
    document.recalled_at = clock.now()
    step(document, transition, Status.RECALLED, actor, Action.RECALL, note=reason)
    return document
