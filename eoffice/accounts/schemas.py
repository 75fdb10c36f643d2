"""Schemas of agencies, units and users, for requests and responses."""

import marshmallow as ma

from eoffice.accounts.models import AGENCY_ID_PATTERN, Role
from eoffice.api_base import ApiSchema

ROLE_CHOICES = [role.value for role in Role]

agency_id_field = ma.fields.String(
    required=True,
    validate=ma.validate.Regexp(
        AGENCY_ID_PATTERN, error="must be a 13-character agency identifier like 000.00.00.H49"
    ),
)
username_validator = ma.validate.Regexp(
    r"^[a-z0-9][a-z0-9._-]{2,63}$",
    error="3-64 characters: lowercase letters, digits, dot, dash, underscore",
)
password_validator = ma.validate.Length(min=8, max=1024, error="must be 8 to 1024 characters")


class OfficialEmail(ma.fields.Email):
    """An agency's official address, kept lowercase: the mail intake compares senders with it."""

    def _deserialize(self, value, attr, data, **kwargs):
        address = super()._deserialize(value, attr, data, **kwargs)
        return address.strip().lower() if address is not None else None


def official_email() -> OfficialEmail:
    return OfficialEmail(
        allow_none=True,
        validate=ma.validate.Length(max=254),
        metadata={"description": "Its official e-mail address: mail from it is known to come from it"},
    )


class AgencySchema(ApiSchema):
    id = ma.fields.String()
    name = ma.fields.String()
    abbreviation = ma.fields.String(allow_none=True)
    parent_id = ma.fields.String(allow_none=True)
    email = ma.fields.String(allow_none=True)
    created_at = ma.fields.DateTime()


class DirectoryAgencySchema(ApiSchema):
    id = ma.fields.String(metadata={"example": "000.00.12.H49"})
    name = ma.fields.String(metadata={"example": "Sở Nội vụ tỉnh Quảng Nam"})
    parent_id = ma.fields.String(allow_none=True)
    email = ma.fields.String(allow_none=True)
    hosted = ma.fields.Boolean(metadata={"description": "One of the agencies this server hosts"})


class AgencySearchSchema(ApiSchema):
    q = ma.fields.String(
        validate=ma.validate.Length(1, 100),
        metadata={"description": "Words of the name, without accents if you like, or part of the identifier"},
    )
    limit = ma.fields.Integer(load_default=20, validate=ma.validate.Range(1, 100))


class AgencyCreateSchema(ApiSchema):
    id = agency_id_field
    name = ma.fields.String(required=True, validate=ma.validate.Length(1, 200))
    abbreviation = ma.fields.String(load_default=None, validate=ma.validate.Length(1, 20))
    parent_id = ma.fields.String(
        load_default=None, validate=ma.validate.Regexp(AGENCY_ID_PATTERN, error="not an agency identifier")
    )
    email = official_email()


class AgencyUpdateSchema(ApiSchema):
    name = ma.fields.String(validate=ma.validate.Length(1, 200))
    abbreviation = ma.fields.String(allow_none=True, validate=ma.validate.Length(1, 20))
    email = official_email()


class UnitSchema(ApiSchema):
    id = ma.fields.Integer()
    agency_id = ma.fields.String()
    name = ma.fields.String()
    abbreviation = ma.fields.String(allow_none=True)


class UnitCreateSchema(ApiSchema):
    name = ma.fields.String(required=True, validate=ma.validate.Length(1, 200))
    abbreviation = ma.fields.String(load_default=None, validate=ma.validate.Length(1, 20))


class UnitUpdateSchema(ApiSchema):
    name = ma.fields.String(validate=ma.validate.Length(1, 200))
    abbreviation = ma.fields.String(allow_none=True, validate=ma.validate.Length(1, 20))


class UserSchema(ApiSchema):
    id = ma.fields.Integer()
    username = ma.fields.String()
    full_name = ma.fields.String()
    email = ma.fields.String(allow_none=True)
    agency_id = ma.fields.String()
    unit_id = ma.fields.Integer(allow_none=True)
    roles = ma.fields.List(ma.fields.String())
    language = ma.fields.String()
    is_active = ma.fields.Boolean()
    is_platform_admin = ma.fields.Boolean()
    created_at = ma.fields.DateTime()


class MeSchema(UserSchema):
    agency_name = ma.fields.Function(lambda user: user.agency.name)
    unit_name = ma.fields.Function(lambda user: user.unit.name if user.unit else None)


class UserCreateSchema(ApiSchema):
    username = ma.fields.String(required=True, validate=username_validator)
    password = ma.fields.String(required=True, load_only=True, validate=password_validator)
    full_name = ma.fields.String(required=True, validate=ma.validate.Length(1, 200))
    email = ma.fields.Email(load_default=None)
    agency_id = agency_id_field
    unit_id = ma.fields.Integer(load_default=None)
    roles = ma.fields.List(ma.fields.String(validate=ma.validate.OneOf(ROLE_CHOICES)), load_default=list)
    language = ma.fields.String(load_default="vi", validate=ma.validate.OneOf(["vi", "en"]))
    is_platform_admin = ma.fields.Boolean(load_default=False)


class UserUpdateSchema(ApiSchema):
    password = ma.fields.String(load_only=True, validate=password_validator)
    full_name = ma.fields.String(validate=ma.validate.Length(1, 200))
    email = ma.fields.Email(allow_none=True)
    unit_id = ma.fields.Integer(allow_none=True)
    roles = ma.fields.List(ma.fields.String(validate=ma.validate.OneOf(ROLE_CHOICES)))
    language = ma.fields.String(validate=ma.validate.OneOf(["vi", "en"]))
    is_active = ma.fields.Boolean()
    is_platform_admin = ma.fields.Boolean()


class UserQuerySchema(ApiSchema):
    agency_id = ma.fields.String()
    unit_id = ma.fields.Integer()
    role = ma.fields.String(validate=ma.validate.OneOf(ROLE_CHOICES))
    q = ma.fields.String(metadata={"description": "Part of the username or full name"})


class PersonSchema(ApiSchema):
    """A colleague as the directory shows them: enough to pick them, nothing more."""

    id = ma.fields.Integer()
    full_name = ma.fields.String()
    agency_id = ma.fields.String()
    unit_id = ma.fields.Integer(allow_none=True)
    unit_name = ma.fields.Function(lambda user: user.unit.name if user.unit else None)
    roles = ma.fields.List(ma.fields.String())


class PeopleQuerySchema(ApiSchema):
    agency_id = ma.fields.String(
        validate=ma.validate.Length(1, 13),
        metadata={"description": "Another agency's people (a meeting's delegates); the caller's by default"},
    )
    role = ma.fields.String(validate=ma.validate.OneOf(ROLE_CHOICES))
    unit_id = ma.fields.Integer()
    q = ma.fields.String(
        validate=ma.validate.Length(1, 100), metadata={"description": "Part of the full name or username"}
    )
