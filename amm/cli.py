"""The `amm` command: run, observe and control one AMM-500 deployment."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from amm.bench.cli import add_arguments as add_bench_arguments
from amm.common.config import ConfigError
from amm.common.deployment import Deployment, find_home
from amm.common.hyperliquid.errors import ExchangeError
from amm.common.keys import KeyUnavailable
from amm.common.programs import ACTORS
from amm.tools.chaos import SCENARIO_NAMES


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--config",
        help="config file (default: $AMM_CONFIG, the running one, or configs/paper.toml)",
    )
    common.add_argument(
        "--home",
        help="deployment folder holding supervisord.conf "
        "(default: $AMM_HOME, the current folder, or the source tree)",
    )
    parser = argparse.ArgumentParser(prog="amm", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    commands.add_parser("up", parents=[common], help="start supervisord and every program")
    commands.add_parser("down", parents=[common], help="stop every program and supervisord")
    status = commands.add_parser("status", parents=[common], help="programs, heartbeats, account")
    status.add_argument("--json", action="store_true", help="one JSON document")

    tail = commands.add_parser("tail", parents=[common], help="print the bus, one line a message")
    tail.add_argument("prefixes", nargs="*", metavar="PREFIX", help="topic prefixes, e.g. hb.")
    tail.add_argument("--json", action="store_true", help="one JSON object per message")
    tail.add_argument("--count", type=int, help="stop after N messages")
    tail.add_argument("--timeout", type=float, help="stop after S seconds")
    tail.add_argument(
        "--from", dest="from_file", type=Path, metavar="FILE", help="print an amm record file"
    )
    record = commands.add_parser("record", parents=[common], help="record the bus to a file")
    record.add_argument("--out", required=True, type=Path, metavar="FILE", help="recording file")
    record.add_argument("--count", type=int, help="stop after N messages")
    record.add_argument("--seconds", type=float, help="stop after S seconds")
    backtest = commands.add_parser(
        "backtest", parents=[common], help="run the strategy's cores against the venue's engine"
    )
    sweep = commands.add_parser("sweep", parents=[common], help="backtest a grid of parameters")
    for command in (backtest, sweep):
        command.add_argument(
            "--data",
            required=True,
            metavar="SOURCE",
            help="an l2Book archive file, an amm record file, or synthetic[:SECONDS]",
        )
        command.add_argument("--from", dest="start", metavar="TIME", help="HH:MM[:SS] UTC or ms")
        command.add_argument("--to", dest="end", metavar="TIME", help="HH:MM[:SS] UTC or ms")
        command.add_argument("--seed", type=_non_negative_int, help="[backtest] seed")
        command.add_argument(
            "--set", dest="sets", action="append", default=[], metavar="KEY=VALUE[,VALUE...]"
        )
        command.add_argument("--json", action="store_true", help="one JSON document")
    backtest.add_argument("--report", type=Path, metavar="FILE.html", help="write an HTML report")
    sweep.add_argument("--jobs", type=int, help="processes (default: the machine's cores)")
    sweep.add_argument("--csv", dest="csv_path", type=Path, metavar="FILE", help="write a CSV")

    report = commands.add_parser("report", parents=[common], help="the monitor's performance stats")
    report.add_argument("--window", choices=("5m", "30m", "1h", "session"), help="only this window")
    report_output = report.add_mutually_exclusive_group()
    report_output.add_argument("--json", action="store_true", help="the monitor's stats, as JSON")
    report_output.add_argument(
        "--html", metavar="FILE", help="a self-contained HTML page with plots"
    )
    watch = commands.add_parser(
        "watch", parents=[common], help="live view: quotes, risk, PnL, health"
    )
    watch.add_argument("--once", action="store_true", help="print one frame and exit")

    orders = commands.add_parser(
        "orders", parents=[common], help="live orders, execution vs exchange"
    )
    orders.add_argument("--json", action="store_true", help="one JSON document")
    commands.add_parser("cancel-all", parents=[common], help="cancel every order at the exchange")
    commands.add_parser("preflight", parents=[common], help="check key, account, dex, budget")

    risk = commands.add_parser("risk", help="halt, resume or show risk's trading state")
    risk_commands = risk.add_subparsers(dest="risk_command", required=True)
    halt = risk_commands.add_parser("halt", parents=[common], help="halt trading until resumed")
    halt.add_argument("--reason", help="why (shown by amm risk status and in risk's log)")
    risk_commands.add_parser("resume", parents=[common], help="clear a halt, start a new session")
    risk_status = risk_commands.add_parser(
        "status", parents=[common], help="state, positions, PnL, limits"
    )
    risk_status.add_argument("--json", action="store_true", help="one JSON document")

    research = commands.add_parser("research", help="model research tools")
    research_commands = research.add_subparsers(dest="research_command", required=True)
    glft = research_commands.add_parser("glft", help="GLFT half spread and skew for given inputs")
    glft.add_argument("--A", type=float, required=True, help="arrival intensity at the mid, per s")
    glft.add_argument("--k", type=float, required=True, help="intensity decay per price unit")
    glft.add_argument("--sigma", type=float, required=True, help="volatility per sqrt(s)")
    glft.add_argument("--gamma", type=float, required=True, help="risk aversion (xi = gamma)")
    glft.add_argument("--delta", type=float, required=True, help="order-size unit Delta")
    glft.add_argument("--json", action="store_true", help="one JSON document")
    as2008 = research_commands.add_parser(
        "as2008", help="Avellaneda-Stoikov (2008) simulation: inventory vs symmetric strategy"
    )
    as2008.add_argument("--gamma", type=float, required=True, help="risk aversion gamma")
    as2008.add_argument("--paths", type=int, default=1000, help="simulated paths (default 1000)")
    as2008.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    as2008.add_argument("--json", action="store_true", help="one JSON document")

    bench = commands.add_parser("bench", help="measure latency, bus, signing, backtest, memory")
    add_bench_arguments(bench)

    chaos = commands.add_parser("chaos", help="break a private paper deployment, check invariants")
    chaos.add_argument("--scenario", default="all", choices=("all", *SCENARIO_NAMES))
    chaos.add_argument("--seed", type=_non_negative_int, default=1, help="kills and venue seed")
    chaos.add_argument("--duration", type=float, default=3.0, help="each trading phase, s")
    chaos.add_argument("--json", action="store_true", help="one JSON document")

    config = commands.add_parser("config", help="config tools")
    config_commands = config.add_subparsers(dest="config_command", required=True)
    config_commands.add_parser("check", parents=[common], help="validate and print the config")
    keys = commands.add_parser("keys", help="CURVE keys for the bus")
    keys_commands = keys.add_subparsers(dest="keys_command", required=True)
    generate = keys_commands.add_parser(
        "generate", parents=[common], help="write the server and client keypairs into keys_dir"
    )
    generate.add_argument("--force", action="store_true", help="replace existing keys")

    actor = commands.add_parser("actor", parents=[common], help="run one actor (supervisord does)")
    actor.add_argument("program", choices=ACTORS)
    actor.add_argument("--log-json", action="store_true", default=None, help="JSON log lines")
    venue = commands.add_parser("venue", parents=[common], help="run the paper venue")
    venue.add_argument("--log-json", action="store_true", default=None, help="JSON log lines")
    venue.add_argument("--seed", type=_non_negative_int, help="market model seed ([venue] seed)")
    venue.add_argument("--speed", type=_positive_float, help="simulated seconds per second")
    return parser


def _non_negative_int(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {value}")
    return value


def _positive_float(text: str) -> float:
    value = float(text)
    if not 0 < value <= 100:
        raise argparse.ArgumentTypeError(f"must be in (0, 100], got {value}")
    return value


def main(argv: list[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    try:
        code = _dispatch(args)
    except (ConfigError, KeyUnavailable) as exc:
        print(f"amm {args.command}: {exc}", file=sys.stderr)
        code = 2
    except ExchangeError as exc:
        print(f"amm {args.command}: the exchange: {exc}", file=sys.stderr)
        code = 1
    except KeyboardInterrupt:
        code = 130
    raise SystemExit(code)


def _dispatch(args: argparse.Namespace) -> int:
    from amm.tools.selection import config_path_for, select

    if args.command == "down":
        from amm.tools.updown import down

        return down(Deployment(find_home(args.home)))
    if args.command in ("actor", "venue"):
        path = str(config_path_for(Deployment(find_home(args.home)), args.config))
        if args.command == "venue":
            from amm.services.venue.service import run_venue

            return run_venue(path, log_json=args.log_json, seed=args.seed, speed=args.speed)
        from amm.common.runtime import run_actor

        return run_actor(args.program, path, log_json=args.log_json)
    if args.command == "research" and args.research_command == "as2008":
        from amm.tools.research import as2008_command

        return as2008_command(args.gamma, args.paths, args.seed, as_json=args.json)
    if args.command == "research":
        from amm.tools.research import glft_command

        return glft_command(args.A, args.k, args.sigma, args.gamma, args.delta, as_json=args.json)
    if args.command == "bench":
        from amm.bench.cli import bench_command

        return bench_command(args)
    if args.command == "chaos":
        from amm.tools.chaos.cli import chaos_command

        return chaos_command(args.scenario, args.seed, args.duration, as_json=args.json)
    if args.command in ("backtest", "sweep"):
        from amm.backtest.cli import backtest_command, sweep_command

        path = config_path_for(Deployment(find_home(args.home)), args.config)
        if args.command == "backtest":
            return backtest_command(
                path,
                args.data,
                start=args.start,
                end=args.end,
                seed=args.seed,
                sets=args.sets,
                as_json=args.json,
                report=args.report,
            )
        return sweep_command(
            path,
            args.data,
            sets=args.sets,
            start=args.start,
            end=args.end,
            seed=args.seed,
            jobs=args.jobs,
            csv_path=args.csv_path,
            as_json=args.json,
        )
    selection = select(args.home, args.config)
    if args.command == "up":
        from amm.tools.updown import up

        return up(selection)
    if args.command == "status":
        from amm.tools.status import status

        return status(selection, as_json=args.json)
    if args.command == "tail":
        from amm.tools.tail import tail

        return asyncio.run(
            tail(
                selection.config,
                args.prefixes,
                as_json=args.json,
                count=args.count,
                timeout_s=args.timeout,
                from_file=args.from_file,
            )
        )
    if args.command == "report":
        from amm.tools.report import report

        return asyncio.run(
            report(selection.config, window=args.window, as_json=args.json, html=args.html)
        )
    if args.command == "watch":
        from amm.tools.watch import watch

        return asyncio.run(watch(selection.config, once=args.once, deployment=selection.deployment))
    if args.command == "risk":
        from amm.tools import risk_control

        if args.risk_command == "halt":
            return asyncio.run(risk_control.halt(selection.config, args.reason))
        if args.risk_command == "resume":
            return asyncio.run(risk_control.resume(selection.config))
        return asyncio.run(risk_control.status(selection.config, as_json=args.json))
    if args.command == "record":
        from amm.tools.record import record

        return asyncio.run(
            record(selection.config, args.out, count=args.count, seconds=args.seconds)
        )
    if args.command == "orders":
        from amm.tools.orders import orders

        return asyncio.run(orders(selection.config, as_json=args.json))
    if args.command == "cancel-all":
        from amm.tools.orders import cancel_all

        return asyncio.run(cancel_all(selection.config))
    if args.command == "preflight":
        from amm.tools.preflight import preflight

        return asyncio.run(preflight(selection.config))
    if args.command == "keys":
        from amm.tools.keys import keys_generate

        return keys_generate(selection, force=args.force)
    if args.command == "config":
        from amm.tools.configcheck import config_check

        return config_check(selection)
    raise AssertionError(f"unhandled command {args.command}")
