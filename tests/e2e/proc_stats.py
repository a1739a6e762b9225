"""What a server process costs, read from /proc: resident memory and CPU time (Linux)."""

from __future__ import annotations

import os
import re
from pathlib import Path


def rss_mb(pid: int) -> float:
    """Resident set size of a process in MiB (VmRSS from /proc/PID/status)."""
    text = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"^VmRSS:\s+(\d+)\s+kB", text, re.M).group(1)) / 1024


def cpu_seconds(pid: int) -> float:
    """CPU time a process has used so far, user plus system, in seconds (/proc/PID/stat)."""
    # The command name in field 2 may hold spaces: split after its closing parenthesis.
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
