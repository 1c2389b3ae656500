"""State-machine coverage from TestState calls: recorded through a real boto3 client, summarised,
dumped, merged, and drawn as an HTML report that a real headless Chromium opens.

The workflow's expected coverage is known exactly: a Choice with three rules (two share a
``Next``) and a Default, a Task with two Retry and two Catch entries, a Map with an inner Pass,
a Parallel with two branches, and a Fail state whose name holds quotes, ``<``, ``>``, ``&``, a
backslash and a newline. A fixed set of calls goes through the live server (`sfn`), and every
covered and missed item is asserted one by one.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from teststate.toolkit.coverage import CoverageRecorder, summary_lines
from teststate.toolkit.coverage_calls import observe_test_state
from teststate.toolkit.coverage_json import (
    coverage_from_json,
    coverage_to_json,
    load_coverage_json,
    write_coverage_json,
)
from teststate.toolkit.coverage_model import (
    SINGLE_STATE_NAME,
    CatchEntry,
    Category,
    ChoiceBranch,
    CoverageData,
    CoverageDataError,
    CoverageError,
    Observed,
    RetryEntry,
    Transition,
    quote_name,
)
from teststate.toolkit.coverage_report import (
    COVERED,
    MISSED,
    dot_source,
    label_text,
    render_svg,
    write_html_report,
)

ODD = 'Say "hi" <b>&amp;</b> \\ back\nslash'
WORKFLOW: dict[str, Any] = {
    "Comment": "coverage fixture",
    "StartAt": "Route",
    "States": {
        "Route": {
            "Type": "Choice",
            "Choices": [
                {"Variable": "$.kind", "StringEquals": "small", "Next": "Work"},
                {"Variable": "$.kind", "StringEquals": "medium", "Next": "Work"},
                {"Variable": "$.kind", "StringEquals": "large", "Next": "Fan"},
            ],
            "Default": ODD,
        },
        "Work": {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "Retry": [
                {"ErrorEquals": ["States.Timeout"], "MaxAttempts": 2},
                {"ErrorEquals": ["States.ALL"]},
            ],
            "Catch": [
                {"ErrorEquals": ["Custom.Error"], "Next": "Recover"},
                {"ErrorEquals": ["States.ALL"], "Next": ODD},
            ],
            "Next": "Items",
        },
        "Items": {
            "Type": "Map",
            "ItemProcessor": {
                "ProcessorConfig": {"Mode": "INLINE"},
                "StartAt": "Inner",
                "States": {"Inner": {"Type": "Pass", "End": True}},
            },
            "Next": "Fan",
        },
        "Fan": {
            "Type": "Parallel",
            "Branches": [
                {"StartAt": "Left", "States": {"Left": {"Type": "Pass", "End": True}}},
                {"StartAt": "Right", "States": {"Right": {"Type": "Succeed"}}},
            ],
            "Next": "Done",
        },
        "Recover": {"Type": "Pass", "Next": "Done"},
        ODD: {"Type": "Fail", "Error": "Odd"},
        "Done": {"Type": "Succeed"},
    },
}
TEXT = json.dumps(WORKFLOW)
SINGLE = json.dumps({"Type": "Pass", "Next": "Elsewhere"})


def _error(name: str) -> dict[str, Any]:
    return {"errorOutput": {"error": name, "cause": "mocked"}}


# (request members, expected status, expected nextState): the calls of the session, in order.
CALLS: list[tuple[dict[str, Any], str, str | None]] = [
    ({"stateName": "Route", "input": '{"kind": "small"}'}, "SUCCEEDED", "Work"),  # rule 0
    ({"stateName": "Route", "input": '{"kind": "medium"}'}, "SUCCEEDED", "Work"),  # rule 1, same Next
    ({"stateName": "Route", "input": '{"kind": "other"}'}, "SUCCEEDED", ODD),  # Default
    # Retry[0] at the first attempt; INFO: no errorDetails in the answer, the interpreter decides.
    ({"stateName": "Work", "mock": _error("States.Timeout")}, "RETRIABLE", None),
    # Retry[1] (States.ALL) exhausted, Catch[0]; DEBUG: the answer's errorDetails say so.
    (
        {
            "stateName": "Work",
            "mock": _error("Custom.Error"),
            "stateConfiguration": {"retrierRetryCount": 3},
            "inspectionLevel": "DEBUG",
        },
        "CAUGHT_ERROR",
        "Recover",
    ),
    (
        {"stateName": "Work", "mock": {"result": json.dumps({"StatusCode": 200, "Payload": {}})}},
        "SUCCEEDED",
        "Items",
    ),
    ({"stateName": "Items", "input": "[1, 2]", "mock": {"result": "[]"}}, "SUCCEEDED", "Fan"),
    ({"stateName": "Inner"}, "SUCCEEDED", None),
    ({"stateName": "Fan", "mock": {"result": "[1, 2]"}}, "SUCCEEDED", "Done"),
    ({"stateName": "Left"}, "SUCCEEDED", None),
    ({"stateName": ODD}, "FAILED", None),
]

EXPECTED_STATES = {"Route", "Work", "Items", "Inner", "Fan", "Left", ODD}
EXPECTED_BRANCHES = {ChoiceBranch("Route", 0), ChoiceBranch("Route", 1), ChoiceBranch("Route", None)}
EXPECTED_RETRIES = {RetryEntry("Work", 0)}
EXPECTED_CATCHES = {CatchEntry("Work", 0)}
EXPECTED_TRANSITIONS = {
    Transition("Route", "Work"),
    Transition("Route", ODD),
    Transition("Work", "Recover", caught=True),
    Transition("Work", "Items"),
    Transition("Items", "Fan"),
    Transition("Inner", None),
    Transition("Fan", "Done"),
    Transition("Left", None),
    Transition(ODD, None),
}
EXPECTED_MISSED: dict[Category, tuple[Any, ...]] = {
    Category.STATES: ("Right", "Recover", "Done"),
    Category.CHOICE_BRANCHES: (ChoiceBranch("Route", 2),),
    Category.RETRIES: (RetryEntry("Work", 1),),
    Category.CATCHES: (CatchEntry("Work", 1),),
    Category.TRANSITIONS: (
        Transition("Route", "Fan"),
        Transition("Work", ODD, caught=True),
        Transition("Right", None),
        Transition("Recover", "Done"),
        Transition("Done", None),
    ),
}
EXPECTED_TALLIES = {
    Category.STATES: (7, 10),
    Category.CHOICE_BRANCHES: (3, 4),
    Category.RETRIES: (1, 2),
    Category.CATCHES: (1, 2),
    Category.TRANSITIONS: (9, 14),
}


@pytest.fixture(scope="module")
def recorded(sfn: Any) -> CoverageData:
    """The session's calls through a real boto3 client with a recorder attached."""
    from botocore.exceptions import ClientError

    recorder = CoverageRecorder()
    recorder.attach(sfn)
    recorder.attach(sfn)  # twice: still one record per call
    try:
        for members, status, next_state in CALLS:
            answer = sfn.test_state(definition=TEXT, **members)
            assert (answer["status"], answer.get("nextState")) == (status, next_state), members
        single = sfn.test_state(definition=SINGLE)
        assert single["nextState"] == "Elsewhere"
        # A refused call ran nothing: not recorded.
        with pytest.raises(ClientError, match="State not found"):
            sfn.test_state(definition=TEXT, stateName="Nowhere")
        # The same definition laid out differently and with its keys in another order is the same.
        reordered = json.dumps(dict(reversed(list(WORKFLOW.items()))), indent=3)
        assert sfn.test_state(definition=reordered, stateName="Left")["status"] == "SUCCEEDED"
    finally:
        recorder.detach(sfn)
    sfn.test_state(definition=TEXT, stateName="Recover")  # detached: not recorded
    return recorder.data()


# --------------------------------------------------------------------------------------------
# Recording


def test_recorded_coverage_is_exactly_the_expected_one(recorded: CoverageData) -> None:
    workflow = recorded.definitions[0]
    observed = workflow.observed
    assert observed.calls == len(CALLS) + 1  # and the reordered copy's call
    assert observed.unattributed == 0
    assert observed.states == EXPECTED_STATES
    assert observed.choice_branches == EXPECTED_BRANCHES
    assert observed.retries == EXPECTED_RETRIES
    assert observed.catches == EXPECTED_CATCHES
    assert observed.transitions == EXPECTED_TRANSITIONS
    for category, missed in EXPECTED_MISSED.items():
        assert workflow.missed(category) == missed, category
    for category, (covered, total) in EXPECTED_TALLIES.items():
        tally = workflow.tally(category)
        assert (tally.covered, tally.total) == (covered, total), category
    assert workflow.definition == TEXT
    assert workflow.title == "coverage fixture"


def test_a_single_state_definition_is_its_own_one_state_machine(recorded: CoverageData) -> None:
    single = recorded.definitions[1]
    assert single.outline.single_state
    assert [state.name for state in single.outline.states] == [SINGLE_STATE_NAME]
    assert single.observed.states == {SINGLE_STATE_NAME}
    assert single.observed.transitions == {Transition(SINGLE_STATE_NAME, "Elsewhere")}
    assert {category: str(single.tally(category)) for category in Category} == {
        Category.STATES: "1/1",
        Category.CHOICE_BRANCHES: "0/0",
        Category.RETRIES: "0/0",
        Category.CATCHES: "0/0",
        Category.TRANSITIONS: "1/1",
    }


def test_shared_next_is_resolved_by_evaluating_the_rules_jsonata() -> None:
    definition = json.dumps(
        {
            "QueryLanguage": "JSONata",
            "StartAt": "C",
            "States": {
                "C": {
                    "Type": "Choice",
                    "Choices": [
                        {"Condition": "{% $states.input.n > 10 %}", "Next": "Big"},
                        {"Condition": "{% $limit < $states.input.n %}", "Next": "Big"},
                    ],
                    "Default": "Big",
                },
                "Big": {"Type": "Succeed"},
            },
        }
    )
    answer = {"status": "SUCCEEDED", "nextState": "Big"}

    def branch(data: str, variables: str) -> Observed:
        request = {"definition": definition, "stateName": "C", "input": data, "variables": variables}
        observation = observe_test_state(request, answer)
        assert observation is not None
        return observation.observed

    assert branch('{"n": 11}', '{"limit": 0}').choice_branches == {ChoiceBranch("C", 0)}
    assert branch('{"n": 5}', '{"limit": 0}').choice_branches == {ChoiceBranch("C", 1)}
    assert branch('{"n": 5}', '{"limit": 9}').choice_branches == {ChoiceBranch("C", None)}


def test_an_answer_the_rules_do_not_explain_is_unattributed() -> None:
    request = {"definition": TEXT, "stateName": "Route", "input": '{"kind": "large"}'}
    observation = observe_test_state(request, {"status": "SUCCEEDED", "nextState": "Work"})
    assert observation is not None
    observed = observation.observed
    assert (observed.choice_branches, observed.unattributed) == (frozenset(), 1)
    assert observed.states == {"Route"}
    assert observed.transitions == {Transition("Route", "Work")}


def test_the_answers_error_details_win_over_the_interpreters_decision() -> None:
    request = {"definition": TEXT, "stateName": "Work", "mock": _error("States.Timeout")}
    answer = {
        "status": "RETRIABLE",
        "error": "States.Timeout",
        "inspectionData": {"errorDetails": {"retryIndex": 1}},
    }
    observation = observe_test_state(request, answer)
    assert observation is not None
    assert observation.observed.retries == {RetryEntry("Work", 1)}
    # Without errorDetails: the interpreter's decision for the error and the retry count.
    del answer["inspectionData"]
    request["stateConfiguration"] = {"retrierRetryCount": 2}  # Retry[0] exhausted: not RETRIABLE
    observation = observe_test_state(request, answer)
    assert observation is not None
    assert (observation.observed.retries, observation.observed.unattributed) == (frozenset(), 1)
    # A Catch named by nothing in the answer: the only one leading to nextState.
    caught = observe_test_state(
        {"definition": TEXT, "stateName": "Work"}, {"status": "CAUGHT_ERROR", "error": "X", "nextState": ODD}
    )
    assert caught is not None
    assert caught.observed.catches == {CatchEntry("Work", 1)}
    assert caught.observed.transitions == {Transition("Work", ODD, caught=True)}


def test_answers_that_ran_nothing_are_ignored() -> None:
    assert observe_test_state({"definition": TEXT, "stateName": "Route"}, {"Error": {"Code": "X"}}) is None
    assert observe_test_state({"definition": TEXT, "stateName": "Nowhere"}, {"status": "SUCCEEDED"}) is None
    assert observe_test_state({"stateName": "Route"}, {"status": "SUCCEEDED"}) is None


def test_attach_refuses_a_client_of_another_service() -> None:
    import boto3

    s3 = boto3.client("s3", region_name="us-east-1", aws_access_key_id="t", aws_secret_access_key="t")
    with pytest.raises(CoverageError, match="Step Functions"):
        CoverageRecorder().attach(s3)


# --------------------------------------------------------------------------------------------
# Merge, JSON, terminal summary


def _split_sessions(data: CoverageData) -> tuple[CoverageData, CoverageData]:
    """The recorded data replayed as two sessions: the first calls in one, the rest in the other."""
    first, second = CoverageRecorder(), CoverageRecorder()
    for number, (members, status, next_state) in enumerate(CALLS):
        answer: dict[str, Any] = {"status": status, **({"nextState": next_state} if next_state else {})}
        if "errorOutput" in members.get("mock", {}):
            answer["error"] = members["mock"]["errorOutput"]["error"]
        if members.get("inspectionLevel") == "DEBUG":
            answer["inspectionData"] = {"errorDetails": {"retryIndex": 1, "catchIndex": 0}}
        (first if number < 5 else second).record_test_state({"definition": TEXT, **members}, answer)
    second.record_test_state({"definition": SINGLE}, {"status": "SUCCEEDED", "nextState": "Elsewhere"})
    second.observe(
        TEXT, Observed(calls=1, states=frozenset({"Left"}), transitions=frozenset({Transition("Left", None)}))
    )
    return first.data(), second.data()


def test_sessions_merge_into_the_same_coverage(recorded: CoverageData, tmp_path: Path) -> None:
    first, second = _split_sessions(recorded)
    assert first.definitions[0].observed.retries == EXPECTED_RETRIES
    assert first.definitions[0].observed.transitions != EXPECTED_TRANSITIONS
    merged = first.merge(second)
    assert merged == recorded
    # Through JSON files, as pytest workers would hand them over.
    paths = [
        write_coverage_json(part, tmp_path / f"worker{n}.json") for n, part in enumerate((first, second))
    ]
    assert load_coverage_json(paths[0]).merge(load_coverage_json(paths[1])) == recorded
    dumped = json.loads(paths[0].read_text(encoding="ascii"))
    assert dumped["format"] == "teststate-coverage"
    assert dumped["definitions"][0]["counts"]["choiceBranches"] == {"covered": 3, "total": 4}


def test_json_round_trip_and_refusals(recorded: CoverageData) -> None:
    assert coverage_from_json(json.loads(json.dumps(coverage_to_json(recorded)))) == recorded
    with pytest.raises(CoverageDataError):
        coverage_from_json({"format": "other"})
    bad = coverage_to_json(recorded)
    bad["definitions"][0]["covered"]["retries"] = [{"state": "Work"}]
    with pytest.raises(CoverageDataError, match="definitions/0/covered"):
        coverage_from_json(bad)


def test_terminal_summary(recorded: CoverageData) -> None:
    odd = quote_name(ODD)
    assert odd == '"Say \\"hi\\" <b>&amp;</b> \\\\ back\\nslash"'
    workflow, single = recorded.definitions
    assert summary_lines(recorded) == [
        "TestState coverage: 2 definition(s), 13 call(s)",
        f"[1] {workflow.digest} coverage fixture: states 7/10, Choice branches 3/4, Retry 1/2, Catch 1/2, transitions 9/14",
        "    missed states: Right; Recover; Done",
        "    missed Choice branches: Route rule 2 -> Fan",
        "    missed Retry: Work Retry[1] [States.ALL]",
        f"    missed Catch: Work Catch[1] [States.ALL] -> {odd}",
        f"    missed transitions: Route -> Fan; Work -(catch)-> {odd}; Right -> (end); Recover -> Done; Done -> (end)",
        f"[2] {single.digest} single Pass state: states 1/1, Choice branches 0/0, Retry 0/0, Catch 0/0, transitions 1/1",
        "total: states 8/11, Choice branches 3/4, Retry 1/2, Catch 1/2, transitions 10/15",
    ]
    assert summary_lines(CoverageData()) == [
        "TestState coverage: no TestState call or execution was recorded"
    ]


# --------------------------------------------------------------------------------------------
# The drawing


def test_labels_survive_graphviz_escapes() -> None:
    assert label_text('a\\Nb "c" <d> & e\nf\tg') == "a\\\\Nb &quot;c&quot; &lt;d&gt; &amp; e<BR/>f\u2409g"


# The drawing needs Graphviz and the page test Chromium (Debian packages; `make test` installs them
# when it runs as root). Elsewhere the tests skip, but never under CI, where a missing program must
# fail the run rather than pass it silently.
_IN_CI = bool(os.environ.get("CI"))
needs_dot = pytest.mark.skipif(
    shutil.which("dot") is None and not _IN_CI, reason="Graphviz's dot is not installed (Debian: graphviz)"
)


@needs_dot
def test_svg_texts_are_the_names_as_written(recorded: CoverageData) -> None:
    workflow = recorded.definitions[0]
    svg = render_svg(dot_source(workflow, prefix="d0"))
    assert svg.startswith("<svg")
    odd_index = [state.name for state in workflow.outline.states].index(ODD)
    node = re.search(rf'<g id="d0&#45;state&#45;{odd_index}" class="node state covered">(.*?)</g>', svg, re.S)
    assert node is not None
    texts = [html.unescape(text) for text in re.findall(r"<text[^>]*>(.*?)</text>", node.group(1))]
    assert texts == [*ODD.split("\n"), "Fail"]


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None and not _IN_CI, reason="Chromium is not installed (Debian: chromium)"
)

# Appended to a copy of the report: reads what the browser made of the page and writes it into
# the DOM as JSON, which --dump-dom prints. It only reads the page.
PROBE = """<script>
const fillOf = (g) => getComputedStyle(g.querySelector("path, polygon, ellipse")).fill;
const strokeOf = (g) => getComputedStyle(g.querySelector("path")).stroke;
const out = {
  nodes: [...document.querySelectorAll("svg g.node")].map((g) => ({
    id: g.id, cls: g.getAttribute("class"), fill: fillOf(g),
    texts: [...g.querySelectorAll("text")].map((t) => t.textContent),
    width: g.getBBox().width, height: g.getBBox().height })),
  edges: [...document.querySelectorAll("svg g.edge")].map((g) => ({
    id: g.id, cls: g.getAttribute("class"), stroke: strokeOf(g) })),
  counts: [...document.querySelectorAll("td.count[data-kind]")].map((td) => ({
    where: td.closest("section") ? td.closest("section").id : td.closest("tr").className || "row",
    kind: td.dataset.kind, text: td.textContent, covered: td.dataset.covered, total: td.dataset.total })),
  svgs: document.querySelectorAll("section.definition svg").length,
  stray: document.querySelectorAll("svg b, svg script, h2 b").length,
  missed: [...document.querySelectorAll("ul.missed li")].map((li) => li.textContent),
  legend: document.getElementById("legend").textContent,
};
const pre = document.createElement("pre");
pre.id = "probe";
pre.textContent = JSON.stringify(out);
document.body.appendChild(pre);
</script>"""


def _rgb(colour: str) -> str:
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgb({red}, {green}, {blue})"


def _open_in_chromium(page: Path, profile: Path) -> dict[str, Any]:
    assert CHROMIUM is not None
    argv = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={profile}",
        "--dump-dom",
        page.as_uri(),
    ]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    found = re.search(r'<pre id="probe">(.*?)</pre>', done.stdout, re.S)
    assert found is not None, done.stdout[-2000:]
    probe: dict[str, Any] = json.loads(html.unescape(found.group(1)))
    return probe


@needs_dot
@needs_chromium
def test_the_report_in_headless_chromium(recorded: CoverageData, tmp_path: Path) -> None:
    report = write_html_report(recorded, tmp_path / "report")
    assert report == tmp_path / "report" / "teststate-coverage.html"
    page = report.read_text(encoding="utf-8")
    assert "<script" not in page  # self-contained and static
    probed = tmp_path / "probed.html"
    probed.write_text(page.replace("</body>", PROBE + "</body>"), encoding="utf-8")
    shown = _open_in_chromium(probed, tmp_path / "profile")

    assert shown["svgs"] == 2
    assert shown["stray"] == 0  # no markup came out of a name
    nodes = {node["id"]: node for node in shown["nodes"]}
    for number, coverage in enumerate(recorded.definitions):
        for index, state in enumerate(coverage.outline.states):
            node = nodes[f"d{number}-state-{index}"]
            covered = state.name in coverage.observed.states
            palette = COVERED if covered else MISSED
            assert node["cls"] == f"node state {'covered' if covered else 'missed'}", state.name
            assert node["fill"] == _rgb(palette.fill), state.name
            assert node["texts"] == [*state.name.split("\n"), state.type], state.name
            assert node["width"] > 0 and node["height"] > 0
    assert nodes["d1-outside-0"]["texts"] == ["Elsewhere"]
    retry_nodes = {key: node["cls"] for key, node in nodes.items() if "-retry-" in key}
    assert retry_nodes == {"d0-retry-1-0": "node retry covered", "d0-retry-1-1": "node retry missed"}

    edges = {edge["id"]: edge for edge in shown["edges"] if edge["id"].startswith("d0-")}
    states = [state.name for state in recorded.definitions[0].outline.states]
    route, work, odd = states.index("Route"), states.index("Work"), states.index(ODD)
    expected_edges = {
        f"d0-choice-{route}-0": "choice covered",
        f"d0-choice-{route}-1": "choice covered",
        f"d0-choice-{route}-2": "choice missed",
        f"d0-choice-{route}-default": "choice covered",
        f"d0-catch-{work}-0": "catch covered",
        f"d0-catch-{work}-1": "catch missed",
        f"d0-next-{work}": "transition covered",
        f"d0-end-{odd}": "transition covered",
        f"d0-end-{states.index('Done')}": "transition missed",
    }
    for ident, cls in expected_edges.items():
        assert edges[ident]["cls"] == f"edge {cls}", ident
        palette = COVERED if cls.endswith(" covered") else MISSED
        assert edges[ident]["stroke"] == _rgb(palette.line), ident

    counts = {(count["where"], count["kind"]): count for count in shown["counts"]}
    for category, kind in [
        (Category.STATES, "states"),
        (Category.CHOICE_BRANCHES, "choice-branches"),
        (Category.RETRIES, "retries"),
        (Category.CATCHES, "catches"),
        (Category.TRANSITIONS, "transitions"),
    ]:
        seen, total = EXPECTED_TALLIES[category]
        assert counts[("d0", kind)]["text"] == f"{seen}/{total}"
        assert (counts[("d0", kind)]["covered"], counts[("d0", kind)]["total"]) == (str(seen), str(total))
        total_tally = recorded.total(category)
        assert counts[("total", kind)]["text"] == str(total_tally)
    assert counts[("d1", "states")]["text"] == "1/1"
    assert "Route rule 2 -> Fan" in shown["missed"]
    assert f"Work Catch[1] [States.ALL] -> {quote_name(ODD)}" in shown["missed"]
    assert "covered" in shown["legend"] and "missed" in shown["legend"]
