"""The result table (Markdown) and the JSON files under bench/results/."""

from __future__ import annotations

import json
import math
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.scenarios import Row

RESULTS = Path(__file__).parent / "results"


def _num(value: float | None, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:,.{digits}f}"


def _ms(value: float | None) -> str:
    if value is None:
        return "-"
    if value < 1:
        return f"{value:.3f}"
    return _num(value, 1 if value >= 10 else 2)


def _cpu(row: Row) -> str:
    load = row.detail.get("load")
    if not load:
        return "-"
    return f"{load['server_cpu']:.2f} / {load['loadgen_cpu']:.2f} / {load.get('other_cpu', 0):.2f}"


def markdown(rows: list[Row]) -> str:
    lines = ["| Scenario | req/s | p50 ms | p99 ms | vs ceiling | Target | Met "
             "| CPU server / wrk / others | Notes |",
             "|---|---:|---:|---:|---:|---|:-:|---|---|"]
    for row in rows:
        if row.skipped:
            lines.append(f"| {row.scenario} | - | - | - | - | {row.target} | skipped | - "
                         f"| {row.skipped} |")
            continue
        ratio = f"{row.ratio:.2f}" if row.ratio is not None else "-"
        met = "" if row.met is None else ("yes" if row.met else "**no**")
        lines.append(f"| {row.scenario} | {_num(row.rps)} | {_ms(row.p50_ms)} | {_ms(row.p99_ms)} "
                     f"| {ratio} | {row.target} | {met} | {_cpu(row)} | {row.note} |")
    return "\n".join(lines)


def write(rows: list[Row], meta: dict[str, Any], out_dir: Path = RESULTS) -> Path:
    """bench/results/<UTC timestamp>.json and latest.json (the same content)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    doc = {"generated_at": stamp, "meta": meta, "results": [asdict(r) for r in rows],
           "table": markdown(rows)}
    text = json.dumps(doc, indent=2, default=str) + "\n"
    path = out_dir / f"{stamp}.json"
    path.write_text(text)
    (out_dir / "latest.json").write_text(text)
    return path
