"""The sandbox of `dimona replay --rules REF` (services.validator.replay): run as a script,
with the source tree of the rules to try first on `sys.path`, so that every module it
imports (the rules, the schemas, the validator's use cases) is that version's. It decides
in memory (eventsourcing's plain-Python store: no database, nothing live is touched) what
it reads on stdin, one JSON document per line, and writes on stdout what it decided:

- `{"directory": {...}, "choices": [...]}`: the directory from now on (as a directory
  document, and the daily registration's system choices); the declarations waiting for
  their worker's identification are looked at again, as a directory change makes the
  validator do;
- `{"batch": [submission, ...]}`: submissions (schemas.events.DeclarationSubmitted as JSON),
  decided as one batch;

and for each decision `{"id", "result", "codes", "final"}` (`final`: the decision given once
the worker was identified), then `{"done": n}` after each input line (n: the submissions it
held). Its first line names the rules' version: `{"rules": "2026.12.4"}`.

It uses only what every version of the validator has had since replays exist: the
directory document and `Directory`, `DecideDeclarations` and `ResolveIdentifications`.
"""

import gc
import importlib.util
import sys

import orjson

from schemas.events import DeclarationSubmitted
from services.directory.domain import Directory, DirectoryDocument, SystemChoice
from services.validator.application import DecideDeclarations, ResolveIdentifications
from services.validator.domain.version import RULES_VERSION
from services.validator.eventstore import ValidatorApplication

EVERYTHING_KEPT = 1 << 62  # the in-memory store is the cache: every aggregate stays
# As in every service (services/common/runtime.py, here without importing it: older versions
# have none): the cyclic collector walked the ever-growing store and cache every 700
# allocations, a quarter of the replay's time (docs/performance.md, History).
GC_THRESHOLDS = (100_000, 50, 1000)


def told(decision) -> bytes:
    return orjson.dumps({"id": decision.declaration_id, "result": decision.result,
                         "codes": [a.code for a in decision.anomalies],
                         "final": decision.identified_ssin is not None})


def main() -> None:
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
    env = {"PERSISTENCE_MODULE": "eventsourcing.popo"}
    if importlib.util.find_spec("services.common.transcoder"):  # faster, where it exists
        env["TRANSCODER_TOPIC"] = "services.common.transcoder:OrjsonTranscoder"
    app = ValidatorApplication(env=env)
    directory = [Directory()]
    decide = DecideDeclarations(app, lambda: directory[0], EVERYTHING_KEPT)
    resolve = ResolveIdentifications(app, lambda: directory[0])
    out = sys.stdout.buffer
    out.write(orjson.dumps({"rules": RULES_VERSION}) + b"\n")
    out.flush()
    for line in sys.stdin.buffer:
        message = orjson.loads(line)
        decided = []
        if "directory" in message:
            doc = DirectoryDocument.model_validate(message["directory"])
            directory[0] = Directory(doc.employers, doc.mandates, doc.flexi_eligibility,
                                     doc.identities, [SystemChoice.model_validate(c) for c in
                                                      message["choices"]])
            decided = resolve()
        else:
            decided = decide([DeclarationSubmitted.model_validate(s)
                              for s in message["batch"]])
        out.writelines(told(d) + b"\n" for d in decided)
        out.write(orjson.dumps({"done": len(message.get("batch", ()))}) + b"\n")
        out.flush()


if __name__ == "__main__":
    main()
