"""What a fan-out run measured, printed: each run, then a summary table of all of them."""

from __future__ import annotations

from bench.fanout.load import MiB, Outcome, arrival_seconds


def print_outcome(outcome: Outcome) -> None:
    result = outcome.result
    pad = " " * 17
    phased = ""
    if result.get("arrival_seconds") is None:
        phased = f" (connect {result['connect_seconds']:.1f} s, then join {result['join_seconds']:.1f} s)"
    print(
        f"  {outcome.server:<15} connect + join {arrival_seconds(result):6.1f} s{phased}"
        f"  present phase {outcome.present_seconds:6.1f} s"
    )
    delivery = f"{outcome.p('delivery_ms', 50):7.1f} ms  p99 {outcome.p('delivery_ms', 99):7.1f} ms"
    everyone = f"{outcome.p('all_clients_ms', 50):7.1f} ms  p99 {outcome.p('all_clients_ms', 99):7.1f} ms"
    print(
        f"{pad}per-delivery p50 {delivery} | all-clients p50 {everyone}"
        f" | ack p50 {outcome.p('ack_ms', 50):6.1f} ms"
    )
    print(
        f"{pad}first copy read p50 {outcome.p('first_client_ms', 50):6.1f} ms (the server's start);"
        f" first to last copy p50 {outcome.p('spread_ms', 50):6.1f} ms,"
        f" p99 {outcome.p('spread_ms', 99):6.1f} ms (the load generator reading {result['clients']} copies)"
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
        f"Summary (K={events} page turns; arrive: connect + join of all N, s; latencies in ms;"
        " first: first copy read, spread: first to last copy, p50 each;"
        " ratio = ours / reference, all-clients p99)"
    )
    header = (
        f"{'N':>5}  {'server':<15} {'arrive':>6} {'deliv p50':>9} {'deliv p99':>9}"
        f" {'all p50':>8} {'all p99':>8} {'first':>6} {'spread':>6} {'lost':>6} {'peak RSS':>9}"
        f" {'CPU s':>6}  {'ratio':>6}"
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
                f"{clients:>5}  {outcome.server:<15} {arrival_seconds(outcome.result):6.1f}"
                f" {outcome.p('delivery_ms', 50):9.1f}"
                f" {outcome.p('delivery_ms', 99):9.1f} {outcome.p('all_clients_ms', 50):8.1f}"
                f" {outcome.p('all_clients_ms', 99):8.1f} {outcome.p('first_client_ms', 50):6.1f}"
                f" {outcome.p('spread_ms', 50):6.1f} {outcome.lost:>6}"
                f" {outcome.peak_rss_total / MiB:7.1f}Mi {outcome.server_cpu_present:6.1f}  {ratio:>6}"
            )
