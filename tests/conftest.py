"""Shared fixtures: every test gets its own ports and folders, so tests run in parallel."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import tomli_w
from hypothesis import settings

from tests.helpers import merge, paper_config_dict

# Property tests explore new examples on a developer's machine; in CI they replay a fixed
# derandomized set so a run is reproducible, and no example fails for a slow shared machine.
settings.register_profile("ci", derandomize=True, deadline=None)
settings.register_profile("dev", deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")


@pytest.fixture
def write_config(tmp_path: Path) -> Callable[..., Path]:
    """Write a paper config (optionally overridden) into this test's folder."""

    def write(override: dict[str, Any] | None = None, name: str = "paper.toml") -> Path:
        values = merge(paper_config_dict(tmp_path / "var"), override or {})
        path = tmp_path / name
        path.write_text(tomli_w.dumps(values))
        return path

    return write


@pytest.fixture
def processes():
    """Processes a test starts; whatever is still running at the end is killed."""
    started: list[subprocess.Popen[str]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait()
