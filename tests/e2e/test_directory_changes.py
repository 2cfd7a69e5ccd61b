"""A change of the directory is in force for the next declaration (issue 26, item 5): the
consumers ask the directory's version (one row) before each batch and read it again when
it moved, so a declaration received right after `dimona directory load` returns is decided
with the new directory, with no wait."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.conftest import wait_until

pytestmark = pytest.mark.e2e
SECRETARIAT = {"Authorization": "Bearer secretariat-secret-token"}


def test_a_declaration_for_an_employer_loaded_a_moment_before_is_accepted(stack, tmp_path):
    employer_id = 188888875  # a valid NSSO number the example directory does not know
    document = {"employers": [{"employerId": employer_id, "enterpriseNumber": "0811111129",
                               "name": "Nieuwe Werkgever", "language": "nl"}],
                "mandates": [{"declarant": "0477472701", "employerId": employer_id,
                              "from": "2020-01-01"}]}
    path = tmp_path / "directory.json"
    path.write_text(json.dumps(document))
    body = {"employer": {"employerId": employer_id}, "worker": {"ssin": "85073003328"},
            "dimonaIn": {"startDate": "2030-02-04", "features": {
                "jointCommissionNumber": "XXX", "workerType": "OTH"}}}
    stack.cli("directory", "load", str(path))
    answer = httpx.post(f"{stack.api}/declarations", json=body, headers=SECRETARIAT)
    assert answer.status_code == 201, answer.text
    location = answer.headers["Location"]

    def status() -> dict | None:
        found = httpx.get(f"{stack.api}{location}", headers=SECRETARIAT)
        return found.json()["declarationStatus"] if found.status_code == 200 else None
    decided = wait_until(status, 60, "the declaration's result")
    assert (decided["result"], [a["code"] for a in decided["anomalies"]]) == ("A", [])
