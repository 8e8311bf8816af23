"""The volume worker of an agent: carries out the long volume work the API recorded
(services.volume_work), a few copies at a time, when woken for it (db/wakes.VOLUME_WORKER) and
once when the agent starts (work a previous process left unfinished, and volumes it left
`attaching` or `detaching`). It never reads the volumes on a resync: with no wake-up, it
costs the agent's loop nothing."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from pathlib import Path

from pocketstack.db.engine import Database
from pocketstack.services import volume_work

log = logging.getLogger("pocketstack.agent.volumes")
# Copies done at once (each in a thread of its own).
CONCURRENT = 4


class VolumeWorker:
    def __init__(self, db: Database, host: str, data_dir: Path, *, pause_s: float = 0.0,
                 started: datetime) -> None:
        self.db, self.host, self.data_dir, self.pause_s = db, host, data_dir, pause_s
        self.started = started
        self._settled = False

    async def run_pending(self) -> bool:
        """Do every piece of work waiting; whether all of it went through (else the caller
        tries again later)."""
        ok = True
        if not self._settled:
            changed = await volume_work.settle_attachments(self.db, self.started)
            if changed:
                log.info("%d volumes left attaching or detaching were settled", changed)
            self._settled = True
        turns = asyncio.Semaphore(CONCURRENT)

        async def one(work_id: str) -> bool:
            async with turns:
                try:
                    await volume_work.perform(self.db, self.data_dir, work_id, self.host,
                                              pause_s=self.pause_s)
                except Exception:  # noqa: BLE001 - the next pass retries it
                    log.exception("volume work %s failed; retrying later", work_id)
                    return False
                return True

        pending = await volume_work.pending(self.db, self.host)
        return all(await asyncio.gather(*(one(work_id) for work_id in pending))) and ok
