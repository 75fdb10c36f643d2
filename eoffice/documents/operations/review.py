"""Review of outgoing drafts: the agency's levels, submission, each level's decision, the signature."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from eoffice.accounts.models import Role, User
from eoffice.documents import clock, notifications, workflow
from eoffice.documents.models import (
    Document,
    DocumentSettings,
    FileRole,
    Review,
    ReviewDecision,
    ReviewKind,
    Status,
)
from eoffice.documents.operations.common import agency_user, invalid, name, step
from eoffice.documents.operations.drafting import main_pdf
from eoffice.documents.operations.files import read_content, replace_content
from eoffice.documents.policy import may_review_drafts, may_sign_drafts
from eoffice.documents.workflow import Action
from eoffice.extensions import db
from eoffice.signing import operations as signing

DEFAULT_REVIEW_LEVELS = 1


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


def _sign_main_file(
    document: Document, signer: User, pin: str | None, moment: datetime, placement: dict[str, Any] | None
) -> None:
    """The signer's signature on the main PDF, made before anything of the approval is written.

    placement: the signer's choice; else the draft's (checked again: the main file may have been replaced
    since); else the automatic one.
    """
    link = main_pdf(document)
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
