"""Neutron's revision numbers: `If-Match: revision_number=N` makes an update or a delete
conditional on the resource's current revision (412 otherwise)."""

from __future__ import annotations

from typing import Any

from pocketstack import errors


def check_revision(row: Any, expected: int | None) -> None:
    """Nothing unless `expected` is given and is not the row's revision_number (then 412)."""
    if expected is not None and row.revision_number != expected:
        raise errors.ApiError(f"Constrained to {expected}, but current revision is "
                              f"{row.revision_number}", code=412,
                              kind="RevisionNumberConstraintFailed")
