"""/proc readings for the load benchmarks: a process tree's memory and CPU, PostgreSQL's CPU, the machine's."""

import os
from pathlib import Path


def status_kb(pid: int, key: str = "VmRSS") -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def stat_fields(pid: int) -> list[str]:
    """Fields of /proc/PID/stat after the command name (index 0 = state, 1 = ppid, 11 = utime, 12 = stime)."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return []
    return raw.rpartition(")")[2].split()


def descendants(pid: int) -> list[int]:
    """Every live descendant of `pid` (children of children too), from the ppid field of /proc/*/stat."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        fields = stat_fields(int(entry.name))
        if len(fields) > 1:
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    out: list[int] = []
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def is_mcp_server(pid: int) -> bool:
    """Whether `pid` runs an MCP server (`-m mcp_servers.<name>`), as opposed to a serve worker."""
    try:
        return b"mcp_servers." in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def cpu_seconds(pid: int) -> float:
    fields = stat_fields(pid)
    if len(fields) < 13:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def postgres_cpu_seconds() -> float:
    """CPU seconds of this machine's PostgreSQL: its live processes plus what its postmaster reaped.

    A backend that exits moves its CPU into the postmaster's cutime/cstime, so the sum only grows.
    """
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            comm = (entry / "comm").read_text().strip()
        except OSError:
            continue
        if comm != "postgres":
            continue
        fields = stat_fields(int(entry.name))
        if len(fields) < 15:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
        try:
            parent = (Path("/proc") / fields[1] / "comm").read_text().strip()
        except OSError:
            parent = ""
        if parent != "postgres":  # the postmaster: add its reaped children
            total += (int(fields[13]) + int(fields[14])) / tick
    return total


def machine_cpu_seconds() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, from the first line of /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:9]]
    idle = values[3] + values[4]
    return (sum(values) - idle) / os.sysconf("SC_CLK_TCK"), sum(values) / os.sysconf("SC_CLK_TCK")
