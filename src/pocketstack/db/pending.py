"""The work a server's agent is asked to do, with its arguments: one frozen dataclass per kind,
kept in ServerRow.pending. `PendingJSON` stores each as the JSON object it has always been
(the shapes below), so rows written before these types existed read back the same."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, ClassVar

from sqlalchemy import JSON, Dialect
from sqlalchemy.types import TypeDecorator

from pocketstack.compute_states import Action, TaskState
from pocketstack.timeutil import utcnow


@dataclass(frozen=True, slots=True)
class Due:
    """A task the agent starts by itself, on an idle server, once `at` has passed."""

    task: TaskState
    # 2012-08-20T21:11:09Z (texts of this one form compare as the times they show).
    at: str

    @classmethod
    def after(cls, task: TaskState, seconds: float) -> Due:
        return cls(task, _stamp(utcnow() + timedelta(seconds=seconds)))

    def is_due(self, now: datetime) -> bool:
        return self.at <= _stamp(now)


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True, slots=True)
class Reboot:
    """{"type": kind}: "SOFT" or "HARD"."""

    action: ClassVar[Action | None] = None
    kind: str


@dataclass(frozen=True, slots=True)
class Rescue:
    """{"password", "image_id"}: the rescue guest's password and image (None: the server's)."""

    action: ClassVar[Action | None] = None
    password: str
    image_id: str | None


@dataclass(frozen=True, slots=True)
class NewPassword:
    """{"password"}: the guest's new admin password (changePassword)."""

    action: ClassVar[Action | None] = None
    password: str


@dataclass(frozen=True, slots=True)
class Rebuild:
    """{"action": "rebuild", "stopped"}: whether to leave the rebuilt server stopped."""

    action: ClassVar[Action | None] = Action.REBUILD
    stopped: bool


@dataclass(frozen=True, slots=True)
class Snapshot:
    """{"action": "createImage" | "createBackup", "image_id"} and, for a backup,
    "backup_type" and "rotation" (how many backups of that type to keep)."""

    action: Action
    image_id: str
    backup_type: str | None = None
    rotation: int | None = None


@dataclass(frozen=True, slots=True)
class Move:
    """{"action": "resize" | "migrate" | "confirmResize" | "revertResize", "source_host",
    "dest_host", "stopped"}: a cold move, and its confirmation or revert."""

    action: Action
    source_host: str | None
    dest_host: str | None
    stopped: bool


@dataclass(frozen=True, slots=True)
class LiveMigration:
    """{"action": "live-migration", "source_host", "dest_host"}"""

    action: ClassVar[Action | None] = Action.LIVE_MIGRATE
    source_host: str | None
    dest_host: str | None


@dataclass(frozen=True, slots=True)
class Evacuate:
    """{"action": "evacuate", "source_host", "dest_host", "stopped"}: a server rebuilt on
    `dest_host` because its host is down; `stopped` leaves it stopped there."""

    action: ClassVar[Action | None] = Action.EVACUATE
    source_host: str | None
    dest_host: str | None
    stopped: bool


@dataclass(frozen=True, slots=True)
class Shelve:
    """{"action": "shelve", "image_id", "shelved_image_id", "offload_after_s"}: the image the
    snapshot fills (both keys name it), and when to offload the shelved server (< 0: never)."""

    action: ClassVar[Action | None] = Action.SHELVE
    image_id: str
    offload_after_s: float


@dataclass(frozen=True, slots=True)
class Kept:
    """{"due_at", "due_task", "shelved_image_id"}, each only when set: what an idle server
    keeps between tasks (its shelved snapshot, the offload or reclaim to start when due)."""

    action: ClassVar[Action | None] = None
    shelved_image_id: str | None = None
    due: Due | None = None


@dataclass(frozen=True, slots=True)
class ShelveOffload:
    """What the shelved server kept, with {"action": "shelveOffload"}."""

    action: ClassVar[Action | None] = Action.SHELVE_OFFLOAD
    shelved_image_id: str | None = None
    due: Due | None = None


@dataclass(frozen=True, slots=True)
class Unshelve:
    """{"action": "unshelve", "shelved_image_id"}: the snapshot to delete once unshelved."""

    action: ClassVar[Action | None] = Action.UNSHELVE
    shelved_image_id: str | None


@dataclass(frozen=True, slots=True)
class Restore:
    """{"action": "restore"}"""

    action: ClassVar[Action | None] = Action.RESTORE


@dataclass(frozen=True, slots=True)
class SoftDelete:
    """{"action": "softDelete", "reclaim_after_s"}: when to reclaim the server (< 0: never)."""

    action: ClassVar[Action | None] = Action.SOFT_DELETE
    reclaim_after_s: float


Pending = (Reboot | Rescue | NewPassword | Rebuild | Snapshot | Move | LiveMigration | Evacuate
           | Shelve | Kept | ShelveOffload | Unshelve | Restore | SoftDelete)


def action_of(pending: Pending | None) -> Action | None:
    """The instance action the request recorded (None for work without one)."""
    return None if pending is None else pending.action


def shelved_image_of(pending: Pending | None) -> str | None:
    """The "<name>-shelved" snapshot of a shelved server (or one being shelved)."""
    if isinstance(pending, Shelve):
        return pending.image_id
    if isinstance(pending, Kept | ShelveOffload | Unshelve):
        return pending.shelved_image_id
    return None


def source_of(pending: Pending | None) -> str | None:
    """The host a move (or live migration) leaves."""
    return pending.source_host if isinstance(pending, Move | LiveMigration | Evacuate) else None


def destination_of(pending: Pending | None) -> str | None:
    """The host a move (or live migration) goes to."""
    return pending.dest_host if isinstance(pending, Move | LiveMigration | Evacuate) else None


def due_of(pending: Pending | None) -> Due | None:
    return pending.due if isinstance(pending, Kept | ShelveOffload) else None


def was_stopped(pending: Pending | None) -> bool:
    """Whether the server was stopped when a rebuild or move was asked (for an evacuation:
    whether it is to end stopped)."""
    return isinstance(pending, Rebuild | Move | Evacuate) and pending.stopped


# --- the stored JSON -----------------------------------------------------------------------------


def dump(pending: Pending | None) -> dict[str, Any] | None:
    """The JSON object stored for `pending`."""
    if pending is None:
        return None
    if isinstance(pending, Kept | ShelveOffload):
        return _kept(pending)
    if isinstance(pending, Reboot):
        return {"type": pending.kind}
    if isinstance(pending, Rescue):
        return {"password": pending.password, "image_id": pending.image_id}
    if isinstance(pending, NewPassword):
        return {"password": pending.password}
    return _with_action(pending)


def _kept(pending: Kept | ShelveOffload) -> dict[str, Any]:
    data: dict[str, Any] = {}
    if pending.due is not None:
        data.update(due_at=pending.due.at, due_task=pending.due.task.value)
    if pending.shelved_image_id:
        data["shelved_image_id"] = pending.shelved_image_id
    if isinstance(pending, ShelveOffload):
        data["action"] = Action.SHELVE_OFFLOAD.value
    return data


def _with_action(pending: Pending) -> dict[str, Any]:
    assert pending.action is not None
    data: dict[str, Any] = {"action": pending.action.value}
    if isinstance(pending, Rebuild):
        data["stopped"] = pending.stopped
    elif isinstance(pending, Snapshot):
        data["image_id"] = pending.image_id
        if pending.action == Action.CREATE_BACKUP:
            data.update(backup_type=pending.backup_type, rotation=pending.rotation)
    elif isinstance(pending, Move):
        data.update(source_host=pending.source_host, dest_host=pending.dest_host,
                    stopped=pending.stopped)
    elif isinstance(pending, LiveMigration):
        data.update(source_host=pending.source_host, dest_host=pending.dest_host)
    elif isinstance(pending, Evacuate):
        data.update(source_host=pending.source_host, dest_host=pending.dest_host,
                    stopped=pending.stopped)
    elif isinstance(pending, Shelve):
        data.update(image_id=pending.image_id, shelved_image_id=pending.image_id,
                    offload_after_s=pending.offload_after_s)
    elif isinstance(pending, Unshelve):
        data["shelved_image_id"] = pending.shelved_image_id
    elif isinstance(pending, SoftDelete):
        data["reclaim_after_s"] = pending.reclaim_after_s
    return data


def load(data: dict[str, Any] | None) -> Pending | None:
    """The pending work a stored JSON object describes; ValueError for one of no known shape."""
    if data is None:
        return None
    action = data.get("action")
    if action is not None:
        return _load_action(Action(action), data)
    if "type" in data:
        return Reboot(str(data["type"]))
    if "password" in data:
        if "image_id" in data:
            return Rescue(str(data["password"]), _text(data["image_id"]))
        return NewPassword(str(data["password"]))
    return Kept(_text(data.get("shelved_image_id")), _due(data))


def _load_action(action: Action, data: dict[str, Any]) -> Pending:
    match action:
        case Action.RESIZE | Action.MIGRATE | Action.CONFIRM_RESIZE | Action.REVERT_RESIZE:
            return Move(action, _text(data.get("source_host")), _text(data.get("dest_host")),
                        bool(data.get("stopped")))
        case Action.CREATE_IMAGE | Action.CREATE_BACKUP:
            rotation = data.get("rotation")
            return Snapshot(action, str(data.get("image_id", "")), _text(data.get("backup_type")),
                            None if rotation is None else int(rotation))
        case Action.REBUILD:
            return Rebuild(bool(data.get("stopped")))
        case Action.LIVE_MIGRATE:
            return LiveMigration(_text(data.get("source_host")), _text(data.get("dest_host")))
        case Action.EVACUATE:
            return Evacuate(_text(data.get("source_host")), _text(data.get("dest_host")),
                            bool(data.get("stopped")))
        case Action.SHELVE:
            return Shelve(str(data.get("image_id") or data.get("shelved_image_id") or ""),
                          data.get("offload_after_s", 0))
        case Action.SHELVE_OFFLOAD:
            return ShelveOffload(_text(data.get("shelved_image_id")), _due(data))
        case Action.UNSHELVE:
            return Unshelve(_text(data.get("shelved_image_id")))
        case Action.RESTORE:
            return Restore()
        case Action.SOFT_DELETE:
            return SoftDelete(data.get("reclaim_after_s", 0))
    raise ValueError(f"no pending work is recorded for the action {action.value!r}")


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _due(data: dict[str, Any]) -> Due | None:
    task = data.get("due_task")
    return Due(TaskState(task), str(data.get("due_at", "~"))) if task else None


class PendingJSON(TypeDecorator[Pending]):
    """ServerRow.pending: the pending work in and out of its JSON column."""

    impl = JSON
    cache_ok = True
    # As JSON does: None is stored as JSON null (what the column has always held).
    should_evaluate_none = True

    def process_bind_param(self, value: Pending | None, dialect: Dialect) -> Any:
        return dump(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> Pending | None:
        return load(value)
