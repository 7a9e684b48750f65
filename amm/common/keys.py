"""The signing key: from the environment in live modes, a throwaway per-deployment key in paper.

The key is never printed, published, logged or written anywhere except the paper key file
(mode 0600 under var/), which only ever signs for the local venue.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from amm.common.config import Config
from amm.common.logs import register_secret

KEY_ENV = "HL_PRIVATE_KEY"
ACCOUNT_ENV = "HL_ACCOUNT_ADDRESS"
PAPER_KEY_FILE = "paper-key"

_KEY_FORMAT = re.compile(r"^(0x)?[0-9a-fA-F]{64}$")
_ADDRESS_FORMAT = re.compile(r"^0x[0-9a-fA-F]{40}$")


class KeyUnavailable(Exception):
    """A missing or unusable key; the message never contains the key itself."""


@dataclass(frozen=True)
class AccountKey:
    """A signing key and the account it trades for; repr and str never show the key."""

    address: str  # the account traded (the master account when the key is an API wallet)
    signer: str  # the address of the key itself
    source: str  # where the key came from, e.g. "HL_PRIVATE_KEY" or "var/paper-key"
    _secret: str = field(repr=False)

    def __str__(self) -> str:
        return f"AccountKey(address={self.address}, source={self.source})"

    @property
    def secret_hex(self) -> str:
        """The key, for the signer only. Never log or publish it."""
        return self._secret


def load_account_key(config: Config) -> AccountKey:
    """The key every actor and every restart of this deployment signs with.

    Paper mode always uses the deployment's throwaway paper key, even when HL_PRIVATE_KEY is
    exported: a real key never signs anything in paper mode.
    """
    if config.is_paper:
        return ensure_paper_key(config.var_dir)
    from_env = os.environ.get(KEY_ENV, "").strip()
    if from_env:
        return _from_secret(from_env, KEY_ENV)
    raise KeyUnavailable(
        f"{config.mode} mode needs a private key in the environment variable {KEY_ENV} "
        "(see configs/.env.example); it is never read from a file"
    )


def ensure_paper_key(var_dir: Path) -> AccountKey:
    """Create the deployment's paper key once, atomically, so concurrent actors agree on it."""
    path = var_dir / PAPER_KEY_FILE
    if not path.exists():
        var_dir.mkdir(parents=True, exist_ok=True)
        staging = var_dir / f".{PAPER_KEY_FILE}.{os.getpid()}.{secrets.token_hex(4)}"
        fd = os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w") as handle:
                handle.write("0x" + secrets.token_hex(32) + "\n")
            with contextlib.suppress(FileExistsError):
                os.link(staging, path)
        finally:
            staging.unlink(missing_ok=True)
    return read_paper_key(path)


def read_paper_key(path: Path) -> AccountKey:
    mode = path.stat().st_mode & 0o777
    if mode & 0o077:
        raise KeyUnavailable(f"{path} is readable by others (mode {mode:o}); chmod 600 it")
    return _from_secret(path.read_text(encoding="utf-8").strip(), str(path), paper=True)


def paper_address(var_dir: Path) -> str | None:
    """The paper account's address if this deployment has made its key, without making it."""
    path = var_dir / PAPER_KEY_FILE
    return read_paper_key(path).address if path.exists() else None


def _from_secret(secret: str, source: str, *, paper: bool = False) -> AccountKey:
    if not _KEY_FORMAT.match(secret):
        raise KeyUnavailable(f"{source} does not hold a 32-byte hex private key")
    from eth_account import Account

    register_secret(secret)
    signer = Account.from_key(secret).address
    account = signer if paper else (os.environ.get(ACCOUNT_ENV, "").strip() or signer)
    if not _ADDRESS_FORMAT.match(account):
        raise KeyUnavailable(f"{ACCOUNT_ENV} is not a 0x-prefixed 20-byte hex address")
    return AccountKey(address=account, signer=signer, source=source, _secret=secret)
