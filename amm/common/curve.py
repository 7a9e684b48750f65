"""CURVE on the bus: encryption and client authentication for a deployment spread over hosts.

Off by default: every endpoint binds 127.0.0.1, which only this machine reaches. With
`[security] curve = true` every PUB and ROUTER socket is a CURVE server holding the deployment's
server key and admitting only the client public keys in `<keys_dir>/authorized/` (checked by a ZAP
authenticator thread per ZeroMQ context), and every other socket made from `bus_context(curve)`
(SUB, DEALER) is a CURVE client holding a client key. Making the client role a default of the
context means no subscriber or requester can forget it. `amm keys generate` writes the keys;
docs/security.md tells how to copy them to another host.

CURVE costs a handshake per connection and encryption in libzmq's I/O thread: nothing is added to
a publish or a receive in Python, and with CURVE off nothing is set at all.
"""

from __future__ import annotations

import os
import shutil
import stat
from dataclasses import dataclass, field
from pathlib import Path

import zmq
import zmq.asyncio
from zmq.auth import create_certificates, load_certificate, load_certificates
from zmq.auth.thread import ThreadAuthenticator

from amm.common.config import Config
from amm.common.keys import KeyUnavailable
from amm.common.logs import register_secret

SERVER = "server"
CLIENT = "client"
AUTHORIZED = "authorized"
PUBLIC_SUFFIX = ".key"
SECRET_SUFFIX = ".key_secret"


class CurveKeysUnavailable(KeyUnavailable):
    """A CURVE key file that is missing, unreadable, open to others or holds no key."""


class KeysExist(Exception):
    """`amm keys generate` without --force found keys it would replace."""


def public_file(keys_dir: Path, name: str) -> Path:
    return keys_dir / f"{name}{PUBLIC_SUFFIX}"


def secret_file(keys_dir: Path, name: str) -> Path:
    return keys_dir / f"{name}{SECRET_SUFFIX}"


@dataclass(eq=False)
class CurveKeys:
    """The deployment's keys as this host holds them; repr never shows a secret.

    Every host holds the server's public key and a client keypair; the host that runs the actors
    also holds the server's secret key and the authorized client keys (`serve=True`).
    """

    keys_dir: Path
    server_public: bytes
    client_public: bytes
    client_secret: bytes = field(repr=False)
    server_secret: bytes | None = field(default=None, repr=False)
    _gates: dict[zmq.Context, tuple[ThreadAuthenticator, int]] = field(
        default_factory=dict, repr=False
    )

    @classmethod
    def load(cls, keys_dir: Path, *, serve: bool) -> CurveKeys:
        """Raises CurveKeysUnavailable naming the file at fault and how to make it."""
        client_public, client_secret = _read_pair(secret_file(keys_dir, CLIENT))
        if not serve:
            server_public, _ = _read(public_file(keys_dir, SERVER))
            return cls(keys_dir, server_public, client_public, client_secret)
        server_public, server_secret = _read_pair(secret_file(keys_dir, SERVER))
        authorized = keys_dir / AUTHORIZED
        if not authorized.is_dir():
            raise _unavailable(authorized, "is missing")
        try:
            admitted = load_certificates(authorized)
        except (OSError, ValueError) as exc:
            raise _unavailable(authorized, f"is unreadable: {exc}") from None
        if not admitted:
            raise _unavailable(authorized, "holds no client public key (*.key)")
        return cls(keys_dir, server_public, client_public, client_secret, server_secret)

    def client_defaults(self, ctx: zmq.Context) -> None:
        """Every socket `ctx` makes from now on is a CURVE client of this deployment."""
        ctx.setsockopt(zmq.CURVE_SERVERKEY, self.server_public)
        ctx.setsockopt(zmq.CURVE_PUBLICKEY, self.client_public)
        ctx.setsockopt(zmq.CURVE_SECRETKEY, self.client_secret)

    def serve(self, socket: zmq.Socket) -> None:
        """Make `socket` (before it binds) a CURVE server admitting only authorized clients."""
        if self.server_secret is None:
            raise _unavailable(secret_file(self.keys_dir, SERVER), "not loaded on this host")
        socket.setsockopt(zmq.CURVE_PUBLICKEY, self.server_public)
        socket.setsockopt(zmq.CURVE_SECRETKEY, self.server_secret)
        socket.setsockopt(zmq.CURVE_SERVER, 1)
        ctx = socket.context
        authenticator, users = self._gates.get(ctx, (None, 0))
        if authenticator is None:
            authenticator = ThreadAuthenticator(ctx)
            authenticator.start()
            authenticator.configure_curve(domain="*", location=str(self.keys_dir / AUTHORIZED))
        self._gates[ctx] = (authenticator, users + 1)

    def release(self, socket: zmq.Socket) -> None:
        """Before `socket` closes: the last server socket of a context stops its authenticator
        (a context with a running authenticator cannot terminate)."""
        ctx = socket.context
        authenticator, users = self._gates.pop(ctx)
        if users > 1:
            self._gates[ctx] = (authenticator, users - 1)
        else:
            authenticator.stop()


def load_curve(config: Config, *, serve: bool = False) -> CurveKeys | None:
    """The deployment's CURVE keys when `[security] curve` is on, else None (plain sockets)."""
    if not config.security.curve:
        return None
    return CurveKeys.load(config.keys_dir, serve=serve)


def bus_context(curve: CurveKeys | None) -> zmq.asyncio.Context:
    """A context for the bus: its sockets are CURVE clients when `curve` is given."""
    ctx = zmq.asyncio.Context()
    if curve is not None:
        curve.client_defaults(ctx)
    return ctx


def client_context(config: Config) -> zmq.asyncio.Context:
    """The context a tool subscribes and requests with."""
    return bus_context(load_curve(config))


def generate_keys(keys_dir: Path, *, force: bool) -> list[Path]:
    """Write a new server keypair and client keypair and authorize the client; the files written.

    The folders are 0700 and the secret files 0600. Without `force`, existing keys are never
    replaced (KeysExist names them): every host holding the old keys would be locked out.
    """
    written = [
        path
        for name in (SERVER, CLIENT)
        for path in (public_file(keys_dir, name), secret_file(keys_dir, name))
    ]
    authorized = public_file(keys_dir / AUTHORIZED, CLIENT)
    existing = [path for path in [*written, authorized] if path.exists()]
    if existing and not force:
        raise KeysExist(", ".join(str(path.relative_to(keys_dir)) for path in existing))
    for folder in (keys_dir, keys_dir / AUTHORIZED):
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        folder.chmod(0o700)
    for name in (SERVER, CLIENT):
        create_certificates(keys_dir, name)  # nobody else can enter the folder meanwhile
        secret_file(keys_dir, name).chmod(0o600)
    shutil.copyfile(public_file(keys_dir, CLIENT), authorized)
    return [*written, authorized]


def _read_pair(path: Path) -> tuple[bytes, bytes]:
    public, secret = _read(path)
    if secret is None:
        raise _unavailable(path, "holds no secret-key")
    mode = stat.S_IMODE(os.stat(path).st_mode)
    if mode & 0o077:
        raise _unavailable(path, f"is readable by others (mode {mode:o}); chmod 600 it")
    register_secret(secret.decode())
    return public, secret


def _read(path: Path) -> tuple[bytes, bytes | None]:
    if not path.exists():
        raise _unavailable(path, "is missing")
    try:
        return load_certificate(path)
    except (OSError, ValueError) as exc:
        raise _unavailable(path, f"is unreadable: {exc}") from None


def _unavailable(path: Path, problem: str) -> CurveKeysUnavailable:
    return CurveKeysUnavailable(
        f"{path} {problem} ([security] curve = true): make the keys with "
        "`amm keys generate` where the actors run, copy them to other hosts (docs/security.md)"
    )
