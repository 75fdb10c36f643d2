"""The configured connection to the axis: one client per connected system, each hosted agency's key."""

from __future__ import annotations

from pathlib import Path

from eoffice.axis.client import AxisClient, TemporaryFailure
from eoffice.axis.keys import Identity, MissingKey, load_identity, trusted_certificate
from eoffice.config import Settings


class Connector:
    """Built from the settings: EOFFICE_AXIS_URL, EOFFICE_AXIS_SYSTEMS and the key folder."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.key_dir: Path = settings.effective_axis_key_dir
        self._clients: dict[str, AxisClient] = {}
        self._agencies: dict[str, set[str]] = {}
        for agency_id, (system_id, secret) in (settings.axis_systems or {}).items():
            if system_id not in self._clients:
                self._clients[system_id] = AxisClient(
                    settings.axis_url, system_id, secret, timeout=settings.axis_timeout
                )
            self._agencies.setdefault(system_id, set()).add(agency_id)

    @property
    def is_configured(self) -> bool:
        return bool(self.settings.axis_url and self._clients)

    def client_for(self, agency_id: str) -> AxisClient:
        """The client of the system speaking for a hosted agency; a missing one is a setup to fix
        (EOFFICE_AXIS_SYSTEMS), so the send waits and is tried again."""
        for system_id, agencies in self._agencies.items():
            if agency_id in agencies:
                return self._clients[system_id]
        raise TemporaryFailure(f"agency {agency_id} has no axis credentials (EOFFICE_AXIS_SYSTEMS)")

    def systems(self) -> list[tuple[AxisClient, set[str]]]:
        return [(self._clients[system_id], agencies) for system_id, agencies in self._agencies.items()]

    def identity(self, agency_id: str) -> Identity:
        try:
            return load_identity(self.key_dir, agency_id)
        except MissingKey as exc:
            raise TemporaryFailure(str(exc)) from exc

    def trusted_certificate(self, organ_id: str) -> str | None:
        return trusted_certificate(self.key_dir, organ_id)

    def close(self) -> None:
        for client in self._clients.values():
            client.close()
