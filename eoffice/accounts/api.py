"""Administration of agencies, units and users; the directory of colleagues every member may read."""

from __future__ import annotations

from sqlalchemy import func, or_, select

from eoffice.accounts import operations, queries
from eoffice.accounts.models import Agency, Unit, User, UserRole
from eoffice.accounts.schemas import (
    AgencyCreateSchema,
    AgencySchema,
    AgencySearchSchema,
    AgencyUpdateSchema,
    DirectoryAgencySchema,
    PeopleQuerySchema,
    PersonSchema,
    UnitCreateSchema,
    UnitSchema,
    UnitUpdateSchema,
    UserCreateSchema,
    UserQuerySchema,
    UserSchema,
    UserUpdateSchema,
)
from eoffice.api_base import ApiError, Blueprint, invalid
from eoffice.auth.policy import Permission, authorize
from eoffice.auth.session import current_user, login_required
from eoffice.documents.fulltext import fold
from eoffice.extensions import db
from eoffice.listing import agency_scope, page

blp = Blueprint("admin", __name__, url_prefix="/api/v1/admin", description="Agencies, units and users")
directory_blp = Blueprint(
    "directory", __name__, url_prefix="/api/v1", description="People of one's own agency, or of another"
)
# A picker shows a page of names; narrowing by q finds anyone beyond it.
DIRECTORY_LIMIT = 200


def _get_or_404(model, key, label: str):
    row = db.session.get(model, key)
    if row is None:
        raise ApiError(404, "not_found", f"{label} {key} not found")
    return row


@blp.get("/agencies")
@blp.response(200, AgencySchema(many=True))
@login_required
def list_agencies():
    return db.session.scalars(select(Agency).order_by(Agency.id)).all()


@blp.post("/agencies")
@blp.arguments(AgencyCreateSchema)
@blp.response(201, AgencySchema)
@login_required
def create_agency(body):
    user = current_user()
    authorize(user, Permission.CREATE_AGENCY)
    agency = operations.create_agency(
        body["id"],
        body["name"],
        abbreviation=body["abbreviation"],
        parent_id=body["parent_id"],
        email=body.get("email"),
        actor=user,
    )
    db.session.commit()
    return agency


@blp.get("/agencies/<agency_id>")
@blp.response(200, AgencySchema)
@login_required
def get_agency(agency_id):
    return _get_or_404(Agency, agency_id, "agency")


@blp.patch("/agencies/<agency_id>")
@blp.arguments(AgencyUpdateSchema)
@blp.response(200, AgencySchema)
@login_required
def update_agency(body, agency_id):
    agency = _get_or_404(Agency, agency_id, "agency")
    authorize(current_user(), Permission.UPDATE_AGENCY, agency)
    operations.update_agency(agency, body, actor=current_user())
    db.session.commit()
    return agency


@blp.get("/agencies/<agency_id>/units")
@blp.response(200, UnitSchema(many=True))
@login_required
def list_units(agency_id):
    return _get_or_404(Agency, agency_id, "agency").units


@blp.post("/agencies/<agency_id>/units")
@blp.arguments(UnitCreateSchema)
@blp.response(201, UnitSchema)
@login_required
def create_unit(body, agency_id):
    agency = _get_or_404(Agency, agency_id, "agency")
    authorize(current_user(), Permission.MANAGE_UNITS, agency.id)
    unit = operations.create_unit(
        agency, body["name"], abbreviation=body["abbreviation"], actor=current_user()
    )
    db.session.commit()
    return unit


@blp.patch("/units/<int:unit_id>")
@blp.arguments(UnitUpdateSchema)
@blp.response(200, UnitSchema)
@login_required
def update_unit(body, unit_id):
    unit = _get_or_404(Unit, unit_id, "unit")
    authorize(current_user(), Permission.MANAGE_UNITS, unit.agency_id)
    operations.update_unit(unit, body, actor=current_user())
    db.session.commit()
    return unit


@blp.get("/users")
@blp.arguments(UserQuerySchema, location="query")
@blp.response(200, UserSchema(many=True))
@blp.paginate()
@login_required
def list_users(filters, pagination_parameters):
    agency_id = agency_scope(filters, Permission.VIEW_USERS)
    query = select(User)
    if agency_id:
        query = query.where(User.agency_id == agency_id)
    if "unit_id" in filters:
        query = query.where(User.unit_id == filters["unit_id"])
    if "role" in filters:
        query = query.where(User.role_rows.any(UserRole.role == filters["role"]))
    if filters.get("q"):
        pattern = f"%{filters['q'].lower()}%"
        query = query.where(or_(User.username.like(pattern), func.lower(User.full_name).like(pattern)))
    return page(query, User.id, pagination_parameters)


@blp.post("/users")
@blp.arguments(UserCreateSchema)
@blp.response(201, UserSchema)
@login_required
def create_user(body):
    actor = current_user()
    authorize(actor, Permission.MANAGE_USERS, body["agency_id"])
    if body["is_platform_admin"]:
        authorize(actor, Permission.GRANT_PLATFORM_ADMIN)
    user = operations.create_user(**body, actor=actor)
    db.session.commit()
    return user


@blp.get("/users/<int:user_id>")
@blp.response(200, UserSchema)
@login_required
def get_user(user_id):
    user = _get_or_404(User, user_id, "user")
    authorize(current_user(), Permission.VIEW_USERS, user)
    return user


@blp.patch("/users/<int:user_id>")
@blp.arguments(UserUpdateSchema)
@blp.response(200, UserSchema)
@login_required
def update_user(body, user_id):
    actor = current_user()
    user = _get_or_404(User, user_id, "user")
    authorize(actor, Permission.MANAGE_USERS, user)
    if "is_platform_admin" in body:
        authorize(actor, Permission.GRANT_PLATFORM_ADMIN)
    if user.id == actor.id and (
        body.get("is_active") is False or "admin" not in body.get("roles", ["admin"])
    ):
        raise ApiError(409, "conflict", "an administrator cannot disable or demote their own account")
    operations.update_user(user, body, actor=actor)
    db.session.commit()
    return user


@directory_blp.get("/directory/agencies")
@directory_blp.arguments(AgencySearchSchema, location="query")
@directory_blp.response(200, DirectoryAgencySchema(many=True))
@directory_blp.doc(
    description="Agencies connected to the national axis (its list, refreshed by the axis worker) and those "
    "hosted here, by name without accents or by identifier: the issuer of an incoming document, the "
    "recipients of an outgoing one."
)
@login_required
def search_agencies(filters):
    return queries.search_agencies(filters.get("q"), filters["limit"])


@directory_blp.get("/people")
@directory_blp.arguments(PeopleQuerySchema, location="query")
@directory_blp.response(200, PersonSchema(many=True))
@directory_blp.doc(
    description="Active people of the caller's agency, by name: whom a document can go to (a leader for "
    "direction, handlers, reviewers). With agency_id, the people of another agency of the platform: "
    f"delegates of a meeting come from several. At most {DIRECTORY_LIMIT}; narrow with q."
)
@login_required
def list_people(filters):
    agency_id = filters.get("agency_id", current_user().agency_id)
    if "agency_id" in filters and db.session.get(Agency, agency_id) is None:
        raise invalid("agency_id", f"unknown agency {agency_id}", "query")
    query = select(User).where(User.agency_id == agency_id, User.is_active.is_(True))
    if "unit_id" in filters:
        query = query.where(User.unit_id == filters["unit_id"])
    if "role" in filters:
        query = query.where(User.role_rows.any(UserRole.role == filters["role"]))
    query = query.order_by(User.full_name, User.id)
    if filters.get("q"):
        # Part of the name without accents or case ("dang van" finds "Đặng Văn Hùng"; SQLite's lower()
        # knows only ASCII), or of the username: matched here over the agency's names, then loaded.
        text = filters["q"].lower()
        words = fold(text)
        ids = [
            row.id
            for row in db.session.execute(query.with_only_columns(User.id, User.full_name, User.username))
            if (words and words in fold(row.full_name)) or text in row.username.lower()
        ]
        query = query.where(User.id.in_(ids[:DIRECTORY_LIMIT]))
    return db.session.scalars(query.limit(DIRECTORY_LIMIT)).all()
