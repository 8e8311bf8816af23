"""In-process A/B of the operations hooks (request metrics and the request log line): the same
`GET /compute/v2.1/flavors/detail` served by two apps on one data directory, one with both
on (the defaults) and one with both off, in alternating rounds of the same run.

    PYTHONPATH=src:. python -m bench.ops_ab [--rounds 15] [--per-round 2000] 2> requests.log

The request log goes to stderr, as a server's does: send it to a file."""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from tests.live import ADMIN_PASSWORD, login, start_cloud

PATH = "/compute/v2.1/flavors/detail"


async def _ab(data_dir: Path, token: str, rounds: int, per_round: int) -> dict[str, float]:
    from pocketstack.app import create_app
    from pocketstack.settings import LogSettings, MetricsSettings, Settings

    apps = {
        "on": create_app(Settings(data_dir=data_dir), embedded_agent=False),
        "off": create_app(Settings(data_dir=data_dir, log=LogSettings(requests=False),
                                   metrics=MetricsSettings(enabled=False)), embedded_agent=False),
    }
    for app in apps.values():
        await app.startup()
    headers = [(b"host", b"127.0.0.1"), (b"accept", b"application/json"),
               (b"x-auth-token", token.encode())]
    scope = {"type": "http", "method": "GET", "path": PATH, "raw_path": PATH.encode(),
             "query_string": b"", "headers": headers, "scheme": "http", "http_version": "1.1",
             "server": ("127.0.0.1", 80), "client": ("127.0.0.1", 1), "root_path": ""}
    statuses: list[int] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    times: dict[str, list[float]] = {"on": [], "off": []}
    try:
        for _ in range(rounds):
            for kind in ("off", "on"):
                app = apps[kind]
                started = time.perf_counter()
                for _ in range(per_round):
                    await app(scope, receive, send)
                times[kind].append((time.perf_counter() - started) / per_round)
    finally:
        for app in apps.values():
            await app.shutdown()
    if any(code != 200 for code in statuses):
        raise RuntimeError(f"in-process requests failed: {sorted(set(statuses))}")
    return {kind: 1 / statistics.median(values) for kind, values in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--per-round", type=int, default=2000)
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="pocketstack-ops-ab-")) / "data"
    cloud = start_cloud(data_dir)
    try:
        token = login(cloud, "admin", ADMIN_PASSWORD, "admin").token
    finally:
        cloud.stop()
    result = asyncio.run(_ab(data_dir, token, args.rounds, args.per_round))
    print(f"GET {PATH} in-process, median of {args.rounds} rounds x {args.per_round}:")
    print(f"  without metrics and request log: {result['off']:,.0f} req/s")
    print(f"  with both (the defaults):        {result['on']:,.0f} req/s "
          f"({result['on'] / result['off'] - 1:+.1%})")


if __name__ == "__main__":
    main()
