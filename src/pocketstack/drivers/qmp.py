"""A minimal QMP client: connect to a guest's monitor socket, negotiate, run one command."""

from __future__ import annotations

import asyncio
import json
from typing import Any


class QmpError(Exception):
    """The monitor could not be reached, timed out, or answered with an error."""


async def execute(path: str, command: str, arguments: dict[str, Any] | None = None, *,
                  timeout_s: float = 5.0) -> Any:
    """Run `command` on the monitor at `path`; its "return" value. After `quit` the monitor
    may close before answering, which is success."""
    try:
        return await asyncio.wait_for(_execute(path, command, arguments), timeout_s)
    except (OSError, EOFError, TimeoutError, ValueError) as err:
        raise QmpError(f"QMP {command} on {path}: {err or type(err).__name__}") from err


async def _execute(path: str, command: str, arguments: dict[str, Any] | None) -> Any:
    reader, writer = await asyncio.open_unix_connection(path)
    try:
        await _reply(reader, None)  # the greeting
        await _send(writer, "qmp_capabilities", None)
        await _reply(reader, "qmp_capabilities")
        await _send(writer, command, arguments)
        try:
            return await _reply(reader, command)
        except EOFError:
            if command == "quit":
                return {}
            raise
    finally:
        writer.close()
        try:
            await writer.wait_closed()
        except OSError:
            pass


async def _send(writer: asyncio.StreamWriter, command: str,
                arguments: dict[str, Any] | None) -> None:
    message: dict[str, Any] = {"execute": command}
    if arguments:
        message["arguments"] = arguments
    writer.write(json.dumps(message).encode() + b"\n")
    await writer.drain()


async def _reply(reader: asyncio.StreamReader, command: str | None) -> Any:
    while True:
        line = await reader.readline()
        if not line:
            raise EOFError("monitor closed")
        message = json.loads(line)
        if command is None and "QMP" in message:
            return message
        if "return" in message:
            return message["return"]
        if "error" in message:
            raise QmpError(f"QMP {command}: {message['error'].get('desc', message['error'])}")
        # An event ("event": ...): not the answer; read on.
