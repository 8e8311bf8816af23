"""The ceiling: a bare ASGI app that returns one fixed JSON body (the size of the flavor
list), served exactly as pocketstack is: the same uvicorn options (loop, http parser,
lifespan, no access log), the same process model and worker count, one socket per process
on the same port.

`python -m bench.ceiling --port P --workers N --size BYTES` (the extra processes run
`python -m bench.ceiling --fd F --size BYTES`).
"""

from __future__ import annotations

import argparse
import socket
import sys
from typing import Any

import orjson
import uvicorn

from pocketstack.serving import UVICORN_OPTIONS, WorkerPool, listen_sockets


def fixed_body(size: int) -> bytes:
    """A flavor-list-shaped JSON document of exactly `size` bytes (at least a few dozen)."""
    base = {"flavors": [{"id": "1", "name": "m1.tiny", "ram": 512, "vcpus": 1, "disk": 1,
                         "links": [], "pad": ""}]}
    empty = len(orjson.dumps(base))
    base["flavors"][0]["pad"] = "x" * max(0, size - empty)
    return orjson.dumps(base)


def make_app(size: int) -> Any:
    body = fixed_body(size)
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return app


def _serve(sock: socket.socket, size: int) -> None:
    config = uvicorn.Config(make_app(size), log_level="warning", **UVICORN_OPTIONS)
    uvicorn.Server(config).run(sockets=[sock])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.ceiling")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--size", type=int, default=2900)
    parser.add_argument("--fd", type=int, default=None)
    args = parser.parse_args(argv)
    if args.fd is not None:
        _serve(socket.socket(fileno=args.fd), args.size)
        return
    sock, *others = listen_sockets("127.0.0.1", args.port, args.workers)
    pool = WorkerPool([sys.executable, "-m", "bench.ceiling", "--fd", "{fd}", "--size", str(args.size)],
                      {}, [o.fileno() for o in others])
    pool.start()
    try:
        _serve(sock, args.size)
    finally:
        pool.stop()


if __name__ == "__main__":
    main()
