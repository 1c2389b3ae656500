"""The soak script runs: a few seconds, 2 clients, against its own real server, with its default
mix (TestState calls and executions), and audits the executions it started."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.e2e


@pytest.mark.skipif(sys.platform != "linux", reason="the soak samples worker memory from /proc")
def test_the_soak_runs_and_passes() -> None:
    done = subprocess.run(
        [sys.executable, "soak/soak.py", "--seconds", "3", "--clients", "2"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        # A short budget keeps the pathological requests (catastrophic regex) short.
        env={**os.environ, "TESTSTATE_REQUEST_BUDGET_SECONDS": "1.5"},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert "soak: PASS" in out
    assert "dropped connections: 0, 5xx: 0, unexpected answers: 0" in out
    for section in (
        "requests served:",
        "latency ms: p50",
        "answers by kind:",
        "worker RSS (KiB):",
        "start:",
        "end:",
    ):
        assert section in out
    assert "200 SUCCEEDED" in out and "400 SerializationException" in out
    # The executions mix ran, every execution ended as its machine does, histories well formed.
    assert "exec-start" in out and "exec-describe" in out and "400 ExecutionDoesNotExist" in out
    executions = next(line for line in out.splitlines() if line.startswith("executions:"))
    assert " 0 problems" in executions and "histories" in executions
    assert int(executions.split()[1]) > 0  # started
