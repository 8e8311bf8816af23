"""Regenerate the initial migration from the models (the schema has not been released yet)."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from pocketstack.db import migrate

VERSIONS = Path(migrate.__file__).parent / "migrations" / "versions"


def main() -> None:
    target = VERSIONS / "0001_initial_schema.py"
    if target.exists():
        target.unlink()
    with tempfile.TemporaryDirectory() as tmp:
        migrate.revision(f"sqlite+aiosqlite:///{tmp}/empty.db", "initial schema")
    (generated,) = [p for p in VERSIONS.glob("*_initial_schema.py") if p.name != target.name]
    text = generated.read_text()
    old = re.search(r"revision = '([0-9a-f]+)'", text)
    assert old is not None
    text = text.replace(old.group(1), "0001")
    text = re.sub(r"Create Date: .*\n", "", text)
    target.write_text(text)
    generated.unlink()
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
