"""Bad input never hurts (issue 4 point 5): whatever arrives on the REST channel or the
batch channel gets a clear answer, and the next good declaration is served as usual.
Property-based: hypothesis sends random bytes, random JSON and broken declarations."""

from __future__ import annotations

import json
import random

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.e2e.test_intake_channels import KROON, SECRETARIAT, RestClient, new_ssin, other_in

pytestmark = pytest.mark.e2e
FUZZ = settings(max_examples=120, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])
# A worker of its own: a mutation that is still a valid declaration is accepted, and its
# period must not overlap another test's on the shared stack (85073003328 is the examples').
GOOD = other_in(new_ssin())

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner,
                                                                max_size=4), max_leaves=12)


@st.composite
def broken_declarations(draw) -> dict:
    """A real declaration with one field dropped, retyped or added."""
    body = json.loads(json.dumps(GOOD))
    section = draw(st.sampled_from([body, body["worker"], body["employer"], body["dimonaIn"],
                                    body["dimonaIn"]["features"]]))
    key = draw(st.sampled_from(sorted(section)) | st.text(min_size=1, max_size=10))
    if draw(st.booleans()) and key in section:
        del section[key]
    else:
        section[key] = draw(json_values)
    return body


bodies = (st.binary(max_size=300)
          | json_values.map(lambda v: json.dumps(v).encode())
          | broken_declarations().map(lambda v: json.dumps(v).encode()))


def assert_clear_answer(answer: httpx.Response, allowed: set[int]) -> dict:
    assert answer.status_code in allowed, answer.text
    body = answer.json()  # always JSON, never a traceback
    if answer.status_code >= 400:
        assert answer.headers["content-type"] == "application/problem+json"
        assert body["status"] == answer.status_code and body["detail"]
    return body


@FUZZ
@given(body=bodies)
def test_any_body_on_the_rest_channel_gets_a_clear_answer(stack, body):
    answer = httpx.post(f"{stack.api}/declarations", content=body, headers={
        **KROON, "Content-Type": "application/json"})
    problem = assert_clear_answer(answer, {201, 400, 403})
    if answer.status_code == 400:
        assert problem["issues"] and all(i["name"] and i["detail"] for i in problem["issues"])


@FUZZ
@given(lines=st.lists(bodies, min_size=0, max_size=8))
def test_any_file_on_the_batch_channel_gets_a_clear_answer(stack, lines):
    answer = httpx.post(f"{stack.api}/batches", content=b"\n".join(lines), headers={
        **SECRETARIAT, "X-File-Name": f"fuzz-{random.getrandbits(48)}.jsonl"})
    ack = assert_clear_answer(answer, {202, 400})
    if answer.status_code == 202:
        assert ack["lines"] == len(ack["declarations"]) + len(ack["rejected"]) >= 1
        assert all(r["reason"] for r in ack["rejected"])


def test_huge_bodies_wrong_types_and_headers_get_clear_answers(stack):
    huge = b'{"references": {"employer": "' + b"x" * (2 << 20) + b'"}}'
    assert_clear_answer(httpx.post(f"{stack.api}/declarations", content=huge,
                                   headers=KROON), {413})
    assert_clear_answer(httpx.post(f"{stack.api}/declarations", content=b"a=b",
                                   headers={**KROON, "Content-Type": "text/plain"}), {400})
    assert_clear_answer(httpx.post(f"{stack.api}/batches", content=b"{}",
                                   headers=SECRETARIAT), {400})  # no X-File-Name
    assert_clear_answer(httpx.post(f"{stack.api}/batches", content=b"", headers={
        **SECRETARIAT, "X-File-Name": "empty.jsonl"}), {400})
    assert_clear_answer(httpx.post(f"{stack.api}/batches", content=b"{}", headers={
        "X-File-Name": "anonymous.jsonl"}), {401})
    for number in ("not-a-number", str(2**64)):
        assert_clear_answer(httpx.get(f"{stack.api}/declarations/{number}",
                                      headers=KROON), {400})
    assert_clear_answer(httpx.post(f"{stack.api}/declarations", headers=KROON,
                                   json={"dimonaCancel": {"periodId": 2**64}}), {400})
    assert_clear_answer(httpx.post(f"{stack.api}/declarations", json=GOOD,
                                   headers={"Authorization": "Basic abc"}), {401})

    # ... and nothing else was disturbed: the next declaration is served as usual.
    kroon = RestClient(stack.api, "kroon-secret-token")
    assert kroon.status(kroon.declare(other_in(new_ssin())))["result"] == "A"
