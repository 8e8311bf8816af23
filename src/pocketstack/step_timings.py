"""How long the agent's reconcile steps take in this process (a spawn, a reboot, a delete,
a batch of builds): plain tallies the API process that embeds the agent exports at
GET /metrics (api/operations.py), beside its request metrics."""

from __future__ import annotations

import bisect

# Seconds: a step of the fake driver takes microseconds, a real guest's boot tens of seconds.
BUCKETS = (0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0, 30.0, 60.0, 120.0)

# step name -> [count, seconds, count per bucket (+Inf last)...]
_TALLIES: dict[str, list[float]] = {}


def record(step: str, seconds: float) -> None:
    tally = _TALLIES.get(step)
    if tally is None:
        tally = _TALLIES[step] = [0.0] * (3 + len(BUCKETS))
    tally[0] += 1
    tally[1] += seconds
    tally[2 + bisect.bisect_left(BUCKETS, seconds)] += 1


def tallies() -> dict[str, list[float]]:
    """A copy of this process's tallies."""
    return {step: list(tally) for step, tally in _TALLIES.items()}
