"""CPU time used by local processes and their children (psutil).

    meter = CpuMeter({"goals": goals_pid, "postgres": listening_pid(5432)}, alone={"driver": os.getpid()})
    before = meter.sample()
    ...                                   # the measured work
    used = meter.since(before)            # {"goals": 3.2, "postgres": 1.9, ...} CPU seconds

A process's figure covers its whole tree: the process, every descendant alive at the sample, and
the children they have reaped (the kernel adds a waited-for child's time to its parent's). So a
PostgreSQL backend that comes and goes between two samples is counted, and one that lived
through both is counted only for the time in between. A process measured ``alone`` counts its
own threads only (the driver, whose children are measured apart).
"""

from __future__ import annotations

from collections.abc import Mapping

import psutil


def _seconds(process: psutil.Process, *, reaped: bool = True) -> float:
    try:
        times = process.cpu_times()
    except psutil.Error:  # gone between listing and reading
        return 0.0
    own: float = times.user + times.system
    return own + times.children_user + times.children_system if reaped else own


def tree_cpu_seconds(pid: int) -> float:
    """CPU seconds used so far by ``pid``, its living descendants and the children they reaped."""
    try:
        root = psutil.Process(pid)
        tree = [root, *root.children(recursive=True)]
    except psutil.Error:
        return 0.0
    return sum(_seconds(process) for process in tree)


def listening_pid(port: int) -> int | None:
    """The process listening on a local TCP port (None when it cannot be found or read)."""
    for connection in psutil.net_connections(kind="tcp"):
        if connection.status == psutil.CONN_LISTEN and connection.laddr and connection.laddr.port == port:
            return connection.pid
    return None


class CpuMeter:
    """CPU seconds of named process trees (and of processes ``alone``) between two samples; a
    process whose pid is None (not found) is listed in ``unknown``."""

    def __init__(self, trees: Mapping[str, int | None], *, alone: Mapping[str, int] | None = None) -> None:
        self.trees = {name: pid for name, pid in trees.items() if pid is not None}
        self.alone = dict(alone or {})
        self.unknown = sorted(name for name, pid in trees.items() if pid is None)

    def sample(self) -> dict[str, float]:
        used = {name: tree_cpu_seconds(pid) for name, pid in self.trees.items()}
        used.update({name: _seconds(psutil.Process(pid), reaped=False) for name, pid in self.alone.items()})
        return used

    def since(self, before: Mapping[str, float]) -> dict[str, float]:
        now = self.sample()
        return {name: round(now[name] - before[name], 2) for name in now}
