"""The image's pinned requirements, compiled by uv from the project's own declarations.

`deploy/requirements.in` names the project and its contracts package; uv resolves what their
pyproject.toml files require into `deploy/requirements.lock` (every platform, Python 3.11 and
newer, with hashes). `deploy/build-requirements.in` does the same for the image's build tools.

    python -m trellis_deploy.requirements           # (re)compile the locks: `make lock`
    python -m trellis_deploy.requirements --check   # fail if a lock no longer matches

Compiling keeps the pins an existing lock holds (uv prefers them), so a lock changes only
when a declaration does: the check is that a fresh compile leaves each lock as it is.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from uv import find_uv_bin

from trellis_deploy.settings import DEPLOY_DIR, PROJECT_DIR

PYTHON_VERSION = "3.11"
LOCKS = {
    DEPLOY_DIR / "requirements.in": DEPLOY_DIR / "requirements.lock",
    DEPLOY_DIR / "build-requirements.in": DEPLOY_DIR / "build-requirements.lock",
}
LOCAL_PACKAGES = ("trellis", "trellis-contracts")
"""Installed from the image's own wheels, never from an index (PyPI's "trellis" is someone else's)."""


def compile_lock(source: Path, output: Path) -> None:
    command = [
        find_uv_bin(), "pip", "compile", str(source.relative_to(PROJECT_DIR)),
        "--universal", "--python-version", PYTHON_VERSION, "--generate-hashes",
        "--custom-compile-command", "make lock", "--quiet", "--output-file", str(output),
    ]  # fmt: skip
    for package in LOCAL_PACKAGES:
        command += ["--no-emit-package", package]
    # Relative paths in the .in files are relative to the project directory.
    subprocess.run(command, cwd=PROJECT_DIR, check=True)


def stale_locks() -> list[Path]:
    """The locks that a fresh compile (keeping their pins where it can) would change."""
    stale = []
    with tempfile.TemporaryDirectory() as scratch:
        for source, lock in LOCKS.items():
            fresh = Path(scratch) / lock.name
            if lock.exists():
                shutil.copyfile(lock, fresh)
            compile_lock(source, fresh)
            if not lock.exists() or fresh.read_text() != lock.read_text():
                stale.append(lock)
    return stale


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="fail if a lock does not match")
    args = parser.parse_args(argv)
    if args.check:
        stale = stale_locks()
        for lock in stale:
            print(f"{lock.relative_to(PROJECT_DIR)} does not match its sources: run `make lock`", file=sys.stderr)
        return 1 if stale else 0
    for source, lock in LOCKS.items():
        compile_lock(source, lock)
    return 0


if __name__ == "__main__":
    sys.exit(main())
