"""Fixtures of the integration tests beside those of tests/conftest.py."""

import pytest

from tests.integration.http_world import World


@pytest.fixture(scope="module")
def world(infra):
    """A database of its own per test module, with the directory of the HTTP tests, and
    the in-process pipeline that decides and notifies what its routes record."""
    made = World(infra.new_database())
    yield made
    made.close()
