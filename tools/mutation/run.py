"""Mutation testing of Trellis's pure code: one mutmut run per target, then a table and a JSON line.

    python tools/mutation/run.py [--ci] [--diffs] [TARGET ...]

The targets (code to mutate, the fast tests that exercise it, the least score) are listed in
targets.toml beside this file. Exits 1 when a target is under its threshold, has mutants in
code that no selected test runs, or could not be run.

mutmut 3 imports mutated code from `mutants/src/` and names each module after its path
there, while this repository keeps its packages under kernel/, contracts/src/ and
services/*/ (installed in editable mode). So every target gets its own workspace
`mutants/<target>/` (git-ignored) whose `src/` links each package it mutates under its import
name (with the files a src-layout project keeps beside its src/, such as the contracts'
schemas), and mutmut copies that into `mutants/<target>/mutants/`, ahead of the editable
installs on `sys.path`. Each run starts from an empty workspace, so no result comes from a
cache.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
import tomllib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
WORKSPACES = ROOT / "mutants"
MUTMUT = Path(sys.executable).parent / "mutmut"

# Statuses of `mutmut results`: a mutant is detected when a test failed or hung on it.
DETECTED = frozenset({"killed", "timeout"})
NO_TESTS = "no tests"
SURVIVED = "survived"
SHOWN_ON_FAILURE = 40  # survivors printed when a target fails, so a CI log says what to look at


@dataclass(frozen=True)
class Target:
    name: str
    mutate: tuple[str, ...]
    tests: tuple[str, ...]
    threshold: float
    ci: bool
    enforced: bool = True


@dataclass(frozen=True)
class Outcome:
    target: Target
    statuses: Counter[str]
    seconds: float
    error: str | None = None

    @property
    def mutants(self) -> int:
        return sum(self.statuses.values())

    @property
    def killed(self) -> int:
        return sum(count for status, count in self.statuses.items() if status in DETECTED)

    @property
    def score(self) -> float:
        return 100.0 * self.killed / self.mutants if self.mutants else 0.0

    @property
    def passed(self) -> bool:
        return (
            self.error is None
            and self.mutants > 0
            and self.statuses[NO_TESTS] == 0
            and self.score >= self.target.threshold
        )

    @property
    def acceptable(self) -> bool:
        """Passed, or below a threshold that is only reported for now (never an error)."""
        return self.passed or (self.error is None and not self.target.enforced)

    @property
    def verdict(self) -> str:
        if self.error:
            return "ERROR"
        if self.passed:
            return "pass"
        return "FAIL" if self.target.enforced else "below (reported only)"

    def summary(self) -> dict[str, Any]:
        other = self.mutants - self.killed - self.statuses[SURVIVED] - self.statuses[NO_TESTS]
        return {
            "mutants": self.mutants,
            "killed": self.killed,
            "survived": self.statuses[SURVIVED],
            "no_tests": self.statuses[NO_TESTS],
            "other": other,
            "score": round(self.score, 1),
            "threshold": self.target.threshold,
            "pass": self.passed,
            "enforced": self.target.enforced,
            "seconds": round(self.seconds, 1),
            **({"error": self.error} if self.error else {}),
        }


def load_targets(path: Path = HERE / "targets.toml") -> list[Target]:
    document = tomllib.loads(path.read_text())
    return [
        Target(
            name=entry["name"],
            mutate=tuple(entry["mutate"]),
            tests=tuple(entry["tests"]),
            threshold=float(entry["threshold"]),
            ci=bool(entry.get("ci", False)),
            enforced=bool(entry.get("enforced", True)),
        )
        for entry in document["target"]
    ]


def package_root(path: Path) -> Path:
    """The top-level package folder a module or subpackage belongs to."""
    folder = path if path.is_dir() else path.parent
    if not (folder / "__init__.py").is_file():
        raise ValueError(f"{path} is not inside a Python package")
    while (folder.parent / "__init__.py").is_file():
        folder = folder.parent
    return folder


def link_project_files(workspace: Path, packages: Iterable[Path]) -> list[str]:
    """Mirror a src-layout project around the workspace's src/ folder.

    A package kept as ``<project>/src/<package>`` may read files beside its src/ folder (the
    contracts read ``schemas/``, ``policies/`` and ``asyncapi.json`` from ``contracts/``):
    each is linked into the workspace root, and mutmut copies it beside its copy of src/.
    """
    linked: list[str] = []
    for package in packages:
        if package.parent.name != "src":
            continue
        for entry in sorted(package.parent.parent.iterdir()):
            if entry.name in ("src", "pyproject.toml") or entry.name.startswith("."):
                continue
            if (workspace / entry.name).exists():
                raise ValueError(f"{entry} would overwrite {workspace / entry.name}")
            (workspace / entry.name).symlink_to(entry, target_is_directory=entry.is_dir())
            linked.append(entry.name)
    return linked


def _toml_value(value: Any) -> str:
    # JSON strings, lists and booleans are valid TOML values.
    return json.dumps(value)


def _toml_table(name: str, values: dict[str, Any]) -> str:
    lines = [f"[{name}]"] + [f"{key} = {_toml_value(value)}" for key, value in values.items()]
    return "\n".join(lines) + "\n"


def prepare_workspace(target: Target) -> Path:
    """`mutants/<target>/` with src/<package> links, the tests and a pyproject for mutmut."""
    workspace = WORKSPACES / target.name
    if workspace.exists():
        shutil.rmtree(workspace)
    (workspace / "src").mkdir(parents=True)

    only_mutate: list[str] = []
    packages: dict[str, Path] = {}
    for entry in target.mutate:
        path = ROOT / entry
        if not path.exists():
            raise FileNotFoundError(f"{target.name}: {entry} does not exist")
        package = package_root(path)
        packages[package.name] = package
        inside = (Path("src") / package.name / path.relative_to(package)).as_posix()
        only_mutate.append(f"{inside}/*" if path.is_dir() else inside)
    for name, package in packages.items():
        (workspace / "src" / name).symlink_to(package, target_is_directory=True)
    (workspace / "tests").symlink_to(ROOT / "tests", target_is_directory=True)
    beside = link_project_files(workspace, packages.values())

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    pytest_options = project["tool"]["pytest"]["ini_options"]
    mutmut_options = {
        "source_paths": [f"src/{name}" for name in packages],
        "also_copy": beside,
        "only_mutate": only_mutate,
        "pytest_add_cli_args_test_selection": list(target.tests),
        "pytest_add_cli_args": [
            # Only the fast tests: a selected test that needs Kafka or PostgreSQL is left out.
            "-m",
            "not infra",
            "-p",
            "no:cacheprovider",
            # This plugin runs two full garbage collections after every pytest run: in a worker
            # forked from mutmut's process that is most of the time a mutant takes.
            "-p",
            "no:unraisableexception",
        ],
        "use_git_change_detection": False,
    }
    (workspace / "pyproject.toml").write_text(
        "# Written by tools/mutation/run.py for one mutmut run; not a project file.\n"
        + _toml_table("tool.mutmut", mutmut_options)
        + _toml_table("tool.pytest.ini_options", pytest_options)
    )
    return workspace


def workers() -> int:
    return int(os.environ.get("MUTATION_WORKERS") or os.cpu_count() or 2)


def mutmut(workspace: Path, *arguments: str, log: Path | None = None) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    if log is None:
        return subprocess.run(
            [str(MUTMUT), *arguments], cwd=workspace, env=environment, capture_output=True, text=True
        )
    with log.open("a") as output:
        return subprocess.run(
            [str(MUTMUT), *arguments],
            cwd=workspace,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            text=True,
        )


def statuses_of(workspace: Path) -> dict[str, str]:
    """Each mutant's status, as `mutmut results --all true` lists them."""
    listed = mutmut(workspace, "results", "--all", "true")
    if listed.returncode != 0:
        raise RuntimeError(f"mutmut results failed: {listed.stderr.strip()}")
    result: dict[str, str] = {}
    for line in listed.stdout.splitlines():
        name, separator, status = line.strip().rpartition(": ")
        if separator and "__mutmut_" in name:
            result[name] = status
    return result


def run_target(target: Target) -> tuple[Outcome, dict[str, str]]:
    started = time.monotonic()
    try:
        workspace = prepare_workspace(target)
        log = workspace / "mutmut.log"
        finished = mutmut(workspace, "run", "--max-children", str(workers()), log=log)
        if finished.returncode != 0:
            tail = "\n".join(log.read_text(errors="replace").splitlines()[-30:])
            raise RuntimeError(f"mutmut run exited {finished.returncode}; the end of {log}:\n{tail}")
        by_mutant = statuses_of(workspace)
        if not by_mutant:
            raise RuntimeError(f"mutmut made no mutants of {', '.join(target.mutate)}")
    except (OSError, RuntimeError, ValueError) as error:
        return Outcome(target, Counter(), time.monotonic() - started, error=str(error)), {}
    return Outcome(target, Counter(by_mutant.values()), time.monotonic() - started), by_mutant


def write_diffs(workspace: Path, names: Sequence[str]) -> Path:
    """The diff of each listed mutant, in one file (mutmut show, without a process per mutant)."""
    destination = workspace / "survivors.diff"
    script = (
        "import sys\n"
        "from mutmut.mutation.diff_apply import get_diff_for_mutant\n"
        "from mutmut.mutation.diff_apply import find_mutant\n"
        "for name in sys.argv[1:]:\n"
        "    print(f'# {name}')\n"
        "    print(get_diff_for_mutant(name, path=find_mutant(name).path))\n"
    )
    with destination.open("w") as output:
        subprocess.run(
            [sys.executable, "-c", script, *names], cwd=workspace, stdout=output, check=True, text=True
        )
    return destination


def table(outcomes: Iterable[Outcome]) -> str:
    header = ("target", "mutants", "killed", "survived", "no tests", "score", "threshold", "result", "time")
    rows = [header]
    for outcome in outcomes:
        s = outcome.summary()
        rows.append(
            (
                outcome.target.name,
                str(s["mutants"]),
                str(s["killed"]),
                str(s["survived"]),
                str(s["no_tests"]),
                f"{s['score']:.1f}%",
                f"{s['threshold']:.1f}%",
                outcome.verdict,
                f"{s['seconds']:.0f}s",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("targets", nargs="*", help="target names (default: all, or the CI ones with --ci)")
    parser.add_argument("--ci", action="store_true", help="only the targets marked ci = true")
    parser.add_argument(
        "--diffs", action="store_true", help="write each survivor's diff to mutants/<target>/survivors.diff"
    )
    arguments = parser.parse_args(argv)

    targets = load_targets()
    known = {target.name for target in targets}
    unknown = sorted(set(arguments.targets) - known)
    if unknown:
        parser.error(f"unknown targets {unknown}; known: {sorted(known)}")
    chosen = [
        target
        for target in targets
        if (target.name in arguments.targets if arguments.targets else (target.ci or not arguments.ci))
    ]

    outcomes: list[Outcome] = []
    for target in chosen:
        print(f"mutation: {target.name} ({', '.join(target.mutate)}) ...", flush=True)
        outcome, by_mutant = run_target(target)
        outcomes.append(outcome)
        if outcome.error:
            print(f"mutation: {target.name}: {outcome.error}", flush=True)
            continue
        left = sorted(name for name, status in by_mutant.items() if status not in DETECTED)
        workspace = WORKSPACES / target.name
        (workspace / "survivors.txt").write_text("".join(f"{name}: {by_mutant[name]}\n" for name in left))
        where = f"{len(left)} not killed, listed in {(workspace / 'survivors.txt').relative_to(ROOT)}"
        if arguments.diffs and left:
            where += f", diffs in {write_diffs(workspace, left).relative_to(ROOT)}"
        print(f"mutation: {target.name}: {outcome.score:.1f}% in {outcome.seconds:.0f}s; {where}", flush=True)
        if not outcome.acceptable:
            shown = left[:SHOWN_ON_FAILURE]
            print("".join(f"    {name}: {by_mutant[name]}\n" for name in shown), end="")
            if len(left) > len(shown):
                print(f"    ... and {len(left) - len(shown)} more")

    print()
    print(table(outcomes))
    everything_passed = all(outcome.acceptable for outcome in outcomes)
    print(
        json.dumps(
            {
                "mutation": {outcome.target.name: outcome.summary() for outcome in outcomes},
                "pass": everything_passed,
            },
            separators=(",", ":"),
        )
    )
    return 0 if everything_passed else 1


if __name__ == "__main__":
    sys.exit(main())
