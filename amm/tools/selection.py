"""Which deployment and config a command is about, the same way for every `amm` command."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from amm.common.config import Config, default_config_path, load_config
from amm.common.deployment import Deployment, find_home

RUNNING_CONFIG_FILE = "running-config.json"


@dataclass(frozen=True)
class Selection:
    deployment: Deployment
    config_path: Path
    config: Config


def config_path_for(deployment: Deployment, cli_value: str | None) -> Path:
    """`--config`, then `AMM_CONFIG`, then what `amm up` started, then configs/paper.toml."""
    chosen = cli_value or os.environ.get("AMM_CONFIG")
    if chosen:
        return Path(chosen).resolve()
    running = running_config(deployment)
    return running or default_config_path(deployment.home)


def select(home: str | None, config: str | None) -> Selection:
    """Raises ConfigError when the selected config is invalid."""
    deployment = Deployment(find_home(home))
    path = config_path_for(deployment, config)
    return Selection(deployment, path, load_config(path))


def running_config(deployment: Deployment) -> Path | None:
    record = deployment.var / RUNNING_CONFIG_FILE
    try:
        return Path(json.loads(record.read_text())["config"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def remember_running_config(deployment: Deployment, path: Path, mode: str) -> None:
    record = deployment.var / RUNNING_CONFIG_FILE
    record.write_text(json.dumps({"config": str(path), "mode": mode}) + "\n")


def forget_running_config(deployment: Deployment) -> None:
    (deployment.var / RUNNING_CONFIG_FILE).unlink(missing_ok=True)
