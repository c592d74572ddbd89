"""CPU time used by local processes and their children, from /proc (Linux).

    meter = CpuMeter({"goals": goals_pid, "postgres": listening_pid(5432)}, alone={"driver": os.getpid()})
    before = meter.sample()
    ...                                   # the measured work
    used = meter.since(before)            # {"goals": 3.2, "postgres": 1.9, ...} CPU seconds

A process's figure covers its whole tree: the process, every descendant alive at the sample, and
the children they have reaped (the kernel adds a waited-for child's time to its parent's
``cutime``/``cstime``). So a PostgreSQL backend that comes and goes between two samples is
counted, and one that lived through both is counted only for the time in between. A process
measured ``alone`` counts its own threads only (the driver, whose children are measured apart).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

PROC = Path("/proc")
TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")
_LISTEN = "0A"


def _stat_fields(pid: int) -> list[str] | None:
    try:
        text = (PROC / str(pid) / "stat").read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    # The command name (field 2) is in parentheses and may hold spaces: split after its end.
    return text[text.rindex(")") + 2 :].split()


def _parents() -> dict[int, int]:
    parents = {}
    for entry in PROC.iterdir():
        if entry.name.isdigit() and (fields := _stat_fields(int(entry.name))) is not None:
            parents[int(entry.name)] = int(fields[1])
    return parents


def _ticks(pid: int, *, reaped: bool = True) -> int:
    fields = _stat_fields(pid)
    if fields is None:
        return 0
    # Fields 14-17 of /proc/<pid>/stat: utime, stime, cutime, cstime (here from field 3 on).
    return sum(int(value) for value in fields[11 : 15 if reaped else 13])


def tree_cpu_seconds(pid: int, parents: Mapping[int, int] | None = None) -> float:
    """CPU seconds used so far by ``pid``, its living descendants and the children they reaped."""
    parents = _parents() if parents is None else parents
    children: dict[int, list[int]] = {}
    for child, parent in parents.items():
        children.setdefault(parent, []).append(child)
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        total += _ticks(current)
        todo.extend(children.get(current, ()))
    return total / TICKS_PER_SECOND


def listening_pid(port: int) -> int | None:
    """The process listening on a local TCP port (None when it cannot be found or read)."""
    inodes = set()
    for table in ("tcp", "tcp6"):
        try:
            lines = (PROC / "net" / table).read_text().splitlines()[1:]
        except FileNotFoundError:
            continue
        for line in lines:
            fields = line.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if state == _LISTEN and int(local.rsplit(":", 1)[1], 16) == port:
                inodes.add(f"socket:[{inode}]")
    if not inodes:
        return None
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            for fd in (entry / "fd").iterdir():
                if os.readlink(fd) in inodes:
                    return int(entry.name)
        except (FileNotFoundError, PermissionError, ProcessLookupError):
            continue
    return None


class CpuMeter:
    """CPU seconds of named process trees (and of processes ``alone``) between two samples; a
    process whose pid is None (not found) is listed in ``unknown``."""

    def __init__(self, trees: Mapping[str, int | None], *, alone: Mapping[str, int] | None = None) -> None:
        self.trees = {name: pid for name, pid in trees.items() if pid is not None}
        self.alone = dict(alone or {})
        self.unknown = sorted(name for name, pid in trees.items() if pid is None)

    def sample(self) -> dict[str, float]:
        parents = _parents()
        used = {name: tree_cpu_seconds(pid, parents) for name, pid in self.trees.items()}
        used.update({name: _ticks(pid, reaped=False) / TICKS_PER_SECOND for name, pid in self.alone.items()})
        return used

    def since(self, before: Mapping[str, float]) -> dict[str, float]:
        now = self.sample()
        return {name: round(now[name] - before[name], 2) for name in now}
