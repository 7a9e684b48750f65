"""`amm status`: per program, supervisord's state, heartbeat age, epoch and last seq."""

from __future__ import annotations

import asyncio
import json
import time
import xmlrpc.client
from typing import Any

from amm.common.programs import ACTORS, PROGRAMS
from amm.tools.account import account_summary
from amm.tools.heartbeats import collect_heartbeats
from amm.tools.selection import Selection


def gather(selection: Selection) -> dict[str, Any]:
    config = selection.config
    deployment = selection.deployment
    states: dict[str, dict[str, Any]] = {}
    supervisord = "not running"
    if deployment.is_up():
        supervisord = "RUNNING"
        try:
            for info in deployment.supervisor().getAllProcessInfo():
                states[info["name"]] = info
        except (OSError, xmlrpc.client.Fault) as exc:
            supervisord = f"unreachable: {exc}"
    running_actors = {name for name in ACTORS if states.get(name, {}).get("statename") == "RUNNING"}
    window = config.transport.peer_timeout_s  # silent this long: counted as down
    heard = asyncio.run(collect_heartbeats(config, running_actors, window)) if states else {}
    now_ns = time.time_ns()
    programs: dict[str, dict[str, Any]] = {}
    for name in PROGRAMS:
        info = states.get(name, {})
        hb = heard.get(name)
        programs[name] = {
            "state": info.get("statename", "UNKNOWN" if states else "NOT RUNNING"),
            "pid": info.get("pid") or None,
            "uptime_s": (info["now"] - info["start"])
            if info.get("statename") == "RUNNING"
            else None,
            "heartbeat_age_s": round((now_ns - hb.ts_ns) / 1e9, 3) if hb else None,
            "epoch": hb.epoch if hb else None,
            "seq": hb.seq if hb else None,
            "bus_gaps": hb.body.gaps if hb else None,
            "malformed": hb.body.malformed if hb else None,
        }
    return {
        "home": str(deployment.home),
        "config": str(selection.config_path),
        "mode": config.mode,
        "exchange": config.exchange.url,
        "account": account_summary(config),
        "supervisord": supervisord,
        "programs": programs,
        "healthy": is_healthy(config.is_paper, supervisord, programs),
    }


def is_healthy(paper: bool, supervisord: str, programs: dict[str, dict[str, Any]]) -> bool:
    """Everything that should run is RUNNING and every actor's heartbeat was heard."""
    if supervisord != "RUNNING":
        return False
    for name, program in programs.items():
        if name == "venue" and not paper:
            continue
        if program["state"] != "RUNNING":
            return False
        if name in ACTORS and program["heartbeat_age_s"] is None:
            return False
    return True


def render(report: dict[str, Any]) -> str:
    lines = [
        f"AMM-500 {report['mode']} · supervisord {report['supervisord']} · {report['home']}",
        f"config   {report['config']}",
        f"exchange {report['exchange']}",
        f"account  {report['account']['address'] or '-'}  ({report['account']['key_source']})",
        "",
        f"{'program':<11} {'state':<11} {'pid':>7} {'uptime':>9} {'hb age':>7}  "
        f"{'epoch':<16} {'seq':>8} {'gaps':>5}",
    ]
    for name, p in report["programs"].items():
        uptime = _duration(p["uptime_s"]) if p["uptime_s"] is not None else "-"
        age = f"{p['heartbeat_age_s']:.1f}s" if p["heartbeat_age_s"] is not None else "-"
        if name == "venue":
            age = "n/a"  # the venue speaks Hyperliquid's protocol, not the bus
        lines.append(
            f"{name:<11} {p['state']:<11} {p['pid'] or '-':>7} {uptime:>9} {age:>7}  "
            f"{p['epoch'] or '-':<16} {p['seq'] if p['seq'] is not None else '-':>8} "
            f"{p['bus_gaps'] if p['bus_gaps'] is not None else '-':>5}"
        )
    lines.append("")
    lines.append("healthy" if report["healthy"] else "NOT healthy")
    return "\n".join(lines)


def _duration(seconds: int) -> str:
    hours, rest = divmod(int(seconds), 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}"


def status(selection: Selection, *, as_json: bool) -> int:
    report = gather(selection)
    print(json.dumps(report, indent=2) if as_json else render(report))
    return 0 if report["healthy"] else 1
