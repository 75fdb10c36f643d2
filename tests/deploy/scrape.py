"""Reading the server processes' metrics listeners, and waiting for what a server learns late."""

from __future__ import annotations

import time

import requests
from prometheus_client.parser import text_string_to_metric_families

from tests.meetings.conftest import _free_port

free_port = _free_port


class Scrape:
    """One answer of a metrics listener, read as Prometheus reads it."""

    def __init__(self, metrics_url: str):
        answer = requests.get(f"{metrics_url}/metrics", timeout=10)
        assert answer.status_code == 200, answer.text
        self.samples = [
            sample for family in text_string_to_metric_families(answer.text) for sample in family.samples
        ]

    def value(self, name: str, **labels: str) -> float:
        """The sample's value, 0 when the listener has none yet (a route never requested)."""
        matching = [s.value for s in self.samples if s.name == name and labels.items() <= s.labels.items()]
        assert len(matching) <= 1, f"{name}{labels} names {len(matching)} samples"
        return matching[0] if matching else 0.0

    def labels_of(self, name: str, label: str) -> set[str]:
        return {s.labels[label] for s in self.samples if s.name == name and label in s.labels}


def wait_until(read, expected, timeout: float = 30):
    """read() once it equals expected, or its last value (what a server learns after a client returns)."""
    deadline = time.monotonic() + timeout
    while (value := read()) != expected and time.monotonic() < deadline:
        time.sleep(0.1)
    return value
