"""A publisher process for the slow-subscriber test: a burst, then end markers on request.

Usage: python burst_publisher.py ENDPOINT COUNT SEND_HWM
Prints "ready" once bound, waits for a line, bursts COUNT messages, prints "burst done", waits
for a line, then sends an `end` message every 50 ms until stdin closes.
"""

import sys
import time

import zmq

from amm.common.bus import Publisher
from amm.common.config import TransportConfig


def main() -> None:
    endpoint, count, hwm = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    ctx = zmq.Context()
    publisher = Publisher(ctx, "risk", endpoint, TransportConfig(send_hwm=hwm))
    print("ready", flush=True)
    sys.stdin.readline()
    body = {"pad": "x" * 200}
    for _ in range(count):
        publisher.publish("burst", body)
    print("burst done", flush=True)
    sys.stdin.readline()
    for _ in range(100):
        publisher.publish("end", {})
        time.sleep(0.05)
    publisher.close()
    ctx.term()


if __name__ == "__main__":
    main()
