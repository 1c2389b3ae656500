"""Refresh the in-repository copy of the conformance corpus from the shared one.

The corpus (TestState cases recorded against AWS and derived from recorded executions, the
recorded executions and API call sequences, their replay scripts, README, LICENSE and NOTICE)
lives in ``tests/conformance/corpus`` so that ``make test`` runs every test from a clone alone.
When the shared corpus changes, run::

    python tests/conformance/refresh_corpus.py [SOURCE]   # default: ../shared/conformance

It replaces the copy with SOURCE as it is and prints what was added, removed and changed, so the
commit that takes the new corpus says what it brings. Nothing else reads SOURCE.
"""

from __future__ import annotations

import filecmp
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
COPY = HERE / "corpus"
DEFAULT_SOURCE = HERE.parent.parent.parent / "shared" / "conformance"
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc")


def _files(root: Path) -> set[str]:
    if not root.is_dir():
        return set()
    return {
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }


def refresh(source: Path, copy: Path = COPY) -> tuple[list[str], list[str], list[str]]:
    """Make ``copy`` an exact copy of ``source``; returns (added, removed, changed) paths."""
    if not (source / "replay.py").is_file():
        raise SystemExit(f"{source} is not a conformance corpus (no replay.py)")
    old, new = _files(copy), _files(source)
    changed = sorted(name for name in old & new if not filecmp.cmp(copy / name, source / name, shallow=False))
    staging = copy.with_name(copy.name + ".new")
    if staging.exists():
        shutil.rmtree(staging)
    shutil.copytree(source, staging, ignore=IGNORED)
    for path in staging.rglob("*"):  # the shared copy is read-only; the repository's is not
        path.chmod(0o755 if path.is_dir() else 0o644)
    staging.chmod(0o755)
    if copy.exists():
        shutil.rmtree(copy)
    staging.rename(copy)
    return sorted(new - old), sorted(old - new), changed


def main(argv: list[str]) -> int:
    source = Path(argv[0]) if argv else DEFAULT_SOURCE
    added, removed, changed = refresh(source.resolve())
    for label, names in (("added", added), ("removed", removed), ("changed", changed)):
        print(f"{len(names)} {label}")
        for name in names[:50]:
            print(f"  {name}")
        if len(names) > 50:
            print(f"  ... and {len(names) - 50} more")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
