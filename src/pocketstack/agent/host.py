"""What every step of the agent works with: one host's database, driver, name and data
directory, and the shape of a step."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from pocketstack.compute_states import PowerState
from pocketstack.db.engine import Database
from pocketstack.db.models import ServerRow
from pocketstack.drivers.base import Driver


@dataclass(frozen=True, slots=True)
class Host:
    """What each step needs: the database, this host's driver and name."""

    db: Database
    driver: Driver
    name: str
    data_dir: Path

    def __post_init__(self) -> None:
        # The host's local state (the fake driver's guests) lives in its data directory.
        use_data_dir = getattr(self.driver, "use_data_dir", None)
        if use_data_dir is not None:
            use_data_dir(self.data_dir)


# One idempotent step: the host, the server's row as loaded, the guest's observed power state.
StepFunction = Callable[[Host, ServerRow, PowerState | None], Awaitable[None]]
