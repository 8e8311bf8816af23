"""ServerRow.pending: each kind of pending work is stored as the JSON object the column has
always held, and reads back as the same value."""

from __future__ import annotations

from typing import Any

import pytest

from pocketstack.compute_states import Action, TaskState
from pocketstack.db import pending as p

DUE = p.Due(TaskState.SHELVING_OFFLOADING, "2026-12-02T10:00:00Z")

STORED: list[tuple[p.Pending, dict[str, Any]]] = [
    (p.Reboot("HARD"), {"type": "HARD"}),
    (p.Rescue("pw", None), {"password": "pw", "image_id": None}),
    (p.Rescue("pw", "img"), {"password": "pw", "image_id": "img"}),
    (p.NewPassword("pw"), {"password": "pw"}),
    (p.Rebuild(True), {"action": "rebuild", "stopped": True}),
    (p.Snapshot(Action.CREATE_IMAGE, "img"), {"action": "createImage", "image_id": "img"}),
    (p.Snapshot(Action.CREATE_BACKUP, "img", "daily", 2),
     {"action": "createBackup", "image_id": "img", "backup_type": "daily", "rotation": 2}),
    (p.Move(Action.RESIZE, "h1", "h2", False),
     {"action": "resize", "source_host": "h1", "dest_host": "h2", "stopped": False}),
    (p.Move(Action.REVERT_RESIZE, "h1", None, True),
     {"action": "revertResize", "source_host": "h1", "dest_host": None, "stopped": True}),
    (p.LiveMigration("h1", "h2"),
     {"action": "live-migration", "source_host": "h1", "dest_host": "h2"}),
    (p.Evacuate("h1", "h2", True),
     {"action": "evacuate", "source_host": "h1", "dest_host": "h2", "stopped": True}),
    (p.Shelve("img", 0.0),
     {"action": "shelve", "image_id": "img", "shelved_image_id": "img", "offload_after_s": 0.0}),
    (p.Kept(), {}),
    (p.Kept("img", DUE), {"shelved_image_id": "img", "due_at": DUE.at, "due_task": DUE.task.value}),
    (p.ShelveOffload("img"), {"action": "shelveOffload", "shelved_image_id": "img"}),
    (p.Unshelve("img"), {"action": "unshelve", "shelved_image_id": "img"}),
    (p.Restore(), {"action": "restore"}),
    (p.SoftDelete(-1.0), {"action": "softDelete", "reclaim_after_s": -1.0}),
]


@pytest.mark.parametrize(("work", "stored"), STORED, ids=[repr(w) for w, _ in STORED])
def test_each_kind_is_stored_as_its_json_and_reads_back(work: p.Pending,
                                                        stored: dict[str, Any]) -> None:
    assert p.dump(work) == stored
    assert p.load(stored) == work


def test_nothing_pending_is_null() -> None:
    assert p.dump(None) is None and p.load(None) is None


def test_an_action_that_records_no_pending_work_is_refused() -> None:
    with pytest.raises(ValueError, match="pause"):
        p.load({"action": "pause"})


def test_the_accessors_read_each_kind() -> None:
    move = p.Move(Action.MIGRATE, "h1", "h2", True)
    assert (p.source_of(move), p.destination_of(move), p.was_stopped(move)) == ("h1", "h2", True)
    assert p.action_of(move) is Action.MIGRATE and p.action_of(p.Reboot("SOFT")) is None
    assert p.shelved_image_of(p.Shelve("img", 1.0)) == "img"
    evacuation = p.Evacuate("h1", "h2", True)
    assert (p.source_of(evacuation), p.destination_of(evacuation), p.was_stopped(evacuation),
            p.action_of(evacuation)) == ("h1", "h2", True, Action.EVACUATE)
    assert p.due_of(p.Kept(None, DUE)) == DUE and p.due_of(p.Restore()) is None
