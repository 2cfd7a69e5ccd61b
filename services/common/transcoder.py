"""The event store's JSON transcoder: the eventsourcing library's, encoding with orjson.

The library encodes with the standard `json` module, an eighth of the validator's time
(profiled, docs/performance.md). orjson writes the same bytes for our events (compact
separators, UTF-8, keys in order) and hands the library's transcodings what it passes
through: datetimes (the events' timestamps), and types it does not know (Decimal). It
writes a UUID as a plain string, which would come back as a string: the attributes of our
events hold no UUIDs (the originator id has its own column), as
tests/unit/test_validator_application.py checks on every kind of event. Decoding stays
the library's.
"""

from __future__ import annotations

from typing import Any

import orjson
from eventsourcing.persistence import JSONTranscoder

OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_SUBCLASS


class OrjsonTranscoder(JSONTranscoder):
    def encode(self, obj: Any) -> bytes:
        return orjson.dumps(obj, default=self._encode_obj, option=OPTIONS)
