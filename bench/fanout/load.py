"""The load of the fan-out benchmark: the Node load generator run against a server while the server's
memory and CPU are sampled."""

from __future__ import annotations

import json
import math
import os
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import psutil

NODE_DIR = Path(__file__).resolve().parent.parent / "node_reference"
NAMESPACE = "/meetings"
PDF_PAGES = 20
SAMPLE_INTERVAL = 0.05
MiB = 1024 * 1024


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile; NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


class ProcessSampler(threading.Thread):
    """Peak resident memory of a process tree (e.g. gunicorn master and worker) until stopped."""

    def __init__(self, root: psutil.Process):
        super().__init__(daemon=True)
        self.root = root
        self._stop_event = threading.Event()
        self.peak_total = 0
        self.peak_largest = 0

    def processes(self) -> list[psutil.Process]:
        try:
            return [self.root, *self.root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    def cpu_seconds(self) -> float:
        total = 0.0
        for process in self.processes():
            try:
                times = process.cpu_times()
            except psutil.NoSuchProcess:
                continue
            total += times.user + times.system
        return total

    def run(self) -> None:
        while not self._stop_event.is_set():
            sizes = []
            for process in self.processes():
                try:
                    sizes.append(process.memory_info().rss)
                except psutil.NoSuchProcess:
                    continue
            if sizes:
                self.peak_total = max(self.peak_total, sum(sizes))
                self.peak_largest = max(self.peak_largest, max(sizes))
            self._stop_event.wait(SAMPLE_INTERVAL)

    def stop(self) -> None:
        self._stop_event.set()
        self.join()


@dataclass
class Outcome:
    server: str
    clients: int
    result: dict
    peak_rss_total: int
    peak_rss_process: int
    server_cpu_total: float
    server_cpu_present: float
    present_seconds: float
    loadgen_cpu_present: float
    extra: dict = field(default_factory=dict)

    @property
    def lost(self) -> int:
        return self.result["expected"] - self.result["delivered"]

    def p(self, series: str, q: float) -> float:
        return percentile(self.result[series], q)


@dataclass
class LoadRun:
    """What loadgen.js wrote, and at each "phase" line it printed: (time, CPU seconds of each server
    process tree, CPU seconds of the load generator)."""

    result: dict
    marks: dict[str, tuple[float, list[float], float]]
    samplers: list[ProcessSampler]
    cpu_at_start: list[float]


def run_loadgen(
    label: str,
    config: dict,
    server_pids: list[int],
    on_phase: Callable[[str, subprocess.Popen], None] | None = None,
) -> LoadRun:
    """Runs loadgen.js with `config` while sampling the memory and CPU of each server; `on_phase` is
    called at each phase line (it may write a line to the load generator's standard input)."""
    samplers = [ProcessSampler(psutil.Process(pid)) for pid in server_pids]
    cpu_at_start = [sampler.cpu_seconds() for sampler in samplers]
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as config_file:
        json.dump({"namespace": NAMESPACE, "concurrency": 100, **config}, config_file)
    result_path = Path(config_file.name).with_suffix(".result.json")
    for sampler in samplers:
        sampler.start()
    marks: dict[str, tuple[float, list[float], float]] = {}
    try:
        loadgen = subprocess.Popen(
            ["node", str(NODE_DIR / "loadgen.js"), config_file.name, str(result_path)],
            cwd=NODE_DIR,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        loadgen_process = psutil.Process(loadgen.pid)
        for line in loadgen.stdout:
            if line.startswith("phase "):
                phase = line.split()[1]
                loadgen_times = loadgen_process.cpu_times()
                marks[phase] = (
                    time.perf_counter(),
                    [sampler.cpu_seconds() for sampler in samplers],
                    loadgen_times.user + loadgen_times.system,
                )
                if on_phase is not None:
                    on_phase(phase, loadgen)
        loadgen.wait()
    finally:
        for sampler in samplers:
            sampler.stop()
        os.unlink(config_file.name)
    if loadgen.returncode != 0 or not result_path.exists():
        raise SystemExit(f"{label}: the load generator failed (exit {loadgen.returncode})")
    result = json.loads(result_path.read_text())
    result_path.unlink()
    return LoadRun(result, marks, samplers, cpu_at_start)


def run_load(
    label: str,
    url: str,
    devices: list[dict],
    meeting_id: int,
    document_id: int,
    events: int,
    server_pid: int,
    arrival: str = "together",
) -> Outcome:
    """One room's page turns (loadgen.js without a scenario) against a server; `devices`: {token,
    device_id?} each."""
    run = run_loadgen(
        label,
        {
            "url": url,
            "devices": devices,
            "meeting_id": meeting_id,
            "document_id": document_id,
            "pages": PDF_PAGES,
            "events": events,
            "arrival": arrival,
        },
        [server_pid],
    )
    (began, [cpu_began], gen_began), (ended, [cpu_ended], gen_ended) = (
        run.marks["present"],
        run.marks["drain"],
    )
    sampler = run.samplers[0]
    return Outcome(
        server=label,
        clients=len(devices),
        result=run.result,
        peak_rss_total=sampler.peak_total,
        peak_rss_process=sampler.peak_largest,
        server_cpu_total=sampler.cpu_seconds() - run.cpu_at_start[0],
        server_cpu_present=cpu_ended - cpu_began,
        present_seconds=ended - began,
        loadgen_cpu_present=gen_ended - gen_began,
    )


def arrival_seconds(result: dict) -> float:
    """Connect + join of every device: at once (arrival "together") or connect all, then join all."""
    if result.get("arrival_seconds") is not None:
        return result["arrival_seconds"]
    return result["connect_seconds"] + result["join_seconds"]
