"""``python -m bench`` (``make bench``): in-process and HTTP figures, with ratios to a floor.

    python -m bench [--quick] [--duration S] [--warmup S] [--scenarios SUBSTR] [--clients 1,8]
                    [--workers N] [--no-executions] [--json FILE|-]

1. In-process: the core and the operation per scenario (definition loaded), and the cold load of
   the 20-state definition (`bench.inprocess`); then the in-process boto3 client against
   botocore's own cost for a canned answer, per Pass scenario (`bench.inprocess_client`).
2. Starts the floor (`bench.floor`) and the real server (``python -m teststate.cli serve``, the
   console script's code path) on free loopback ports, with the same settings and workers; the
   real server reads the executions' mock configuration file (``TESTSTATE_MOCK_CONFIG``, a
   temporary file) and keeps its state machines in a temporary data directory.
3. For each client count: the floor, then every scenario, with the load generator
   (`bench.loadgen`). Each scenario's answer is checked once first: one that is not HTTP 200
   with the expected ``status`` becomes an ERROR row (with the answer's message) and is not timed.
   Then boto3's TestState latency (`bench.sdk`) and, unless ``--no-executions``, the execution
   scenarios of issue 12 (`bench.executions`) against the same server, as ratios to it.
4. Prints the table and the in-process client's section (to stderr when the JSON goes to stdout)
   and writes ``--json`` (the client's figures under ``inprocess_client``).

Exit status 0 whatever the figures (targets are reported, never asserted); 2 when a server did not
start. Both servers are stopped in ``finally``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, Final

from bench.executions import ExecutionRun, ExecutionSettings, run_executions, write_mock_config
from bench.floor import FLOOR_BODY
from bench.inprocess import ColdLoad, InProcessRow, cold_load, run_inprocess
from bench.inprocess_client import ClientRow
from bench.inprocess_client import render as render_client
from bench.inprocess_client import run as run_client
from bench.inprocess_client import to_json as client_json
from bench.loadgen import LoadSummary, exchange_once, run_load
from bench.report import HttpRow, check_targets, render_table, to_json
from bench.scenarios import COLD_LOAD_DEFINITION, Scenario, all_scenarios, http_request
from bench.sdk import SdkRun, run_sdk
from teststate.settings import Settings
from teststate.testing import (
    SERVE_COMMAND,
    RunningServer,
    ServerDidNotStart,
    rss_kib,
    start_server,
)

REPO: Final = Path(__file__).resolve().parent.parent
HOST: Final = "127.0.0.1"
START_TIMEOUT_SECONDS: Final = 60.0
FLOOR_COMMAND: Final = ("-m", "bench.floor")


# --------------------------------------------------------------------------------------------
# Servers
# --------------------------------------------------------------------------------------------
def _started(
    *, workers: int, env: dict[str, str] | None = None, command: Sequence[str] = SERVE_COMMAND
) -> RunningServer:
    """A server of ours on a free loopback port: the real one, or the floor's `command`."""
    return start_server(
        host=HOST, workers=workers, env=env, start_timeout=START_TIMEOUT_SECONDS, command=command
    )


def _worker_rss(server: RunningServer) -> dict[str, int | None]:
    try:
        return {str(pid): rss_kib(pid) for pid in server.worker_pids()}
    except OSError:
        return {}


# --------------------------------------------------------------------------------------------
# HTTP part
# --------------------------------------------------------------------------------------------
def _probe(port: int, scenario: Scenario) -> str | None:
    """None when the server answers `scenario` with HTTP 200 and its expected status; otherwise
    the answer, as the ERROR row shows it."""
    try:
        answer = exchange_once(HOST, port, http_request(scenario.body(), HOST, port))
    except OSError as err:
        return f"{type(err).__name__}: {err}"
    try:
        payload = json.loads(answer.body)
    except ValueError:
        return f"HTTP {answer.status}: not JSON: {answer.body[:200]!r}"
    if answer.status != 200:
        kind = str(payload.get("__type", "?")).rpartition("#")[2]
        return f"HTTP {answer.status} {kind}: {payload.get('message')}"
    if payload.get("status") != scenario.expected_status:
        detail = " ".join(str(payload[key]) for key in ("error", "cause") if key in payload)
        return f"status {payload.get('status')}, expected {scenario.expected_status}" + (
            f": {detail}" if detail else ""
        )
    return None


def _floor_probe(port: int, request: bytes) -> None:
    answer = exchange_once(HOST, port, request)
    if answer.status != 200 or answer.body != FLOOR_BODY:
        raise ServerDidNotStart(f"the floor answered HTTP {answer.status}: {answer.body[:200]!r}")


def run_http(
    scenarios: tuple[Scenario, ...],
    *,
    floor_port: int,
    real_port: int,
    clients: list[int],
    duration: float,
    warmup: float,
    progress: IO[str],
) -> dict[int, tuple[LoadSummary, list[HttpRow]]]:
    """The floor and every scenario at each client count."""
    problems = {scenario.name: _probe(real_port, scenario) for scenario in scenarios}
    # The floor ignores what it is sent; it gets a typical small TestState request.
    floor_request = http_request(all_scenarios("pass-jsonpath")[0].body(), HOST, floor_port)
    _floor_probe(floor_port, floor_request)
    results: dict[int, tuple[LoadSummary, list[HttpRow]]] = {}
    for count in clients:
        print(f"bench: HTTP at {count} client(s): floor", file=progress, flush=True)
        floor = run_load(HOST, floor_port, floor_request, clients=count, duration=duration, warmup=warmup)
        rows = []
        for scenario in scenarios:
            problem = problems[scenario.name]
            if problem is not None:
                rows.append(HttpRow(scenario, None, error=problem))
                continue
            print(f"bench: HTTP at {count} client(s): {scenario.name}", file=progress, flush=True)
            request = http_request(scenario.body(), HOST, real_port)
            rows.append(
                HttpRow(
                    scenario,
                    run_load(HOST, real_port, request, clients=count, duration=duration, warmup=warmup),
                )
            )
        results[count] = (floor, rows)
    return results


# --------------------------------------------------------------------------------------------
# Machine facts
# --------------------------------------------------------------------------------------------
def _git_commit() -> str | None:
    try:
        done = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() or None if done.returncode == 0 else None


def _facts(workers: int, settings: Settings) -> dict[str, Any]:
    from importlib.metadata import PackageNotFoundError, version

    def installed(name: str) -> str | None:
        try:
            return version(name)
        except PackageNotFoundError:
            return None

    return {
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "gunicorn": installed("gunicorn"),
        "flask": installed("flask"),
        "git_commit": _git_commit(),
        "server_workers": workers,
        "log_level": settings.log_level,
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
    }


# --------------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------------
def _client_counts(text: str) -> list[int]:
    try:
        counts = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--clients takes numbers separated by commas, got {text!r}"
        ) from None
    if not counts or any(count < 1 for count in counts):
        raise argparse.ArgumentTypeError("--clients needs at least one count, each at least 1")
    return counts


def build_parser() -> argparse.ArgumentParser:
    """The command line of ``python -m bench``."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help="tiny counts and durations (the smoke test): checks the harness, not the figures",
    )
    parser.add_argument(
        "--duration", type=float, default=None, help="seconds per HTTP measurement (default 2)"
    )
    parser.add_argument(
        "--warmup", type=float, default=None, help="seconds of warm-up per measurement (default 0.3)"
    )
    parser.add_argument(
        "--samples", type=int, default=None, help="in-process samples per figure (default 40)"
    )
    parser.add_argument("--cold-runs", type=int, default=None, help="cold loads measured (default 30)")
    parser.add_argument(
        "--client-rounds",
        type=int,
        default=None,
        help="rounds of the in-process client against the canned floor (default 30)",
    )
    parser.add_argument(
        "--scenarios", default=None, metavar="SUBSTR", help="only scenarios whose name contains this"
    )
    parser.add_argument("--clients", type=_client_counts, default=[1, 8], help="client counts (default 1,8)")
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help="gunicorn workers of both servers (default TESTSTATE_WORKERS or 2)",
    )
    parser.add_argument("--no-http", action="store_true", help="in-process figures only")
    parser.add_argument(
        "--no-executions",
        action="store_true",
        help="leave out the execution scenarios (StartSyncExecution, the inline Map, StartExecution "
        "while an execution runs)",
    )
    parser.add_argument(
        "--memory",
        type=int,
        default=None,
        metavar="N",
        help="instead of the figures: N distinct definitions against the real server "
        "(no recycling), worker RSS every N/20 requests (bench.memory)",
    )
    parser.add_argument(
        "--json", default=None, metavar="FILE", help="write the figures as JSON to FILE (- = stdout)"
    )
    return parser


def _memory_main(requests: int, workers: int) -> int:
    """``--memory N``: the memory run (bench.memory) against a server of our own."""
    from bench.memory import run_memory

    try:
        # No recycling: it would hide any growth.
        with _started(env={"TESTSTATE_MAX_REQUESTS": "0"}, workers=workers) as real:
            run = run_memory(real.port, real.worker_pids, requests=requests, every=max(1, requests // 20))
    except ServerDidNotStart as err:
        print(f"bench: {err}", file=sys.stderr)
        return 2
    print(run.report(), flush=True)
    return 0 if run.errors == 0 else 1


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; see the module docstring."""
    args = build_parser().parse_args(argv)
    settings = Settings.from_env(os.environ)
    workers = args.workers if args.workers is not None else settings.workers
    if args.memory is not None:
        return _memory_main(args.memory, workers)
    duration = args.duration if args.duration is not None else (0.15 if args.quick else 2.0)
    warmup = args.warmup if args.warmup is not None else (0.05 if args.quick else 0.3)
    samples = args.samples if args.samples is not None else (3 if args.quick else 40)
    cold_runs = args.cold_runs if args.cold_runs is not None else (3 if args.quick else 30)
    client_rounds = args.client_rounds if args.client_rounds is not None else (3 if args.quick else 30)
    out = sys.stderr if args.json == "-" else sys.stdout
    scenarios = all_scenarios(args.scenarios)
    if not scenarios:
        print(f"bench: no scenario name contains {args.scenarios!r}", file=sys.stderr)
        return 2

    print(f"bench: in-process, {len(scenarios)} scenarios", file=out, flush=True)
    inprocess: list[InProcessRow] = run_inprocess(scenarios, samples=samples)
    cold: ColdLoad = cold_load(COLD_LOAD_DEFINITION, "Enrich", runs=cold_runs)
    print("bench: in-process boto3 client against a canned answer", file=out, flush=True)
    client: list[ClientRow] = run_client(scenarios, rounds=client_rounds)

    http: dict[int, tuple[LoadSummary, list[HttpRow]]] = {}
    memory: dict[str, Any] = {}
    sdk: SdkRun | None = None
    executions: ExecutionRun | None = None
    if not args.no_http:
        try:
            with ExitStack() as servers:
                print(
                    f"bench: starting the floor and the server ({workers} workers each)", file=out, flush=True
                )
                scratch = Path(servers.enter_context(tempfile.TemporaryDirectory(prefix="bench-")))
                real_env = {
                    "TESTSTATE_MOCK_CONFIG": str(write_mock_config(scratch)),
                    "TESTSTATE_DATA_DIR": str(scratch / "data"),
                }
                (scratch / "data").mkdir()
                floor = servers.enter_context(_started(workers=workers, command=FLOOR_COMMAND))
                real = servers.enter_context(_started(workers=workers, env=real_env))
                memory["server_worker_rss_kib_start"] = _worker_rss(real)
                http = run_http(
                    scenarios,
                    floor_port=floor.port,
                    real_port=real.port,
                    clients=args.clients,
                    duration=duration,
                    warmup=warmup,
                    progress=out,
                )
                memory["server_worker_rss_kib_end"] = _worker_rss(real)
                # boto3's own latency per call over HTTP, on a kept-alive connection.
                sdk = run_sdk(HOST, real.port, calls=100 if args.quick else 1000)
                if not args.no_executions:
                    print("bench: executions (issue 12)", file=out, flush=True)
                    counts = ExecutionSettings.quick() if args.quick else ExecutionSettings.full()
                    executions = run_executions(HOST, real.port, counts)
        except ServerDidNotStart as err:
            print(f"bench: {err}", file=sys.stderr)
            return 2

    facts = _facts(workers, settings)
    targets = check_targets(inprocess, cold, http)
    teststate_p50 = sdk.p50_ms if sdk is not None else None
    if executions is not None:
        targets += executions.targets(teststate_p50)
    notes = []
    if memory:
        start, end = memory["server_worker_rss_kib_start"], memory["server_worker_rss_kib_end"]

        def shown(sample: dict[str, Any]) -> str:
            return ", ".join(f"pid {pid} {rss}" for pid, rss in sample.items()) or "-"

        recycled = " (workers were recycled: TESTSTATE_MAX_REQUESTS)" if set(start) != set(end) else ""
        notes.append(f"server worker RSS KiB: start {shown(start)}; end {shown(end)}{recycled}")
    if sdk is not None:
        notes.append(sdk.report())
    print(
        render_table(
            facts=facts,
            inprocess=inprocess,
            cold=cold,
            http=http,
            targets=targets,
            notes=notes,
            sections=[executions.render(teststate_p50)] if executions is not None else [],
        ),
        file=out,
        flush=True,
    )
    if client:
        print("\n" + render_client(client), file=out, flush=True)
    if args.json is not None:
        document = to_json(
            facts=facts,
            settings={
                "quick": args.quick,
                "duration_s": duration,
                "warmup_s": warmup,
                "samples": samples,
                "cold_runs": cold_runs,
                "client_rounds": client_rounds,
                "clients": args.clients,
                "scenario_filter": args.scenarios,
                "executions": not args.no_executions,
            },
            scenarios=scenarios,
            inprocess=inprocess,
            cold=cold,
            http=http,
            targets=targets,
            extra={
                "memory": memory,
                "inprocess_client": client_json(client),
                "sdk": sdk.to_json() if sdk is not None else None,
                "executions": executions.to_json() if executions is not None else None,
            },
        )
        text = json.dumps(document, indent=2)
        if args.json == "-":
            sys.stdout.write(text + "\n")
            sys.stdout.flush()
        else:
            Path(args.json).write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
