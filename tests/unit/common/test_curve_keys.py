"""The deployment's CURVE key files: private modes, no silent replacement, clear errors."""

from __future__ import annotations

import io
import os
import stat

import pytest

from amm.common.curve import (
    CurveKeys,
    CurveKeysUnavailable,
    KeysExist,
    generate_keys,
)
from amm.common.keys import KeyUnavailable
from amm.common.logs import REDACTED, EventLog


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_generated_keys_are_private_and_the_client_is_authorized(tmp_path):
    keys_dir = tmp_path / "keys"
    written = generate_keys(keys_dir, force=False)
    assert sorted(p.relative_to(keys_dir).as_posix() for p in written) == [
        "authorized/client.key",
        "client.key",
        "client.key_secret",
        "server.key",
        "server.key_secret",
    ]
    assert mode(keys_dir) == mode(keys_dir / "authorized") == 0o700
    assert mode(keys_dir / "server.key_secret") == mode(keys_dir / "client.key_secret") == 0o600
    keys = CurveKeys.load(keys_dir, serve=True)
    assert (keys_dir / "authorized" / "client.key").read_text() == (
        keys_dir / "client.key"
    ).read_text()
    assert keys.client_secret.decode() not in repr(keys)
    assert keys.server_secret is not None and keys.server_secret.decode() not in repr(keys)


def test_existing_keys_are_replaced_only_with_force(tmp_path):
    keys_dir = tmp_path / "keys"
    generate_keys(keys_dir, force=False)
    before = CurveKeys.load(keys_dir, serve=True)
    with pytest.raises(KeysExist, match=r"server\.key, server\.key_secret"):
        generate_keys(keys_dir, force=False)
    assert CurveKeys.load(keys_dir, serve=True).server_public == before.server_public
    generate_keys(keys_dir, force=True)
    after = CurveKeys.load(keys_dir, serve=True)
    assert after.server_public != before.server_public
    assert mode(keys_dir / "server.key_secret") == 0o600


def test_a_tool_host_needs_only_the_server_public_key_and_a_client_pair(tmp_path):
    keys_dir = tmp_path / "keys"
    generate_keys(keys_dir, force=False)
    (keys_dir / "server.key_secret").unlink()
    for entry in (keys_dir / "authorized").iterdir():
        entry.unlink()
    keys = CurveKeys.load(keys_dir, serve=False)
    assert keys.server_secret is None
    with pytest.raises(CurveKeysUnavailable, match=r"server\.key_secret is missing"):
        CurveKeys.load(keys_dir, serve=True)


@pytest.mark.parametrize(
    "damage, message",
    [
        (lambda d: (d / "client.key_secret").unlink(), "client.key_secret is missing"),
        (lambda d: (d / "server.key").unlink(), "server.key is missing"),
        (lambda d: (d / "client.key_secret").chmod(0o644), "readable by others (mode 644)"),
        (lambda d: (d / "client.key_secret").write_text("junk\n"), "client.key_secret is unread"),
        (lambda d: (d / "authorized" / "client.key").unlink(), "holds no client public key"),
    ],
)
def test_a_missing_or_unusable_key_file_is_named_with_the_way_out(tmp_path, damage, message):
    keys_dir = tmp_path / "keys"
    generate_keys(keys_dir, force=False)
    damage(keys_dir)
    serve = "server.key" not in message
    with pytest.raises(KeyUnavailable) as caught:
        CurveKeys.load(keys_dir, serve=serve)
    assert message in str(caught.value)
    assert "amm keys generate" in str(caught.value)


def test_loaded_curve_secrets_never_reach_a_log_line(tmp_path):
    generate_keys(tmp_path / "keys", force=False)
    keys = CurveKeys.load(tmp_path / "keys", serve=True)
    stream = io.StringIO()
    EventLog("x", stream=stream).info("leak", text=keys.client_secret.decode())
    assert keys.client_secret.decode() not in stream.getvalue()
    assert REDACTED in stream.getvalue()
