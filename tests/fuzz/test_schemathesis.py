"""Schemathesis against a live cloud, from the OpenAPI documents the cloud serves: every
operation of every API, with valid and invalid requests made by an admin. Checks: no 5xx, no
hang (a request timeout), every status and body as documented (errors in the service's own
shape), every response's content type as documented.

`make fuzz` runs many examples per operation; `make fuzz-short` (CI) a few, with a fixed seed.
FUZZ_EXAMPLES sets the number. A summary line per API is printed at the end of the session
(see conftest.py) and recorded in docs/fuzzing.md.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.fuzz.conftest import DOCUMENTS, RESULTS, Fuzzed

# One test runs every operation of an API: far longer than the default timeout per test.
pytestmark = [pytest.mark.fuzz, pytest.mark.timeout(7200)]

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "5"))
# A request that takes longer than this is a hang.
TIMEOUT = 20.0


def no_server_error(ctx: Any, response: Any, case: schemathesis.Case) -> bool | None:
    """not_a_server_error, but for a 5xx the operation documents as its own answer (Neutron's
    501 for POST /v2.0/quotas, as Neutron answers)."""
    if response.status_code >= 500 and str(response.status_code) in \
            case.operation.definition.raw.get("responses", {}):
        return True
    return not_a_server_error(ctx, response, case)


CHECKS = [no_server_error, status_code_conformance, response_schema_conformance,
          content_type_conformance]
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, database=None,
                    derandomize=os.environ.get("FUZZ_SEED") is None,
                    suppress_health_check=list(HealthCheck))


def _run(operation: Any, mode: GenerationMode, base_url: str, headers: dict[str, str],
         tally: Any, **fixed: Any) -> list[str]:
    """Every example of one operation in one mode (with the path parameters or query given);
    the failures, each as one line."""
    failures: list[str] = []
    strategy = operation.as_strategy(generation_mode=mode, **fixed)

    @SETTINGS
    @given(case=strategy)
    def examples(case: schemathesis.Case) -> None:
        tally.cases += 1
        try:
            response = case.call(base_url=base_url, headers=headers, timeout=TIMEOUT)
            tally.statuses[f"{response.status_code // 100}xx"] += 1
            case.validate_response(response, checks=CHECKS)
        except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - each is reported
            first = str(exc).strip().splitlines()
            failures.append(f"{operation.label} [{mode.value}]: "
                            f"{' | '.join(first[:8])[:700]}")

    try:
        examples()
    except Unsatisfiable:
        pass   # nothing of this operation can be made invalid (no parameters, no body)
    return failures


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
                         ids=["positive", "negative"])
@pytest.mark.parametrize("name", list(DOCUMENTS))
def test_fuzz(name: str, mode: GenerationMode, fuzzed: Fuzzed) -> None:
    schema = fuzzed.schema(name)
    tally = RESULTS[name]
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        tally.operations.add(operation.label)
        found = _run(operation, mode, fuzzed.base_url(name), fuzzed.headers(name), tally)
        # Reads (without a query) and server actions once more on real resources: writes by
        # real ids could delete the admin or the token's project, and end the run.
        reads = operation.method.upper() == "GET"
        if mode is GenerationMode.POSITIVE and (reads or operation.path.endswith("/action")):
            real = fuzzed.real_ids(name, operation.path) if "{" in operation.path else {}
            fixed: dict[str, Any] = {"query": {}} if reads else {}
            if real:
                fixed["path_parameters"] = real
            if real is not None and fixed:
                found += _run(operation, mode, fuzzed.base_url(name), fuzzed.headers(name),
                              tally, **fixed)
        if found:
            tally.failed.add(operation.label)
            failures.extend(found)
    assert not failures, f"{len(failures)} failing examples:\n" + "\n".join(failures[:40])
