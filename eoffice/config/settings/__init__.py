"""Every setting of the server, read from EOFFICE_* environment variables in this one place.

Each module of this package holds one group of settings; `Settings` joins them and derives the values
that need more than one group.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from eoffice.config.environment import PREFIX, ConfigError, cross_check, read_environment
from eoffice.config.instance import persisted_secret
from eoffice.config.settings.access import AccessSettings
from eoffice.config.settings.axis import AxisSettings
from eoffice.config.settings.live import LiveSettings
from eoffice.config.settings.mail import MailIntakeSettings, MailSettings
from eoffice.config.settings.server import ObservabilitySettings, ServerSettings
from eoffice.config.settings.signing import SigningSettings
from eoffice.config.settings.storage import StorageSettings
from eoffice.config.settings.uploads import UploadSettings


# dataclasses collect fields from the last base to the first: listed in reverse, the groups keep the
# order in which the README and `flask settings` list the variables.
@dataclass(frozen=True)
class Settings(
    ObservabilitySettings,
    LiveSettings,
    SigningSettings,
    AxisSettings,
    MailSettings,
    StorageSettings,
    MailIntakeSettings,
    UploadSettings,
    AccessSettings,
    ServerSettings,
):
    """Field `foo_bar` is read from EOFFICE_FOO_BAR; the README lists them all with defaults."""

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        values, problems = read_environment(fields(cls), os.environ if environ is None else environ)
        settings = cls(**values) if not problems else None
        if settings is not None:
            problems.extend(cross_check(settings))
        if problems:
            raise ConfigError(problems)
        return settings

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **changes)

    @property
    def effective_public_url(self) -> str:
        return self.public_url or f"http://{self.host}:{self.port}"

    @property
    def extracts_text_inline(self) -> bool:
        if self.text_extraction is None:
            return self.is_embedded_database
        return self.text_extraction == "inline"

    @property
    def effective_storage_path(self) -> Path:
        return Path(self.storage_path).resolve() if self.storage_path else self.instance_dir / "storage"

    @property
    def effective_axis_key_dir(self) -> Path:
        return Path(self.axis_key_dir).resolve() if self.axis_key_dir else self.instance_dir / "axis"

    @property
    def signing_dir(self) -> Path:
        return self.instance_dir / "signing"

    @property
    def effective_signing_key_dir(self) -> Path:
        return Path(self.signing_key_dir).resolve() if self.signing_key_dir else self.signing_dir / "keys"

    def resolve_secrets(self) -> Settings:
        """Fill unset keys from instance/, generating and persisting them on first start."""
        changes: dict[str, Any] = {}
        if self.secret_key is None:
            changes["secret_key"] = persisted_secret(self.instance_dir / "secret_key")
        if self.jwt_keys is None:
            changes["jwt_keys"] = {"local-1": persisted_secret(self.instance_dir / "jwt_key")}
        if self.signing_pin is None and self.signing_key_store == "pkcs12":
            changes["signing_pin"] = persisted_secret(self.signing_dir / "pin")
        return self.replace(**changes) if changes else self


def documented_settings() -> list[tuple[str, Any, str]]:
    """(variable, default, description) for every setting, for the README and `flask settings`."""
    return [(PREFIX + f.name.upper(), f.default, f.metadata["doc"]) for f in fields(Settings)]
