"""The version of the rules, recorded with every decision (docs/adr/0007-audit.md), so that
an auditor knows which rules made it.

Every version maps to the fingerprint of the rules' sources (`rules_fingerprint()`): change
a rule, the anomaly catalogue or a reference table, and tests/unit/test_rule_version.py fails
until a new version with the new fingerprint is added here.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
RULES_SOURCES = ("services/validator/domain/*.py", "schemas/anomalies.json",
                 "schemas/worker_types.json", "schemas/reference.py",
                 "services/common/presence.py")  # the registrations' hours in real time

VERSIONS = {
    "2026.11.1": "308fac189668179a189b30786d237ea65d0d019c5c8cefbda85793ae6c3c6f38",
    # 2026.11.2 changes no rule: a relation and a quota are created with their first
    # entry (one event fewer), ids and SSIN checks are cached.
    "2026.11.2": "cd766d4e7183eb70a7182b06c524b140a2c3b72edf833ae54319ecd29f880e08",
    # 2026.12.1 changes no rule: the comments cite the project's own docs/sources.md.
    "2026.12.1": "05124cb7ebc53e1d2a0f8a9c3001b6f3a204a25587f5dcddece257a9767d5513",
    # 2026.12.2 adds the daily registration's rules (registrations.py; issue 22) and
    # services/common/presence.py, their hours in real time, to the rules' sources.
    "2026.12.2": "1c7873c9eeef2440f9c8c2416e467bfc7b7f264438321f26a40b12efc621ddb2",
    # 2026.12.3 adds Flexi at work's rules (flexi_wages.py; issue 23): a situation's
    # presence, debtor and beneficiary checks, the calculation period, capacities and
    # financial elements, 00024-152 and the late warning 90900-460; its codes in
    # schemas/anomalies.json. The Dimona's and the daily registration's rules are unchanged.
    "2026.12.3": "0d24b5e4e05742890ca6f82cc68f49e7045e6d1f2e4546d4b9e2232a2326ddf1",
    # 2026.12.4 adds the rules of particular sectors (sectors.py; issue 27): construction
    # control cards, public employers' sub-entities and worker types (00655-350), small
    # statutes; the period keeps its cards, sub-entity and small statutes.
    "2026.12.4": "402daeaffd8e3f09c03a31ad45fefe0124a2f283c27528290242f72eb23931d1",
}
RULES_VERSION = next(reversed(VERSIONS))


def rules_fingerprint() -> str:
    """SHA-256 of the rules' sources (this module and explain.py excepted: they read the
    rules, they are none), in path order."""
    digest = hashlib.sha256()
    paths = sorted(p for pattern in RULES_SOURCES for p in ROOT.glob(pattern)
                   if p.name not in ("version.py", "explain.py"))
    for path in paths:
        digest.update(path.relative_to(ROOT).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()
