"""Benchmark: page-turn fan-out of the live meeting room to N clients, against a bare Node Socket.IO server.

For each N, starts the production server (gunicorn with gunicorn.conf.py, one gevent WebSocket
worker) as a subprocess, creates a meeting with N participants through the REST API (chair,
delegates), uploads a PDF, invites and starts it, then runs the load generator: N socket.io-client
connections to /meetings in one Node process (bench/node_reference/loadgen.js), each joining the
room, and the chair turning the page K times (each `present` waits for its ack and for every client
to receive the `presentation` before the next). It prints per-delivery latency (send -> each
client's receive) and all-clients latency (send -> last client's receive) p50/p99, split into the
first copy read (how long the server took to begin) and the spread from the first copy to the last
(at least the time this one Node process takes to read N copies, whatever the server), lost events,
the server's peak RSS and CPU time. The same load generator then measures
bench/node_reference/server.js, a bare Node `socket.io` broadcast server with the same events,
and the benchmark prints our p99 divided by its p99.

The devices arrive as an outside client measured a hall: each connects and joins at once, 100 in
flight (`--arrival together`; `phased`: all connect, then all join), and "connect + join" is printed
for both servers of the same run. N = delegates x D (`--devices-per-delegate D`, default 1): every
device logs in through POST /api/v1/auth/login with its own device id (a pool of a few threads, before
anything is timed) and names that device at connect, as the web client does. `--pairs P` runs ours and
the reference P times alternately for each N (the reference first in every second pair) and prints the
median of the all-clients p99 ratios; `--reference-twice` puts the reference in our place too, and the
ratios it prints are the scatter of the measurement itself.

The server, the load generator and the database share this machine's cores; the figures say so.
Users are inserted directly (one argon2 hash reused: N account creations through argon2 would take
minutes). Run with the project's interpreter:

    .venv/bin/python bench/meeting_fanout.py [--clients 100 500 1000 2000] [--events 100]
        [--devices-per-delegate 1] [--arrival together|phased] [--pairs 1] [--reference-twice]
        [--database-url postgresql://postgres@127.0.0.1/test] [--redis-url redis://127.0.0.1:6379/0]
"""
