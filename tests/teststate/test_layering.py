"""The core stays pure: importing `interpreter` pulls in no web framework and no service code."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
FORBIDDEN = ("flask", "werkzeug", "marshmallow", "gunicorn", "teststate", "boto3", "botocore")


def test_importing_the_core_loads_no_service_module() -> None:
    probe = (
        "import json, sys\n"
        "import interpreter\n"
        f"forbidden = {FORBIDDEN!r}\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in forbidden)\n"
        "print(json.dumps(loaded))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == []


def test_the_probe_can_see_a_forbidden_import() -> None:
    probe = "import json, sys, interpreter, teststate; print(json.dumps('teststate' in sys.modules))"
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) is True
