"""The undisturbed run of the bench workload, which the crash and scale-out tests compare
their runs with (tests/e2e/fingerprint.py)."""

from __future__ import annotations

import pytest

from tests.conftest import StackProcess
from tests.e2e.bench_run import (
    DECLARATIONS,
    ENV,
    assert_nothing_doubled,
    load_directory,
    submit_workload,
    wait_and_fingerprint,
    workload,
)


@pytest.fixture(scope="session")
def undisturbed(tmp_path_factory) -> dict:
    """Fingerprint of the workload on a fresh stack, one process per service, that nobody
    disturbs."""
    stack = StackProcess(tmp_path_factory.mktemp("undisturbed"), ENV).start()
    try:
        load_directory(stack)
        found = wait_and_fingerprint(stack, submit_workload(stack, workload(DECLARATIONS)))
    finally:
        stack.stop()
    assert_nothing_doubled(found)
    return found
