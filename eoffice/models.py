"""Imports every feature's models so that the metadata, and so Alembic, sees all tables."""

import eoffice.accounts.models
import eoffice.audit.models
import eoffice.auth.models
import eoffice.axis.models
import eoffice.devices.models
import eoffice.documents.models
import eoffice.mail.models
import eoffice.mailbox.models
import eoffice.records.models
import eoffice.signing.models
import eoffice.storage.models  # noqa: F401
import meetings.models  # noqa: F401
