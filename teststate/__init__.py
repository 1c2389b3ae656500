"""The TestState service: AWS Step Functions' TestState API over HTTP (AWS JSON 1.0, ``POST /``).

One request, step by step, and the module holding each step:

- ``app.py``: `create_app` (gunicorn serves ``teststate.wsgi:app``) and the one path of an API
  call, answered straight from WSGI: it reads the body (size limit, chunked bodies), then calls
  the steps below in order, and answers every `ApiError` in one place, anything else with the
  last resort (a logged JSON 500). Flask answers ``GET /health`` and wrong paths and methods.
- ``protocol.py``: the AWS JSON 1.0 framing: ``X-Amz-Target`` to an operation, the body decoded
  as strict JSON, the answer (or error envelope) encoded.
- ``validation/request.py``: the request model (types, lengths, enums) with AWS's wording.
- ``operations/test_state.py``: the operation: decode the JSON members, load the definition, select
  the state, run it in the core (``interpreter``), apply the inspection level, encode.
- ``operations/test_state_calls.py``: an unmocked Task's real call and an ItemReader's source read,
  for TestState.
- ``validation/mock_result.py``: a mocked Task result checked against the called API's output shape.
- ``errors.py``: the `ApiError` family and the one translation of core errors into it.
- ``access_log.py``: the one access line per answer.
- ``budget.py``: the wall-clock budget of one evaluation.

Around them: ``settings.py`` (every bound, from ``TESTSTATE_*``), ``server.py`` (gunicorn
configured in code), ``cli.py`` (the ``teststate`` command: ``serve``, ``test-state``),
``testing.py`` (starting a real server for tests, benchmarks and the soak run), and ``toolkit/``
(for users' test suites: the pytest plugin, the in-process client, templates, coverage).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from teststate.app import create_app

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    """``teststate.create_app``, imported on first use: importing a submodule that needs no app
    (``teststate.testing``, ``teststate.toolkit``, the pytest plugin) loads no Flask (~290 ms)."""
    if name == "create_app":
        from teststate.app import create_app

        globals()["create_app"] = create_app
        return create_app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
