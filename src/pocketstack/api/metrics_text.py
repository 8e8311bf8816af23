"""Prometheus' text exposition format (version 0.0.4), written without a client library, and
the per-process files that let any API process answer for all of them.

Each process keeps its counts since it started as plain tallies; with several processes it
writes them every second to `<dir>/metrics_<pid>.json` (a whole-file replace, so a reader
never sees half a file), and a scrape sums every file in the directory. The directory is
emptied when the command starts, so counters begin at zero with each start.
"""

from __future__ import annotations

import contextlib
import math
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

import orjson

TEXT = "text/plain; version=0.0.4; charset=utf-8"

# A family's samples: label values -> value (counter, gauge) or [count, sum, per-bucket counts
# (not cumulative, +Inf last)] (histogram).
Labels = tuple[str, ...]


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _number(value: float) -> str:
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if value == int(value) and abs(value) < 2**53:
        return f"{int(value)}.0"
    return repr(float(value))


def _labels(names: Sequence[str], values: Sequence[str], extra: str = "") -> str:
    parts = [f'{name}="{_escape(value)}"' for name, value in zip(names, values, strict=True)]
    if extra:
        parts.append(extra)
    return "{" + ",".join(parts) + "}" if parts else ""


def header(name: str, kind: str, help_text: str) -> str:
    return f"# HELP {name} {help_text}\n# TYPE {name} {kind}\n"


def simple(name: str, kind: str, help_text: str, names: Sequence[str],
           samples: Iterable[tuple[Labels, float]]) -> str:
    """A counter (`name` ends in _total) or a gauge family."""
    lines = [f"{name}{_labels(names, values)} {_number(value)}\n" for values, value in samples]
    return header(name, kind, help_text) + "".join(lines)


def histogram(name: str, help_text: str, names: Sequence[str], buckets: Sequence[float],
              samples: Iterable[tuple[Labels, Sequence[float]]]) -> str:
    """`samples`: label values -> [count, sum, count per bucket (+Inf last)]."""
    lines = []
    for values, tally in samples:
        cumulative = 0.0
        for bound, count in zip((*buckets, math.inf), tally[2:], strict=True):
            cumulative += count
            le = 'le="' + _number(bound) + '"'
            lines.append(f"{name}_bucket{_labels(names, values, le)} {_number(cumulative)}\n")
        lines.append(f"{name}_sum{_labels(names, values)} {_number(tally[1])}\n")
        lines.append(f"{name}_count{_labels(names, values)} {_number(tally[0])}\n")
    return header(name, "histogram", help_text) + "".join(lines)


# -- several processes ---------------------------------------------------------------------------

Tallies = dict[str, dict[Labels, list[float]]]


def write_process_file(directory: Path, tallies: Tallies) -> None:
    """This process's tallies, replacing its previous file at once (mode 0600)."""
    data = {family: [[*labels, *tally] for labels, tally in samples.items()]
            for family, samples in tallies.items()}
    path = directory / f"metrics_{os.getpid()}.json"
    partial = path.with_suffix(".part")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(orjson.dumps(data))
    os.replace(partial, path)


def read_all(directory: Path, arity: dict[str, int]) -> Tallies:
    """Every process's tallies summed; `arity` gives each family's number of labels. A file
    being replaced, or one that does not parse, is skipped for this scrape."""
    total: Tallies = {}
    for path in sorted(directory.glob("metrics_*.json")):
        with contextlib.suppress(OSError, orjson.JSONDecodeError, TypeError, ValueError):
            data = orjson.loads(path.read_bytes())
            for family, rows in data.items():
                n = arity.get(family)
                if n is None:
                    continue
                samples = total.setdefault(family, {})
                for row in rows:
                    labels = tuple(str(v) for v in row[:n])
                    values = [float(v) for v in row[n:]]
                    into = samples.get(labels)
                    if into is None:
                        samples[labels] = values
                    else:
                        for i, value in enumerate(values):
                            into[i] += value
    return total
