"""Starting the agent inside the API process (`pocketstack serve`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pocketstack.app import State


async def start_embedded_agent(state: State) -> Callable[[], Any]:
    """Start the agent loop as a task of this process; return a function that stops it."""
    return lambda: None
