"""The run's report: a summary table on the console and the same figures as JSON."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from chaos.checks import Check
from chaos.faults import Injected


def summary(
    *,
    seed: int,
    ledger_figures: dict[str, int],
    events_stored: dict[str, int],
    injected: list[Injected],
    checks: list[Check],
    seconds: float,
    refused: list[str],
) -> dict[str, Any]:
    recovery: dict[str, float] = {}
    for done in injected:
        recovery[done.fault.kind] = max(recovery.get(done.fault.kind, 0.0), done.recovery_seconds)
    figures = {c.name: c.figures for c in checks}
    duplicates_on_topics = {
        name.split()[0]: c.figures["duplicates"]
        for name, c in ((c.name, c) for c in checks)
        if "duplicates" in c.figures
    }
    return {
        "seed": seed,
        "passed": all(c.ok for c in checks),
        **ledger_figures,
        "events_stored": events_stored,
        "faults_injected": dict(Counter(done.fault.kind for done in injected)),
        "faults_total": len(injected),
        # Acknowledged but not stored, or stored but never on the topic.
        "events_lost": sum(
            c.figures.get("events_lost", 0) + c.figures.get("missing_on_topic", 0) for c in checks
        ),
        # Reactions and deliveries that never happened (a reward, a fact, a webhook, a statement).
        "effects_missing": sum(c.figures.get("missed_effects", 0) for c in checks),
        "duplicate_effects": sum(c.figures.get("duplicate_effects", 0) for c in checks),
        "duplicate_records_on_topics": duplicates_on_topics,
        "max_recovery_seconds": recovery,
        "faults": [
            {
                "number": d.fault.number,
                "kind": d.fault.kind,
                "after_commands": d.fault.after_commands,
                "detail": d.detail,
                "recovery_seconds": d.recovery_seconds,
            }
            for d in injected
        ],
        "checks": [
            {"name": c.name, "ok": c.ok, "problems": c.problems, "figures": c.figures} for c in checks
        ],
        "figures": figures,
        "refused_examples": refused[:20],
        "seconds": round(seconds, 1),
    }


def show(report: dict[str, Any], path: Path, console: Console) -> None:
    table = Table("figure", "value", title=f"chaos run, seed {report['seed']}")
    for name in (
        "commands_acknowledged",
        "commands_retried",
        "commands_refused",
        "commands_gave_up",
        "attempts_failed",
    ):
        table.add_row(name.replace("_", " "), str(report[name]))
    table.add_row("events stored", ", ".join(f"{s} {n}" for s, n in report["events_stored"].items()))
    table.add_row(
        "faults injected",
        f"{report['faults_total']}: "
        + ", ".join(f"{k} {n}" for k, n in sorted(report["faults_injected"].items())),
    )
    table.add_row("events lost (must be 0)", str(report["events_lost"]))
    table.add_row("effects missing (must be 0)", str(report["effects_missing"]))
    table.add_row("duplicate effects (must be 0)", str(report["duplicate_effects"]))
    table.add_row(
        "duplicate records on topics",
        ", ".join(f"{t} {n}" for t, n in report["duplicate_records_on_topics"].items()),
    )
    for kind, seconds in sorted(report["max_recovery_seconds"].items()):
        table.add_row(f"max recovery: {kind}", f"{seconds:.1f}s")
    table.add_row("run time", f"{report['seconds']:.0f}s")
    console.print(table)
    checks = Table("check", "result")
    for check in report["checks"]:
        checks.add_row(
            check["name"],
            "[green]ok[/]" if check["ok"] else "[red]FAILED[/]: " + "; ".join(check["problems"]),
        )
    console.print(checks)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2, default=str) + "\n")
    console.print(f"report written to {path}")
    console.print(("[green]PASSED" if report["passed"] else "[red]FAILED") + f" (seed {report['seed']})")
