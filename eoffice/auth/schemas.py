"""Request and response schemas of the token endpoints."""

import marshmallow as ma

from eoffice.api_base import ApiSchema


class LoginSchema(ApiSchema):
    username = ma.fields.String(required=True, validate=ma.validate.Length(1, 64))
    password = ma.fields.String(required=True, validate=ma.validate.Length(1, 1024))


class RefreshTokenSchema(ApiSchema):
    refresh_token = ma.fields.String(required=True, validate=ma.validate.Length(1, 256))


class TokenPairSchema(ApiSchema):
    access_token = ma.fields.String()
    refresh_token = ma.fields.String()
    token_type = ma.fields.String()
    expires_in = ma.fields.Integer(metadata={"description": "Access token lifetime in seconds"})
