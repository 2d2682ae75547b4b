"""S3 speed: PUT and GET of 4 KiB objects signed with SigV4, Karashi beside a ceiling.

Run by hand (never by CI):  .venv/bin/python bench/bench_s3.py [--runs 3] [--seconds 5]

Two servers start on free 127.0.0.1 ports, on the same stack and flags as
``karashi serve`` (uvicorn, uvloop, httptools, one worker, no access log):
  karashi -- ``karashi serve`` on a temporary data folder, its default settings;
  ceiling -- a hello-world ASGI app that reads the body and answers a GET with 4 KiB:
             no app on this stack can do better, so karashi/ceiling is how close we are.

Both get the same load from the same client at concurrency 1 and 32: one keep-alive
connection per worker, requests written in one piece, responses parsed by httptools
(this script's ``Connection``: nothing to install, and lean, because on a 2-core
machine the client's CPU is taken from the server's). Each case is a warm-up, then a
fixed number of seconds measured; each case runs ``--runs`` times, interleaved with
the other cases, and the table shows medians.

Signing. Before each case the client signs a pool of 256 PUTs with botocore's
S3SigV4Auth (Authorization header, X-Amz-Date, X-Amz-Content-SHA256 = hex SHA-256 of
the body) and presigns 256 GET URLs (S3SigV4QueryAuth) for the same keys; workers
cycle through them. Replaying a signed request is valid SigV4 within its 15-minute
window and the server verifies it in full every time; signing per case keeps every
signature fresh. The cost of signing is measured on its own and printed, so it can be
added back; ``--sign-each`` signs every PUT as it is sent instead.

Columns: ops/s (with the spread over runs), p50 and p99 latency, and CPU per
operation of the server process (all threads, from /proc) and of the client.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlsplit

import httptools
import uvloop
from botocore.auth import S3SigV4Auth, S3SigV4QueryAuth  # type: ignore[import-untyped]
from botocore.awsrequest import AWSRequest  # type: ignore[import-untyped]
from botocore.credentials import Credentials  # type: ignore[import-untyped]

HOST = "127.0.0.1"
REGION = "us-east-1"
BUCKET = "bench"
OBJECT_SIZE = 4096
POOL = 256
CLOCK_TICK = os.sysconf("SC_CLK_TCK")


# -- The ceiling: the same stack with nothing behind it. ---------------------------------

CEILING_BODY = b"x" * OBJECT_SIZE


async def ceiling_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Reads the whole body; answers 200 with 4 KiB to a GET and empty to anything else."""
    if scope["type"] == "lifespan":
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    while (await receive()).get("more_body", False):
        pass
    body = CEILING_BODY if scope["method"] == "GET" else b""
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


def serve_ceiling(port: int) -> None:
    import uvicorn

    # The arguments of ``karashi serve`` (src/karashi/cli/main.py), less TLS.
    uvicorn.run(ceiling_app, host=HOST, port=port, loop="uvloop", http="httptools",
                log_config=None, access_log=False, server_header=False,
                date_header=True, lifespan="on", proxy_headers=False)


# -- Servers as subprocesses. ------------------------------------------------------------

@dataclass
class Server:
    name: str
    proc: subprocess.Popen[bytes]
    port: int
    log: Path

    def cpu_seconds(self) -> float:
        """User + system CPU of the server process, all its threads included."""
        stat = Path(f"/proc/{self.proc.pid}/stat").read_text()
        fields = stat.rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICK

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def start_server(name: str, argv: list[str], port: int, log: Path) -> Server:
    with open(log, "wb") as out:
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT)
    server = Server(name, proc, port, log)
    # uvicorn binds its socket only once the app has started, so a connect means ready.
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"{name} exited with {proc.returncode}:\n{log.read_text()}")
        try:
            socket.create_connection((HOST, port), timeout=1).close()
            return server
        except OSError:
            time.sleep(0.1)
    server.stop()
    sys.exit(f"{name} did not listen on port {port} within 30 s:\n{log.read_text()}")


def start_karashi(tmp: Path) -> tuple[Server, Credentials]:
    data = tmp / "karashi-data"
    made = subprocess.run(
        [sys.executable, "-m", "karashi", "admin", "create-account", "bench", "--json",
         "--data-dir", str(data)], check=True, capture_output=True, text=True)
    account = json.loads(made.stdout)
    port = free_port()
    server = start_server("karashi", [sys.executable, "-m", "karashi", "serve",
                                      "--data-dir", str(data), "--host", HOST,
                                      "--port", str(port)], port, tmp / "karashi.log")
    return server, Credentials(account["access_key_id"], account["secret_access_key"])


def start_ceiling(tmp: Path) -> Server:
    port = free_port()
    return start_server("ceiling", [sys.executable, __file__, "--serve-ceiling", str(port)],
                        port, tmp / "ceiling.log")


# -- Signing and the client. -------------------------------------------------------------

def wire(method: str, target: str, host: str, headers: Mapping[str, str],
         body: bytes = b"") -> bytes:
    """The request as bytes on the wire, Host first as botocore signed it."""
    lines = [f"{method} {target} HTTP/1.1", f"Host: {host}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    if body or method == "PUT":
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


class Signer:
    """Real SigV4 for one endpoint: header-signed PUTs and presigned GETs."""

    def __init__(self, credentials: Credentials, port: int) -> None:
        self.host = f"{HOST}:{port}"
        self._header = S3SigV4Auth(credentials, "s3", REGION)
        self._query = S3SigV4QueryAuth(credentials, "s3", REGION, expires=3600)

    def put(self, path: str, body: bytes) -> bytes:
        request = AWSRequest(method="PUT", url=f"http://{self.host}{path}", data=body)
        self._header.add_auth(request)
        return wire("PUT", path, self.host, request.headers, body)

    def presigned_get(self, path: str) -> bytes:
        request = AWSRequest(method="GET", url=f"http://{self.host}{path}")
        self._query.add_auth(request)
        url = urlsplit(request.url)
        return wire("GET", f"{url.path}?{url.query}", self.host, {})


class Connection(asyncio.Protocol):
    """One keep-alive HTTP/1.1 connection: write a request, await its response."""

    def __init__(self) -> None:
        self._parser = httptools.HttpResponseParser(self)
        self._transport: asyncio.Transport | None = None
        self._waiter: asyncio.Future[tuple[int, bytes]] | None = None
        self._body = bytearray()
        self._keep_alive = True

    @classmethod
    async def open(cls, port: int) -> Connection:
        _, conn = await asyncio.get_running_loop().create_connection(cls, HOST, port)
        return conn

    @property
    def reusable(self) -> bool:
        return self._transport is not None and self._keep_alive

    async def request(self, raw: bytes) -> tuple[int, bytes]:
        assert self._transport is not None
        self._body = bytearray()
        self._waiter = asyncio.get_running_loop().create_future()
        self._transport.write(raw)
        return await self._waiter

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()

    # asyncio.Protocol and httptools callbacks.
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass

    def data_received(self, data: bytes) -> None:
        self._parser.feed_data(data)

    def on_body(self, body: bytes) -> None:
        self._body += body

    def on_message_complete(self) -> None:
        # Asked later, httptools answers for the next message, not this one.
        self._keep_alive = self._parser.should_keep_alive()
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result((self._parser.get_status_code(), bytes(self._body)))

    def connection_lost(self, exc: Exception | None) -> None:
        self._transport = None
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_exception(ConnectionError("the server closed the connection"))


def key_path(i: int) -> str:
    return f"/{BUCKET}/obj-{i % POOL:03d}"


BODIES = [os.urandom(OBJECT_SIZE) for _ in range(POOL)]


# -- One case: warm-up, then a measured window. -----------------------------------------

@dataclass
class Sample:
    ops_per_s: float
    p50_ms: float
    p99_ms: float
    server_cpu_us: float
    client_cpu_us: float
    errors: Counter[str] = field(default_factory=Counter)


def percentile(ordered: list[float], q: float) -> float:
    """Nearest-rank percentile of an ascending list; NaN if nothing finished."""
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


async def drive(server: Server, make: Callable[[int], bytes], concurrency: int,
                warmup: float, seconds: float, want_body: int | None) -> Sample:
    conns = [await Connection.open(server.port) for _ in range(concurrency)]
    done: list[tuple[float, float]] = []  # (finished at, latency)
    errors: Counter[str] = Counter()
    stop = False

    async def worker(n: int) -> None:
        i = n
        while not stop:
            raw = make(i)
            started = time.perf_counter()
            status, body = await conns[n].request(raw)
            finished = time.perf_counter()
            done.append((finished, finished - started))
            if status >= 300:
                errors[f"{status} {body[:160]!r}"] += 1
            elif want_body is not None and len(body) != want_body:
                errors[f"{status} body of {len(body)} bytes"] += 1
            if not conns[n].reusable:
                errors["server ended keep-alive"] += 1
                conns[n].close()
                conns[n] = await Connection.open(server.port)
            i += concurrency

    workers = [asyncio.create_task(worker(n)) for n in range(concurrency)]
    await asyncio.sleep(warmup)
    start, cpu0, own0 = time.perf_counter(), server.cpu_seconds(), time.process_time()
    await asyncio.sleep(seconds)
    end, cpu1, own1 = time.perf_counter(), server.cpu_seconds(), time.process_time()
    stop = True
    await asyncio.gather(*workers)
    for conn in conns:
        conn.close()

    latencies = sorted(lat for at, lat in done if start <= at < end)
    n = max(1, len(latencies))
    return Sample(len(latencies) / (end - start), percentile(latencies, 0.50) * 1e3,
                  percentile(latencies, 0.99) * 1e3, (cpu1 - cpu0) / n * 1e6,
                  (own1 - own0) / n * 1e6, errors)


def run_case(server: Server, signer: Signer, op: str, concurrency: int,
             args: argparse.Namespace) -> Sample:
    if op == "PUT" and args.sign_each:
        def make(i: int) -> bytes:
            return signer.put(key_path(i), BODIES[i % POOL])
    else:
        if op == "PUT":
            pool = [signer.put(key_path(i), BODIES[i]) for i in range(POOL)]
        else:
            pool = [signer.presigned_get(key_path(i)) for i in range(POOL)]

        def make(i: int) -> bytes:
            return pool[i % POOL]
    want = OBJECT_SIZE if op == "GET" else None
    return uvloop.run(drive(server, make, concurrency, args.warmup, args.seconds, want))


# -- Set-up, signing cost, report. -------------------------------------------------------

async def seed(server: Server, signer: Signer) -> None:
    """Create the bucket and write every object of the pool, checking each answer."""
    conn = await Connection.open(server.port)
    status, body = await conn.request(signer.put(f"/{BUCKET}", b""))
    if status != 200:
        sys.exit(f"CreateBucket on {server.name} answered {status}: {body[:300]!r}")
    for i in range(POOL):
        status, body = await conn.request(signer.put(key_path(i), BODIES[i]))
        if status != 200:
            sys.exit(f"PutObject on {server.name} answered {status}: {body[:300]!r}")
    status, body = await conn.request(signer.presigned_get(key_path(7)))
    if server.name == "karashi" and (status != 200 or body != BODIES[7]):
        sys.exit(f"GetObject on {server.name} answered {status} with {len(body)} bytes")
    conn.close()


def signing_cost(signer: Signer, n: int = 2000) -> tuple[float, float]:
    """Client CPU to sign one PUT (hashing its 4 KiB body) and to presign one GET, µs."""
    def put(i: int) -> bytes:
        return signer.put(key_path(i), BODIES[i % POOL])

    costs = []
    for sign in (put, lambda i: signer.presigned_get(key_path(i))):
        sign(0)
        began = time.process_time()
        for i in range(n):
            sign(i)
        costs.append((time.process_time() - began) / n * 1e6)
    return costs[0], costs[1]


def print_table(results: dict[tuple[str, int, str], list[Sample]], runs: int,
                args: argparse.Namespace) -> None:
    print(f"\n4 KiB objects; median of {runs} runs of {args.seconds:g} s after "
          f"{args.warmup:g} s warm-up; CPU per op; PUT "
          f"{'signed as sent' if args.sign_each else 'from a pre-signed pool'}, "
          f"GET presigned; k/c = karashi / ceiling")
    print(f"{'op':4}{'conc':>5}  {'target':8}{'ops/s':>8} {'(min-max)':>13}"
          f"{'p50 ms':>8}{'p99 ms':>8}{'srv µs':>8}{'cli µs':>8}{'errors':>7}")
    kinds: Counter[str] = Counter()
    for op in args.ops:
        for conc in args.concurrency:
            medians = {}
            for target in ("karashi", "ceiling"):
                samples = results[(op, conc, target)]
                m = {name: statistics.median(getattr(s, name) for s in samples)
                     for name in ("ops_per_s", "p50_ms", "p99_ms", "server_cpu_us",
                                  "client_cpu_us")}
                medians[target] = m
                rates = [s.ops_per_s for s in samples]
                spread = f"({min(rates):.0f}-{max(rates):.0f})"
                errors = sum(sum(s.errors.values()) for s in samples)
                for s in samples:
                    kinds.update({f"{op} c={conc} {target}: {kind}": count
                                  for kind, count in s.errors.items()})
                print(f"{op:4}{conc:>5}  {target:8}{m['ops_per_s']:8.0f} {spread:>13}"
                      f"{m['p50_ms']:8.2f}{m['p99_ms']:8.2f}{m['server_cpu_us']:8.0f}"
                      f"{m['client_cpu_us']:8.0f}{errors:7d}")
            k, c = medians["karashi"], medians["ceiling"]
            print(f"{'':9}  {'k/c':8}{k['ops_per_s'] / c['ops_per_s']:8.3f} {'':13}"
                  f"{k['p50_ms'] / c['p50_ms']:8.1f}{k['p99_ms'] / c['p99_ms']:8.1f}"
                  f"{k['server_cpu_us'] / max(c['server_cpu_us'], 1e-9):8.1f}")
    for kind, count in kinds.most_common(8):
        print(f"  {count} x {kind}")


def print_server_log(server: Server) -> None:
    """What the server said: audit statuses, and any warning, error or traceback."""
    statuses: Counter[int] = Counter()
    trouble: Counter[str] = Counter()
    for line in server.log.read_text(errors="replace").splitlines():
        if " karashi.audit: " in line:
            statuses[json.loads(line.split(" karashi.audit: ", 1)[1]).get("status", 0)] += 1
        if " INFO " in line and " karashi.audit: " in line:
            continue
        if any(word in line for word in ("WARNING", "ERROR", "CRITICAL", "Traceback")):
            trouble[line.split(" ", 2)[-1][:160]] += 1
    if statuses:
        print(f"{server.name} audit log: " + ", ".join(
            f"{count} x {status}" for status, count in sorted(statuses.items())))
    for line, count in trouble.most_common(10):
        print(f"{server.name} log: {count} x {line}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=5.0, help="measured, per case")
    parser.add_argument("--warmup", type=float, default=1.0, help="unmeasured, per case")
    parser.add_argument("--ops", nargs="+", default=["PUT", "GET"], choices=["PUT", "GET"])
    parser.add_argument("--concurrency", nargs="+", type=int, default=[1, 32])
    parser.add_argument("--sign-each", action="store_true",
                        help="sign every PUT as it is sent (client CPU then competes)")
    parser.add_argument("--tmp-dir", help="where the data folder goes (its disk's fsync "
                                          "speed sets PUT latency)")
    parser.add_argument("--serve-ceiling", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_ceiling:
        serve_ceiling(args.serve_ceiling)
        return

    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="karashi-bench-", dir=args.tmp_dir) as tmp:
        servers: list[Server] = []
        try:
            karashi, credentials = start_karashi(Path(tmp))
            servers.append(karashi)
            ceiling = start_ceiling(Path(tmp))
            servers.append(ceiling)
            print(f"karashi pid {karashi.proc.pid} port {karashi.port}, "
                  f"ceiling pid {ceiling.proc.pid} port {ceiling.port}, data in {tmp}", flush=True)
            signers = {"karashi": Signer(credentials, karashi.port),
                       "ceiling": Signer(credentials, ceiling.port)}
            for server in servers:
                uvloop.run(seed(server, signers[server.name]))

            results: dict[tuple[str, int, str], list[Sample]] = {}
            for run in range(args.runs):
                # Alternate which target goes first, so drift in the machine's load
                # does not always favour the same one.
                order = [karashi, ceiling] if run % 2 == 0 else [ceiling, karashi]
                for op in args.ops:
                    for conc in args.concurrency:
                        for server in order:
                            sample = run_case(server, signers[server.name], op, conc, args)
                            results.setdefault((op, conc, server.name), []).append(sample)
                            print(f"  run {run + 1}/{args.runs} {op} c={conc:<3} "
                                  f"{server.name:8}{sample.ops_per_s:8.0f} ops/s  "
                                  f"p50 {sample.p50_ms:6.2f} ms  p99 {sample.p99_ms:6.2f} ms"
                                  + (f"  errors {dict(sample.errors)}"
                                     if sample.errors else ""), flush=True)
            put_us, get_us = signing_cost(signers["karashi"])
        finally:
            for server in servers:
                server.stop()

        print_table(results, args.runs, args)
        print(f"\nclient signing cost: {put_us:.0f} µs per header-signed PUT (SHA-256 of "
              f"the 4 KiB body included), {get_us:.0f} µs per presigned GET")
        if not args.sign_each and "PUT" in args.ops:
            top = max(statistics.median(s.ops_per_s for s in results[("PUT", c, "karashi")])
                      for c in args.concurrency)
            print(f"signing every PUT at karashi's best PUT rate ({top:.0f}/s) would take "
                  f"{top * put_us / 1e4:.0f}% of one core")
        for server in servers:
            print_server_log(server)
    print(f"total {time.perf_counter() - began:.0f} s")


if __name__ == "__main__":
    main()
