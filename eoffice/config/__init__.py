"""Every setting of the server, read from EOFFICE_* environment variables: `Settings.from_env()`."""

from eoffice.config.environment import IGNORED_PREFIXES, PREFIX, ConfigError
from eoffice.config.settings import Settings, documented_settings

__all__ = ["IGNORED_PREFIXES", "PREFIX", "ConfigError", "Settings", "documented_settings"]
