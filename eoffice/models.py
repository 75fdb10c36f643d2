"""Imports every feature's models so that the metadata, and so Alembic, sees all tables."""

from eoffice.accounts.models import Agency, Unit, User, UserRole
from eoffice.audit.models import AuditEvent
from eoffice.auth.models import LoginFailure, RefreshToken
from eoffice.storage.models import StoredFile

__all__ = ["Agency", "AuditEvent", "LoginFailure", "RefreshToken", "StoredFile", "Unit", "User", "UserRole"]
