"""Where a deployment lives (its supervisord.conf, var/) and how to talk to its supervisord."""

from __future__ import annotations

import os
import xmlrpc.client
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from supervisor.xmlrpc import SupervisorTransport

SUPERVISORD_CONF = "supervisord.conf"


def find_home(cli_value: str | None = None) -> Path:
    """`--home`, then `AMM_HOME`, then the current folder or the source tree holding the conf."""
    chosen = cli_value or os.environ.get("AMM_HOME")
    if chosen:
        return Path(chosen).resolve()
    cwd = Path.cwd()
    if (cwd / SUPERVISORD_CONF).exists():
        return cwd
    source_root = Path(__file__).resolve().parents[2]
    if (source_root / SUPERVISORD_CONF).exists():
        return source_root
    return cwd


@dataclass(frozen=True)
class Deployment:
    """The paths supervisord.conf fixes relative to itself (`%(here)s`)."""

    home: Path

    @property
    def conf(self) -> Path:
        return self.home / SUPERVISORD_CONF

    @property
    def var(self) -> Path:
        return self.home / "var"

    @property
    def socket(self) -> Path:
        return self.var / "supervisor.sock"

    @property
    def pidfile(self) -> Path:
        return self.var / "supervisord.pid"

    def log_of(self, program: str) -> Path:
        return self.var / f"{program}.log"

    def supervisor(self) -> Any:
        """An XML-RPC proxy to supervisord over its unix socket (the only control channel)."""
        transport = SupervisorTransport(None, None, serverurl=f"unix://{self.socket}")
        return xmlrpc.client.ServerProxy("http://127.0.0.1", transport=transport).supervisor

    def supervisord_pid(self) -> int | None:
        """The pid of a live supervisord of this deployment, if any."""
        try:
            pid = int(self.pidfile.read_text().strip())
        except (OSError, ValueError):
            return None
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        except PermissionError:
            return pid
        return pid

    def is_up(self) -> bool:
        try:
            return self.supervisor().getState()["statename"] == "RUNNING"
        except (OSError, xmlrpc.client.Fault, xmlrpc.client.ProtocolError):
            return False


def alive(pid: int) -> bool:
    """True for a live process; a zombie waiting to be reaped counts as gone."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False
