"""Generated batch files for the end-to-end tests."""

from __future__ import annotations

import json
from pathlib import Path


def ssin(n: int) -> str:
    """A valid SSIN (born in the 1900s) for worker number n."""
    first9 = f"{70 + n % 30:02d}{1 + n % 12:02d}{1 + n % 28:02d}{1 + n % 997:03d}"
    return f"{first9}{97 - int(first9) % 97:02d}"


def declaration(n: int) -> dict:
    worker = ssin(n) if n % 20 else ssin(n)[:9] + "00"  # every 20th: invalid SSIN
    return {"employer": {"employerId": 175110801}, "worker": {"ssin": worker},
            "dimonaIn": {"startDate": "2030-01-07",
                         "features": {"jointCommissionNumber": "XXX", "workerType": "OTH"}},
            "references": {"declaration": f"line-{n}"}}


def write_batch(path: Path, lines: int) -> Path:
    path.write_text("".join(json.dumps(declaration(n)) + "\n" for n in range(1, lines + 1)))
    return path
