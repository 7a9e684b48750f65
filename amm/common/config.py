"""One validated config per deployment, chosen by `--config` or `AMM_CONFIG`.

Every error names the key it is about; relative paths in a config file are relative to that file.
"""

from __future__ import annotations

import ipaddress
import re
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlparse

import msgspec

from amm.backtest.settings import BacktestSettings
from amm.common.config_section import ConfigSection
from amm.common.programs import ACTORS
from amm.common.sim.market.params import ReplayParams, SyntheticParams
from amm.services.execution.settings import ExecutionSettings
from amm.services.monitor.settings import MonitorSettings
from amm.services.quoter.settings import QuoterSettings
from amm.services.risk.settings import RiskSettings

Endpoint = Annotated[
    str, msgspec.Meta(pattern=r"^(tcp://[A-Za-z0-9.\-\[\]:*]+:[0-9]{1,5}|ipc://[^\s]+)$")
]
Coin = Annotated[str, msgspec.Meta(pattern=r"^([a-z][a-z0-9]*:)?[A-Za-z0-9]+$")]


class ExchangeConfig(ConfigSection, kw_only=True):
    url: Annotated[str, msgspec.Meta(pattern=r"^https?://[^\s/]+(:[0-9]{1,5})?/?$")]
    request_timeout_s: Annotated[float, msgspec.Meta(gt=0, le=60)] = 10.0


class ProgramEndpoints(ConfigSection, kw_only=True):
    """One endpoint per actor program; the table's keys are the program names of DESIGN.md."""

    marketdata: Endpoint
    quoter: Endpoint
    risk: Endpoint
    execution: Endpoint
    monitor: Endpoint

    def items(self) -> Iterator[tuple[str, str]]:
        for program in ACTORS:
            yield program, getattr(self, program)


class TransportConfig(ConfigSection, kw_only=True):
    send_hwm: Annotated[int, msgspec.Meta(ge=1, le=10_000_000)] = 10_000
    recv_hwm: Annotated[int, msgspec.Meta(ge=1, le=10_000_000)] = 10_000
    max_message_bytes: Annotated[int, msgspec.Meta(ge=1024, le=64 * 1024 * 1024)] = 1024 * 1024
    heartbeat_interval_s: Annotated[float, msgspec.Meta(ge=0.05, le=10)] = 1.0
    peer_timeout_s: Annotated[float, msgspec.Meta(ge=0.1, le=60)] = 3.0
    request_timeout_s: Annotated[float, msgspec.Meta(gt=0, le=60)] = 2.0
    stop_grace_s: Annotated[float, msgspec.Meta(gt=0, le=4)] = 3.0  # twice inside stopwaitsecs


class PathsConfig(ConfigSection, kw_only=True):
    var_dir: Annotated[str, msgspec.Meta(min_length=1)] = "../var"


class SecurityConfig(ConfigSection, kw_only=True):
    """CURVE on the bus and request/reply, for endpoints other machines can reach."""

    curve: bool = False
    keys_dir: Annotated[str, msgspec.Meta(min_length=1)] | None = None  # None: <var_dir>/keys


class LoggingConfig(ConfigSection, kw_only=True):
    json: bool = False
    level: Literal["debug", "info", "warning", "error"] = "info"


class MarketConfig(ConfigSection, kw_only=True):
    coin: Coin


class VenueMarketConfig(ConfigSection, kw_only=True):
    """A market the paper venue lists; on Hyperliquid these facts come from `meta`."""

    coin: Coin
    sz_decimals: Annotated[int, msgspec.Meta(ge=0, le=6)]
    max_leverage: Annotated[int, msgspec.Meta(ge=1, le=100)]
    start_px: Annotated[float, msgspec.Meta(gt=0)]
    fee_scale: Annotated[float, msgspec.Meta(ge=0, le=10)] = 1.0  # HIP-3 deployers scale fees


class FaultConfig(ConfigSection, kw_only=True):
    """The venue's fault switchboard at start-up; tests and `amm chaos` flip it at run time."""

    http_error_rate: Annotated[float, msgspec.Meta(ge=0, le=1)] = 0.0  # share answered 5xx
    timeout_rate: Annotated[float, msgspec.Meta(ge=0, le=1)] = 0.0  # share never answered
    ack_delay_s: Annotated[float, msgspec.Meta(ge=0, le=60)] = 0.0  # added before /exchange acks
    reject_rate: Annotated[float, msgspec.Meta(ge=0, le=1)] = 0.0  # orders rejected outright
    ws_drop_interval_s: Annotated[float, msgspec.Meta(ge=0, le=3600)] = 0.0  # 0: never drop
    ws_burst_per_s: Annotated[float, msgspec.Meta(ge=0, le=1000)] = 0.0  # 0: changes only


class VenueConfig(ConfigSection, kw_only=True):
    """The paper venue: markets, accounts, the market model and its clock (paper mode only)."""

    seed: Annotated[int, msgspec.Meta(ge=0)] = 1
    speed: Annotated[float, msgspec.Meta(gt=0, le=100)] = 1.0  # sim seconds per wall second
    starting_collateral: Annotated[float, msgspec.Meta(gt=0)] = 1000.0
    funding_interval_s: Annotated[float, msgspec.Meta(gt=0)] = 3600.0
    model: Literal["synthetic", "replay"] = "synthetic"
    markets: Annotated[list[VenueMarketConfig], msgspec.Meta(min_length=1)]
    synthetic: SyntheticParams = SyntheticParams()
    replay: ReplayParams | None = None
    faults: FaultConfig = FaultConfig()


class MarketDataConfig(ConfigSection, kw_only=True):
    """The marketdata actor's websocket feed: when data counts as stale, keep-alive, reconnects."""

    stale_after_s: Annotated[float, msgspec.Meta(gt=0, le=600)] = 5.0  # no message: stale
    ping_interval_s: Annotated[float, msgspec.Meta(gt=0, le=55)] = 50.0  # Hyperliquid cuts at 60
    pong_timeout_s: Annotated[float, msgspec.Meta(gt=0, le=60)] = 10.0  # silence past ping: dead
    connect_timeout_s: Annotated[float, msgspec.Meta(gt=0, le=60)] = 10.0
    reconnect_backoff_min_s: Annotated[float, msgspec.Meta(gt=0, le=60)] = 0.5
    reconnect_backoff_max_s: Annotated[float, msgspec.Meta(gt=0, le=600)] = 30.0
    status_interval_s: Annotated[float, msgspec.Meta(ge=0.1, le=10)] = 1.0  # md.status period

    def __post_init__(self) -> None:
        if self.reconnect_backoff_max_s < self.reconnect_backoff_min_s:
            raise ValueError("reconnect_backoff_max_s must be >= reconnect_backoff_min_s")


class Config(ConfigSection, kw_only=True):
    mode: Literal["paper", "testnet", "mainnet"]
    exchange: ExchangeConfig
    bus: ProgramEndpoints
    snapshot: ProgramEndpoints
    markets: Annotated[list[MarketConfig], msgspec.Meta(min_length=1)]
    transport: TransportConfig = TransportConfig()
    paths: PathsConfig = PathsConfig()
    security: SecurityConfig = SecurityConfig()
    logging: LoggingConfig = LoggingConfig()
    marketdata: MarketDataConfig = MarketDataConfig()
    execution: ExecutionSettings = ExecutionSettings()
    quoter: QuoterSettings = QuoterSettings()
    risk: RiskSettings = RiskSettings()
    monitor: MonitorSettings = MonitorSettings()
    backtest: BacktestSettings = BacktestSettings()
    venue: VenueConfig | None = None  # required in paper mode

    @property
    def is_paper(self) -> bool:
        return self.mode == "paper"

    @property
    def var_dir(self) -> Path:
        """Absolute, once loaded: `load_config` resolves it against the config file's folder."""
        return Path(self.paths.var_dir)

    @property
    def keys_dir(self) -> Path:
        """Absolute, once loaded: the CURVE keys (`amm keys generate` writes them there)."""
        return Path(self.security.keys_dir or self.var_dir / "keys")


class ConfigError(Exception):
    """An unusable config; the message names the file and the key."""

    def __init__(self, path: Path | str, key: str | None, problem: str) -> None:
        where = f"{key}: " if key else ""
        super().__init__(f"invalid config {path}: {where}{problem}")
        self.path = str(path)
        self.key = key
        self.problem = problem


_MSGSPEC_ERROR = re.compile(r"^(?P<problem>.*?)(?: - at `\$(?P<path>[^`]*)`)?$", re.S)
_FIELD_IN_PROBLEM = re.compile(
    r"^Object (?:contains unknown|missing required) field `(?P<f>[^`]+)`"
)
_SECRET_KEY_HINTS = ("private", "secret", "mnemonic", "seed_phrase")


def load_config(path: Path | str) -> Config:
    """Read, validate and resolve a config file; raises ConfigError."""
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(path, None, "file not found") from None
    except OSError as exc:
        raise ConfigError(path, None, f"cannot read: {exc.strerror}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(path, None, f"not valid TOML: {exc}") from None
    _refuse_secrets(path, raw)
    try:
        config = msgspec.convert(raw, Config)
    except msgspec.ValidationError as exc:
        key, problem = _explain(str(exc))
        raise ConfigError(path, key, problem) from None
    _check_consistency(path, config)
    var_dir = (path.parent / config.paths.var_dir).resolve()
    keys = config.security.keys_dir
    keys_dir = (path.parent / keys).resolve() if keys else var_dir / "keys"
    config = msgspec.structs.replace(
        config,
        paths=PathsConfig(var_dir=str(var_dir)),
        security=msgspec.structs.replace(config.security, keys_dir=str(keys_dir)),
    )
    if config.venue is not None and config.venue.replay is not None:
        replay_file = (path.parent / config.venue.replay.file).resolve()
        replay = msgspec.structs.replace(config.venue.replay, file=str(replay_file))
        config = msgspec.structs.replace(
            config, venue=msgspec.structs.replace(config.venue, replay=replay)
        )
    return config


def _refuse_secrets(path: Path, table: dict, prefix: str = "") -> None:
    for key, value in table.items():
        dotted = f"{prefix}{key}"
        if any(hint in key.lower() for hint in _SECRET_KEY_HINTS):
            raise ConfigError(
                path,
                dotted,
                "secrets are never read from a config file; set HL_PRIVATE_KEY in the environment",
            )
        if isinstance(value, dict):
            _refuse_secrets(path, value, dotted + ".")


def _explain(message: str) -> tuple[str | None, str]:
    """Turn msgspec's `... - at `$.a.b`` into a dotted key and a plain problem."""
    match = _MSGSPEC_ERROR.match(message)
    assert match is not None
    problem = match.group("problem")
    parts = [p for p in (match.group("path") or "").split(".") if p]
    field = _FIELD_IN_PROBLEM.match(problem)
    if field:
        parts.append(field.group("f"))
        problem = "unknown key" if "unknown" in problem else "missing required key"
    elif problem:
        problem = problem[0].lower() + problem[1:]
    return (".".join(parts) or None), problem


def _check_consistency(path: Path, config: Config) -> None:
    seen: dict[str, str] = {}
    for table in ("bus", "snapshot"):
        for program, endpoint in getattr(config, table).items():
            key = f"{table}.{program}"
            if endpoint in seen:
                raise ConfigError(
                    path, key, f"endpoint {endpoint} is already used by {seen[endpoint]}"
                )
            seen[endpoint] = key
            if not config.security.curve:
                _check_loopback(path, key, endpoint)
    coins = [market.coin for market in config.markets]
    for index, coin in enumerate(coins):
        if coin in coins[:index]:
            raise ConfigError(path, f"markets[{index}].coin", f"market {coin} is listed twice")
    if config.transport.peer_timeout_s <= config.transport.heartbeat_interval_s:
        raise ConfigError(
            path,
            "transport.peer_timeout_s",
            "must be longer than transport.heartbeat_interval_s",
        )
    if config.is_paper:
        _check_venue(path, config)
    _check_modes_within_risk(path, config)
    url = urlparse(config.exchange.url)
    if config.is_paper and (url.scheme != "http" or url.hostname not in ("127.0.0.1", "localhost")):
        raise ConfigError(
            path,
            "exchange.url",
            "paper mode trades with the local venue: use http://127.0.0.1:PORT",
        )
    if config.is_paper and url.port is None:
        raise ConfigError(path, "exchange.url", "the paper venue needs an explicit port")
    if not config.is_paper and url.scheme != "https":
        raise ConfigError(path, "exchange.url", f"{config.mode} needs an https:// exchange url")


def _endpoint_host(endpoint: str) -> str | None:
    """The host of a `tcp://HOST:PORT` endpoint (brackets of an IPv6 address removed)."""
    if not endpoint.startswith("tcp://"):
        return None  # ipc:// never leaves this machine
    return endpoint.removeprefix("tcp://").rpartition(":")[0].strip("[]")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a name, an interface or `*`: reachable from elsewhere


def _check_loopback(path: Path, key: str, endpoint: str) -> None:
    """Plain ZeroMQ has no authentication: off this machine it needs CURVE."""
    host = _endpoint_host(endpoint)
    if host is not None and not _is_loopback(host):
        raise ConfigError(path, key, f"binds {host}, off this machine; set [security] curve = true")


def default_config_path(home: Path) -> Path:
    return home / "configs" / "paper.toml"


def _check_venue(path: Path, config: Config) -> None:
    if config.venue is None:
        raise ConfigError(path, "venue", "paper mode needs a [venue] table")
    listed = [market.coin for market in config.venue.markets]
    for index, coin in enumerate(listed):
        if coin in listed[:index]:
            raise ConfigError(path, f"venue.markets[{index}].coin", f"{coin} is listed twice")
    for index, market in enumerate(config.markets):
        if market.coin not in listed:
            raise ConfigError(
                path, f"markets[{index}].coin", f"{market.coin} is not listed in [[venue.markets]]"
            )
    if config.venue.model == "replay" and config.venue.replay is None:
        raise ConfigError(path, "venue.replay", 'model = "replay" needs a [venue.replay] table')
    if config.venue.replay is not None and config.venue.replay.coin not in listed:
        raise ConfigError(
            path, "venue.replay.coin", f"{config.venue.replay.coin} is not in [[venue.markets]]"
        )


def _check_modes_within_risk(path: Path, config: Config) -> None:
    """A quoter mode may never ask for more than risk allows: risk would trim every ladder.

    For every mode (emergency_defensive too): `max_exposure_usd` within risk's; `order_levels`
    within `risk.max_levels_per_side` (else risk drops the farthest levels of every ladder); and
    the level notional at the mode's full leverage, `capital_usd x leverage x order_size_pct /
    100`, within `risk.max_order_usd`. That last bound needs no margin for where a level is
    priced: the quoter sizes each level at its own price, so a level is never worth more than the
    level notional at its price, wherever risk's collar lets it sit (an ask above fair too).
    """
    risk = config.risk
    for name in msgspec.structs.fields(config.quoter.modes):
        mode = getattr(config.quoter.modes, name.name)
        key = f"quoter.modes.{name.name}"
        if mode.max_exposure_usd > risk.max_exposure_usd:
            raise ConfigError(
                path,
                f"{key}.max_exposure_usd",
                f"{mode.max_exposure_usd:g} exceeds risk.max_exposure_usd {risk.max_exposure_usd}",
            )
        if mode.order_levels > risk.max_levels_per_side:
            raise ConfigError(
                path,
                f"{key}.order_levels",
                f"{mode.order_levels} levels per side exceed risk.max_levels_per_side "
                f"{risk.max_levels_per_side}",
            )
        level_usd = config.quoter.capital_usd * mode.leverage * mode.order_size_pct / 100
        if level_usd > risk.max_order_usd:
            raise ConfigError(
                path,
                f"{key}.order_size_pct",
                f"a level of capital_usd x leverage x order_size_pct = ${level_usd:g} exceeds "
                f"risk.max_order_usd {risk.max_order_usd}",
            )
