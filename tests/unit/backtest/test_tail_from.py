"""amm tail --from: a recording printed through the live checks and filters."""

from __future__ import annotations

import asyncio
import io
import json

from amm.common import envelope
from amm.common.config import load_config
from amm.common.messages import Heartbeat, MarketDataStatus, Schema, topic_for
from amm.tools.record import RecordingWriter
from amm.tools.tail import tail
from tests.helpers import REPO

CONFIG = load_config(REPO / "configs" / "paper.toml")
TS = 1_800_000_000_000_000_000


def heartbeat(program: str) -> Heartbeat:
    return Heartbeat(
        program=program,
        pid=1,
        state="running",
        mode="paper",
        started_ns=5,
        published=1,
        received=0,
        malformed=0,
        gaps=0,
    )


def recording(tmp_path):
    """md seq 1, 2, then 4 (a gap), 4 again (a duplicate); risk seq 1; two malformed ones."""
    path = tmp_path / "bus.rec"
    writer = RecordingWriter(path, CONFIG, 1)
    status = MarketDataStatus(state="live", markets={"km:US500": "live"})
    sent: list[tuple[str, int, Schema]] = [
        ("marketdata", 1, heartbeat("marketdata")),
        ("marketdata", 2, status),
        ("risk", 1, heartbeat("risk")),
        ("marketdata", 4, heartbeat("marketdata")),
        ("marketdata", 4, heartbeat("marketdata")),
    ]
    for n, (src, seq, body) in enumerate(sent):
        payload = envelope.encode(src, src[0] * 16, seq, TS + n, body)
        writer.write(n, src, [topic_for(body).encode(), payload])
    writer.write(8, "quoter", [b"quote.intent", b"not msgpack"])
    writer.write(9, "risk", [b"hb.risk", envelope.encode("quoter", "q" * 16, 1, TS, {})])
    writer.close()
    return path


def run(path, prefixes, *, as_json, count=None):
    out = io.StringIO()
    code = asyncio.run(
        tail(
            CONFIG, prefixes, as_json=as_json, count=count, timeout_s=None, out=out, from_file=path
        )
    )
    return code, out.getvalue().splitlines()


def test_accepted_messages_print_in_order_and_the_rest_only_as_notices(tmp_path, capsys):
    code, lines = run(recording(tmp_path), [], as_json=True)
    assert code == 0
    printed = [json.loads(line) for line in lines]
    assert [(m["src"], m["seq"], m["topic"]) for m in printed] == [
        ("marketdata", 1, "hb.marketdata"),
        ("marketdata", 2, "md.status"),
        ("risk", 1, "hb.risk"),
        ("marketdata", 4, "hb.marketdata"),
    ]
    assert printed[1]["data"] == {"state": "live", "markets": {"km:US500": "live"}, "reason": ""}
    notices = capsys.readouterr().err
    assert "marketdata gap: 1 message(s) lost between seq 2 and 4" in notices
    assert "marketdata duplicate seq 4 dropped" in notices
    assert "not_msgpack" in notices and "wrong_src" in notices


def test_prefixes_and_count_filter_as_live(tmp_path):
    path = recording(tmp_path)
    code, lines = run(path, ["hb."], as_json=False, count=2)
    assert code == 0 and len(lines) == 2
    assert lines[0].split()[1:4] == ["hb.marketdata", "marketdata#mmmmmmmm", "seq=1"]
    assert lines[1].split()[1:4] == ["hb.risk", "risk#rrrrrrrr", "seq=1"]
    code, lines = run(path, ["md."], as_json=False, count=5)
    assert code == 1 and len(lines) == 1  # the recording ran out before the count
