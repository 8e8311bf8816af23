"""os-coverage (admin): start, stop, report and reset code coverage of this API process with
the `coverage` package, its data and reports under the data directory (`coverage/`).
Measuring a production API slows every request and writes files on demand, so it is off
unless `coverage_api` is set: otherwise each action answers 501 saying how to turn it on.
With several API processes, each action reaches the process that answers it."""

from __future__ import annotations

import importlib
import re
from pathlib import Path
from typing import Any

from pocketstack import errors
from pocketstack.services.caller import Caller
from pocketstack.services.cloud import Cloud
from pocketstack.services.policy import authorize

RULE = "compute:os-coverage"
DISABLED = ("Coverage is disabled in this deployment: set POCKETSTACK_COVERAGE_API=true "
            "(and install the coverage package) to enable os-coverage.")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,254}$")

# This process's measurement (a coverage.Coverage) and whether it is running.
_state: dict[str, Any] = {"cov": None, "running": False}


def _directory(cloud: Cloud) -> Path:
    path = cloud.settings.data_dir / "coverage"
    path.mkdir(mode=0o700, exist_ok=True)
    return path


def _coverage(cloud: Cloud, caller: Caller) -> Any:
    authorize(caller, RULE)
    if not cloud.settings.coverage_api:
        raise errors.NotImplementedYet(DISABLED)
    if _state["cov"] is None:
        try:
            module = importlib.import_module("coverage")
        except ImportError:
            raise errors.ServiceUnavailable("Python coverage module is not installed.") from None
        cov = module.Coverage(data_file=str(_directory(cloud) / ".coverage"),
                              source=["pocketstack"], config_file=False)
        # The API was imported before measuring began: that is the point, not a problem.
        cov.set_option("run:disable_warnings", ["module-not-measured", "no-data-collected"])
        _state["cov"] = cov
    return _state["cov"]


def available(cloud: Cloud, caller: Caller) -> None:
    """403 for non-admins, 501 when the deployment has os-coverage off, 503 without the
    coverage package."""
    _coverage(cloud, caller)


def start(cloud: Cloud, caller: Caller) -> None:
    cov = _coverage(cloud, caller)
    if not _state["running"]:
        cov.start()
        _state["running"] = True


def stop(cloud: Cloud, caller: Caller) -> str:
    """Stop measuring and save the data; the directory that holds it."""
    cov = _coverage(cloud, caller)
    if not _state["running"]:
        raise errors.NotFound("Coverage not running")
    cov.stop()
    cov.save()
    _state["running"] = False
    return str(_directory(cloud))


def report(cloud: Cloud, caller: Caller, file: Any, *, xml: bool) -> str:
    """Write a text (or XML) report named `file` in the coverage directory; its path."""
    cov = _coverage(cloud, caller)
    if not file:
        raise errors.BadRequest("No path given for report file")
    if not isinstance(file, str) or not _NAME.match(file) or ".." in file:
        raise errors.BadRequest("Invalid path")
    path = _directory(cloud) / file
    if _state["running"]:
        cov.stop()
        cov.save()
        cov.start()
    try:
        if xml:
            cov.xml_report(outfile=str(path))
        else:
            with open(path, "w") as out:
                cov.report(file=out)
    except Exception as exc:  # noqa: BLE001 - coverage's own "No data to report." and the like
        raise errors.BadRequest(f"Coverage report failed: {exc}") from None
    return str(path)


def reset(cloud: Cloud, caller: Caller) -> None:
    cov = _coverage(cloud, caller)
    cov.erase()
