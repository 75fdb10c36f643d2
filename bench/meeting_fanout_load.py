"""The load of bench/meeting_fanout.py: the Node load generator run against a server while the server's
memory and CPU are sampled, and what it measured printed."""

from __future__ import annotations

import json
import math
import os
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

NODE_DIR = Path(__file__).resolve().parent / "node_reference"
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


def run_load(
    label: str, url: str, tokens: list[str], meeting_id: int, document_id: int, events: int, server_pid: int
) -> Outcome:
    """Runs loadgen.js against a server while sampling the server's memory and CPU."""
    server = psutil.Process(server_pid)
    sampler = ProcessSampler(server)
    cpu_at_start = sampler.cpu_seconds()
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as config_file:
        json.dump(
            {
                "url": url,
                "namespace": NAMESPACE,
                "tokens": tokens,
                "meeting_id": meeting_id,
                "document_id": document_id,
                "pages": PDF_PAGES,
                "events": events,
                "concurrency": 100,
            },
            config_file,
        )
    result_path = Path(config_file.name).with_suffix(".result.json")
    sampler.start()
    marks: dict[str, tuple[float, float, float]] = {}
    try:
        loadgen = subprocess.Popen(
            ["node", str(NODE_DIR / "loadgen.js"), config_file.name, str(result_path)],
            cwd=NODE_DIR,
            stdout=subprocess.PIPE,
            text=True,
        )
        loadgen_process = psutil.Process(loadgen.pid)
        for line in loadgen.stdout:
            if line.startswith("phase "):
                loadgen_times = loadgen_process.cpu_times()
                marks[line.split()[1]] = (
                    time.perf_counter(),
                    sampler.cpu_seconds(),
                    loadgen_times.user + loadgen_times.system,
                )
        loadgen.wait()
    finally:
        sampler.stop()
        os.unlink(config_file.name)
    if loadgen.returncode != 0 or not result_path.exists():
        raise SystemExit(f"{label}: the load generator failed (exit {loadgen.returncode})")
    result = json.loads(result_path.read_text())
    result_path.unlink()
    (began, cpu_began, gen_began), (ended, cpu_ended, gen_ended) = marks["present"], marks["drain"]
    return Outcome(
        server=label,
        clients=len(tokens),
        result=result,
        peak_rss_total=sampler.peak_total,
        peak_rss_process=sampler.peak_largest,
        server_cpu_total=sampler.cpu_seconds() - cpu_at_start,
        server_cpu_present=cpu_ended - cpu_began,
        present_seconds=ended - began,
        loadgen_cpu_present=gen_ended - gen_began,
    )


def print_outcome(outcome: Outcome) -> None:
    result = outcome.result
    pad = " " * 17
    print(
        f"  {outcome.server:<15} connect {result['connect_seconds']:6.1f} s"
        f"  join {result['join_seconds']:6.1f} s  present phase {outcome.present_seconds:6.1f} s"
    )
    delivery = f"{outcome.p('delivery_ms', 50):7.1f} ms  p99 {outcome.p('delivery_ms', 99):7.1f} ms"
    everyone = f"{outcome.p('all_clients_ms', 50):7.1f} ms  p99 {outcome.p('all_clients_ms', 99):7.1f} ms"
    print(
        f"{pad}per-delivery p50 {delivery} | all-clients p50 {everyone}"
        f" | ack p50 {outcome.p('ack_ms', 50):6.1f} ms"
    )
    print(
        f"{pad}delivered {result['delivered']}/{result['expected']}, lost {outcome.lost},"
        f" duplicates {result['duplicates']}, out of order {result['out_of_order']},"
        f" refused {result['events'] - result['sent']}"
    )
    print(
        f"{pad}server peak RSS {outcome.peak_rss_total / MiB:6.1f} MiB"
        f" (largest process {outcome.peak_rss_process / MiB:6.1f} MiB);"
        f" server CPU {outcome.server_cpu_total:5.1f} s in all,"
        f" {outcome.server_cpu_present:5.1f} s during the page turns"
        f" ({outcome.server_cpu_present / outcome.present_seconds:4.0%} of a core);"
        f" load generator {outcome.loadgen_cpu_present:5.1f} s"
    )


def print_summary(rows: list[tuple[int, Outcome, Outcome | None]], events: int) -> None:
    print()
    print(
        f"Summary (K={events} page turns; join: seconds until all N joined; latencies in ms;"
        " ratio = ours / reference, all-clients p99)"
    )
    header = (
        f"{'N':>5}  {'server':<15} {'join s':>6} {'deliv p50':>9} {'deliv p99':>9}"
        f" {'all p50':>8} {'all p99':>8} {'lost':>6} {'peak RSS':>9} {'CPU s':>6}  {'ratio':>6}"
    )
    print(header)
    print("-" * len(header))
    for clients, ours, reference in rows:
        for outcome in (ours, reference):
            if outcome is None:
                continue
            ratio = ""
            if outcome is ours and reference is not None:
                ratio = f"{ours.p('all_clients_ms', 99) / reference.p('all_clients_ms', 99):5.2f}x"
            print(
                f"{clients:>5}  {outcome.server:<15} {outcome.result['join_seconds']:6.1f}"
                f" {outcome.p('delivery_ms', 50):9.1f}"
                f" {outcome.p('delivery_ms', 99):9.1f} {outcome.p('all_clients_ms', 50):8.1f}"
                f" {outcome.p('all_clients_ms', 99):8.1f} {outcome.lost:>6}"
                f" {outcome.peak_rss_total / MiB:7.1f}Mi {outcome.server_cpu_present:6.1f}  {ratio:>6}"
            )
