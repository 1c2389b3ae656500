"""What the three conformance ratchets share: loading a corpus runner, the known-failures list,
and the verdict on one case.

Each corpus (TestState ``aws``/``derived``, ``api``, ``executions``) is replayed by its own
runner script from the corpus folder, imported from its file so that the test judges exactly as
the script does on the command line. A case listed in the corpus's known-failures file
(``<case id>  # reason``) must fail; an unlisted case must pass: the list only shrinks.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import ModuleType, SimpleNamespace

import pytest

from tests.conftest import START_TIMEOUT_SECONDS
from tests.corpus import CONFORMANCE
from teststate.testing import ServerDidNotStart, start_server

__all__ = [
    "WRITE_VARIABLE",
    "executions_runner_args",
    "judge",
    "load_known_failures",
    "load_runner",
    "serve",
    "write_known_failures",
]

WRITE_VARIABLE = "TESTSTATE_WRITE_KNOWN_FAILURES"
"""Set, a ratchet rewrites its known-failures list from the run instead of judging."""


def load_runner(file_name: str) -> ModuleType:
    """The corpus's runner script `file_name` (``replay.py``, ``replay_api.py`` ...), imported."""
    path = CONFORMANCE / file_name
    spec = importlib.util.spec_from_file_location(f"conformance_{path.stem}", path)
    if spec is None or spec.loader is None:
        raise RuntimeError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_known_failures(path: Path) -> dict[str, str]:
    """``{case id: reason}`` from lines ``<id>  # reason`` (blank and ``#`` lines ignored; no
    file, no known failures)."""
    known: dict[str, str] = {}
    if not path.exists():
        return known
    for line in path.read_text(encoding="utf-8").splitlines():
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        case_id, _, reason = text.partition("#")
        known[case_id.strip()] = reason.strip()
    return known


def judge(case_id: str, passed: bool, known: Mapping[str, str], list_file: Path, details: list[str]) -> None:
    """The ratchet's verdict on one case: a listed case that passes fails (remove it from the
    list), a listed one that fails is an xfail with its reason, an unlisted failure fails with
    `details`."""
    if case_id in known:
        if passed:
            pytest.fail(f"{case_id} passes now: remove it from {list_file.name}")
        pytest.xfail(known[case_id] or f"listed in {list_file.name}")
    assert passed, "\n".join(details)


@contextlib.contextmanager
def serve(env: Mapping[str, str]) -> Iterator[str]:
    """A live server (gunicorn, two workers) with `env`, for one module's cases; its URL."""
    try:
        running = start_server(workers=2, env=dict(env), start_timeout=START_TIMEOUT_SECONDS)
    except ServerDidNotStart as err:
        pytest.fail(str(err))
    with running:
        yield running.url


def executions_runner_args(endpoint_url: str) -> SimpleNamespace:
    """The options ``replay_executions.py``'s `run_case` reads, as its command line defaults them."""
    return SimpleNamespace(
        endpoint_url=endpoint_url,
        region="us-east-1",
        timeout=30.0,
        jobs=1,
        role_arn="arn:aws:iam::111111111111:role/snf_role",
        keep=False,
    )


def write_known_failures(path: Path, header: str, failures: Mapping[str, str]) -> None:
    """With `WRITE_VARIABLE` set: `path` rewritten from this run's `failures` (``{id: reason}``)."""
    if not os.environ.get(WRITE_VARIABLE):
        return
    lines = [f"{case_id}  # {reason}" for case_id, reason in sorted(failures.items())]
    path.write_text(header + "\n".join(lines) + ("\n" if lines else ""), encoding="utf-8")
