"""The benchmark harness runs end to end (``python -m bench --quick --json -``) and reports every
scenario and the floor. No figure is asserted: numbers belong in ``make bench``, not in tests."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bench.executions import TEST_CASE, express_machine_definition, map_input, mock_config
from bench.scenarios import Group, all_scenarios

REPO = Path(__file__).resolve().parent.parent
MEMBER_LIMIT = 262_144  # the API model's length bound on input, mock.result, mapItemReaderData

pytestmark = pytest.mark.e2e


def test_scenarios_are_requests_as_boto3_sends_them() -> None:
    scenarios = all_scenarios()
    bases = {scenario.base for scenario in scenarios}
    assert len(scenarios) == 2 * len(bases)
    assert {s.level for s in scenarios} == {"INFO", "DEBUG"}
    assert {s.group for s in scenarios} == set(Group)
    for scenario in scenarios:
        request = scenario.request
        assert request["inspectionLevel"] == scenario.level
        for member in ("definition", "input", "variables", "stateName"):
            assert member not in request or isinstance(request[member], str), (scenario.name, member)
        mock = request.get("mock", {})
        assert "result" not in mock or isinstance(mock["result"], str)
        reader = request.get("stateConfiguration", {}).get("mapItemReaderData")
        assert reader is None or (isinstance(reader, str) and len(reader) <= MEMBER_LIMIT)
        json.loads(scenario.body())  # one JSON object on the wire
    distributed = next(s for s in scenarios if s.base == "map-distributed-10k")
    assert len(json.loads(distributed.request["stateConfiguration"]["mapItemReaderData"])) == 10_000
    assert len(json.loads(distributed.request["mock"]["result"])) == 100
    machine = json.loads(next(s for s in scenarios if s.base == "machine-20").request["definition"])
    assert len(machine["States"]) == 20


def test_the_execution_scenarios_mock_every_task_of_an_express_machine() -> None:
    machine = express_machine_definition()
    assert len(machine["States"]) == 20
    assert ".waitForTaskToken" not in json.dumps(machine)  # AWS refuses it in an EXPRESS machine
    tasks = {name for name, state in machine["States"].items() if state["Type"] == "Task"}
    (config,) = mock_config()["StateMachines"].values()
    case = config["TestCases"][TEST_CASE]
    assert set(case) == tasks
    assert set(case.values()) <= set(mock_config()["MockedResponses"])
    assert len(map_input(10_000)) <= MEMBER_LIMIT


def _run_quick() -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--json", "-"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    report: dict[str, Any] = json.loads(done.stdout)
    assert "HTTP, 1 client" in done.stderr and "Targets (issue 6)" in done.stderr  # the table went to stderr
    assert "Executions (issue 12" in done.stderr and "Targets (issue 12)" in done.stderr
    return report


def test_the_quick_bench_reports_every_scenario_and_the_floor() -> None:
    report = _run_quick()
    names = [scenario.name for scenario in all_scenarios()]
    assert [entry["name"] for entry in report["scenarios"]] == names
    for fact in ("cpu_count", "python", "git_commit", "server_workers"):
        assert fact in report["machine"]

    inprocess = report["inprocess"]
    assert [row["scenario"] for row in inprocess["rows"]] == names
    for row in inprocess["rows"]:  # timed, or an ERROR row that says why
        assert (row["error"] is None) == (row["core"] is not None) == (row["operation"] is not None), row
    assert inprocess["cold_load"]["runs"] > 0
    assert "interpreter.definition.loader.load_machine" in inprocess["cold_load"]["caches_cleared"]

    assert set(report["http"]) == {"1", "8"}
    for clients, block in report["http"].items():
        floor = block["floor"]
        assert floor["requests"] > 0 and floor["errors"] == 0, (clients, floor)
        assert [row["scenario"] for row in block["rows"]] == names
        for row in block["rows"]:
            if row["error"] is None:
                assert row["summary"]["requests"] > 0 and row["summary"]["errors"] == 0, (clients, row)
                assert row["summary"]["p50_x_floor"] is not None
            else:
                assert row["summary"] is None and row["error"], (clients, row)
    # Every scenario answers its expected status today: none may be an ERROR row.
    assert [row["scenario"] for row in inprocess["rows"] if row["error"] is not None] == []
    for block in report["http"].values():
        assert [row["scenario"] for row in block["rows"] if row["error"] is not None] == []
    assert {target["scenario"] for target in report["targets"]} >= {"pass-jsonpath", "machine-20"}

    # The execution scenarios ran against the same server; none failed.
    executions = report["executions"]
    assert executions["errors"] == {}, executions["errors"]
    assert executions["sync"]["calls"] == executions["settings"]["sync_calls"]
    map_run = executions["map"]
    assert map_run["status"] == "SUCCEEDED" and map_run["items"] == executions["settings"]["map_items"]
    assert (
        map_run["events"] == map_run["engine_events"] > map_run["items"]
    )  # the service stores what the engine yields
    assert executions["start_while_running"]["latency"]["calls"] > 0
    assert {target["scenario"] for target in report["targets"] if target["issue"] == 12} == {
        "machine-20-sync",
        "map-inline-10000",
        "start-while-running",
    }
