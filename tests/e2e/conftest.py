"""The undisturbed run of the bench workload, which the crash and scale-out tests compare
their runs with (tests/e2e/fingerprint.py)."""

from __future__ import annotations

import pytest

from tests.conftest import StackProcess
from tests.e2e.bench_run import ENV, run


@pytest.fixture(scope="session")
def undisturbed(tmp_path_factory) -> dict:
    """Fingerprint of the workload on a fresh stack, one process per service (the default
    runs two validators), that nobody disturbs."""
    stack = StackProcess(tmp_path_factory.mktemp("undisturbed"),
                         {**ENV, "DIMONA_SCALE": "validator=1"}).start()
    try:
        return run(stack)
    finally:
        stack.stop()
