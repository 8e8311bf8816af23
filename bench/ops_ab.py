"""A/B of the operations hooks (request metrics and the request log line) on the cheapest
read, `GET /compute/v2.1/flavors/detail` from the read cache, called in-process through the
whole ASGI app: each variant runs in its own process (the log thread's work must not land in
the other variant's time), in a random order per round, and is timed in CPU seconds of its
process (the log thread included), which the machine's other load disturbs less than wall time.

    PYTHONPATH=src:. python -m bench.ops_ab [--rounds 10] [--main-src /path/to/other/src]

`--main-src` adds a third variant: another checkout's code, on a data directory it made."""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

PATH = "/compute/v2.1/flavors/detail"
OFF = {"POCKETSTACK_LOG__REQUESTS": "false", "POCKETSTACK_METRICS__ENABLED": "false"}


async def _measure(data_dir: Path, rounds: int, per_round: int) -> float:
    """Requests per CPU second of this process, median over the rounds."""
    from pocketstack.app import create_app
    from pocketstack.settings import Settings

    app = create_app(Settings(data_dir=data_dir), embedded_agent=False)
    await app.startup()
    assert app.state is not None
    token, _ = app.state.cloud.tokens.issue(user_id="bench", user_domain_id="default",
                                            methods=("password",), project_id="bench",
                                            domain_id=None, roles=("admin",))
    headers = [(b"host", b"127.0.0.1"), (b"accept", b"application/json"),
               (b"x-auth-token", token.encode())]
    scope = {"type": "http", "method": "GET", "path": PATH, "raw_path": PATH.encode(),
             "query_string": b"", "headers": headers, "scheme": "http", "http_version": "1.1",
             "server": ("127.0.0.1", 80), "client": ("127.0.0.1", 1), "root_path": ""}
    statuses: set[int] = set()

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            statuses.add(message["status"])

    times = []
    try:
        for _ in range(rounds + 1):
            started = time.process_time()
            for _ in range(per_round):
                await app(scope, receive, send)
            await asyncio.sleep(0.3)  # the log thread writes this round's lines
            times.append((time.process_time() - started) / per_round)
    finally:
        await app.shutdown()
    if statuses != {200}:
        raise RuntimeError(f"in-process requests failed: {sorted(statuses)}")
    return 1 / statistics.median(times[1:])


def _data_dir(src: str) -> Path:
    """A data directory bootstrapped by the code under `src`."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from tests.live import start_cloud

    data_dir = Path(tempfile.mkdtemp(prefix="pocketstack-ops-ab-")) / "data"
    start_cloud(data_dir, extra_env={"PYTHONPATH": src}).stop()
    return data_dir


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--per-round", type=int, default=2000)
    parser.add_argument("--main-src", default="")
    parser.add_argument("--child", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(asyncio.run(_measure(Path(args.child), 3, args.per_round)))
        return
    here = str(Path(__file__).resolve().parent.parent / "src")
    ours = _data_dir(here)
    variants: dict[str, tuple[str, Path, dict[str, str]]] = {
        "hooks on (defaults)": (here, ours, {}), "hooks off": (here, ours, OFF)}
    if args.main_src:
        variants["other checkout"] = (args.main_src, _data_dir(args.main_src), {})
    results: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(args.rounds):
        for name, (src, data_dir, extra) in random.sample(list(variants.items()), len(variants)):
            env = {**os.environ, **extra, "PYTHONPATH": f"{src}:{Path(here).parent}"}
            done = subprocess.run(
                [sys.executable, "-m", "bench.ops_ab", "--child", str(data_dir),
                 "--per-round", str(args.per_round)], env=env, capture_output=True, text=True,
                check=True, cwd=Path(here).parent)
            results[name].append(float(done.stdout.strip().splitlines()[-1]))
    print(f"GET {PATH}, in-process, requests per CPU second (median of {args.rounds} processes):")
    for name, values in results.items():
        print(f"  {name:22} {statistics.median(values):>9,.0f}   {[round(v) for v in values]}")


if __name__ == "__main__":
    main()
