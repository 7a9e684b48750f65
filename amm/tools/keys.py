"""`amm keys generate [--force]`: the deployment's CURVE keys, for a bus that spans hosts."""

from __future__ import annotations

import sys

from amm.common.curve import (
    AUTHORIZED,
    CLIENT,
    SERVER,
    KeysExist,
    generate_keys,
    public_file,
    secret_file,
)
from amm.tools.selection import Selection

KEYS_EXIST = 1


def keys_generate(selection: Selection, *, force: bool) -> int:
    """Write the server and client keypairs into `keys_dir`; say what went where."""
    keys_dir = selection.config.keys_dir
    try:
        generate_keys(keys_dir, force=force)
    except KeysExist as exc:
        print(
            f"amm keys: refusing to replace the keys in {keys_dir} ({exc}); with --force every "
            "host holding the old keys needs the new ones",
            file=sys.stderr,
        )
        return KEYS_EXIST
    roles = {
        public_file(keys_dir, SERVER): "the server's public key: every host needs it",
        secret_file(keys_dir, SERVER): "the server's secret key (0600): only where actors run",
        public_file(keys_dir, CLIENT): "a client's public key",
        secret_file(keys_dir, CLIENT): "the client's secret key (0600): hosts that use the bus",
        public_file(keys_dir / AUTHORIZED, CLIENT): "authorizes that client: the actors admit it",
    }
    width = max(len(str(path)) for path in roles)
    for path, role in roles.items():
        print(f"wrote {path!s:<{width}}  {role}")
    copied = " ".join(
        str(path)
        for path in (
            public_file(keys_dir, SERVER),
            public_file(keys_dir, CLIENT),
            secret_file(keys_dir, CLIENT),
        )
    )
    print(
        f"""
Set [security] curve = true in the config, then restart the deployment (amm down; amm up):
the actors read the keys at start. To use the bus from another host, copy the server's public
key and the client keypair into that host's keys_dir ([security] keys_dir) and set curve = true
in its config too:
  ssh OTHER 'mkdir -p -m 700 KEYS_DIR'
  scp -p {copied} OTHER:KEYS_DIR/
Never copy {secret_file(keys_dir, SERVER).name}. See docs/security.md."""
    )
    return 0
