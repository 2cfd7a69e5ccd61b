"""The CLI's output (dimona.cli.output): --json and --csv are byte for byte what they were
before the CLI became a package and took rich (the literals below are the old code's output
for the fixed answers of FakeClient); tables for people are rich's; progress bars are drawn
on stderr, and only when it is a terminal."""

import contextlib
import datetime
import io
import re
import sys
from dataclasses import dataclass
from types import SimpleNamespace

import pytest
from click.testing import CliRunner

SUMMARY = {"batchRef": "b-1", "fileName": "café.jsonl", "lines": 3, "accepted": 2,
           "rejectedLines": 1, "duplicate": False}
ANOMALY = {"code": "00024-003", "severity": "B", "labelEn": "Zoë's café is closed"}
RESULTS = [
    {"line": 1, "declarationId": 11, "declarationType": "DIMONA_IN", "result": "A",
     "anomalies": [], "periodId": 11},
    {"line": 2, "rejected": "not valid JSON"},
    {"line": 3, "declarationId": 12, "declarationType": "DIMONA_IN", "result": "B",
     "anomalies": [ANOMALY]}]
DEAD_LETTERS = {
    "total": 2,
    "byTopic": [{"topic": "dimona.declarations", "consumerGroup": "validator", "count": 2,
                 "lastRecordedAt": "2026-01-02T03:04:05+00:00"}],
    "latest": [{"recordedAt": "2026-01-02T03:04:05+00:00", "topic": "dimona.declarations",
                "partition": 0, "offset": 7, "consumerGroup": "validator",
                "reason": "bad\x00 [bold]json[/bold] é", "value": '{"x": "\u00e9\n"}'}]}
EMPLOYER = {"name": "Brasserie Zoë", "enterpriseNumber": "0403170701",
            "employerId": 175110801}
PERIOD_ROW = {"status": "active", "familyName": "Maes", "givenName": "Zoë",
              "ssin": "85073003328", "periodId": 11, "jointCommission": "XXX",
              "workerType": "FLX", "startDate": "2026-06-01", "startHour": "0800",
              "endDate": "2026-06-01", "endHour": "1400", "daily": False, "duration": None,
              "plannedHoursNumber": 6, "cancelled": False, "late": False,
              "lastDeclarationAt": "2026-05-30T10:00:00+02:00",
              "usingEnterpriseNumber": None}
WORKER_ROW = {"ssin": "85073003328", "familyName": "Maes", "givenName": "Zoë",
              "birthDate": "1985-07-30", "relationStart": "2026-06-01", "relationEnd": None,
              "jointCommissions": ["XXX", "302"], "workerTypes": ["FLX"]}
MONTH_ROW = {"ssin": "85073003328", "familyName": "Maes", "givenName": "Zoë",
             "days": {"2026-06-01": [{"periodId": 11, "jointCommissionNumber": "XXX",
                                      "workerType": "FLX", "startHour": "0800",
                                      "endHour": "1400", "hours": 6.0}]}}
ITEMS = {"periods": [PERIOD_ROW, {**PERIOD_ROW, "periodId": 12, "cancelled": True,
                                  "endDate": None, "endHour": None}],
         "workers": [WORKER_ROW], "monthly": [MONTH_ROW]}
WORKER = {"ssin": "85073003328", "familyName": "Maes", "givenName": "Zoë",
          "birthDate": "1985-07-30", "relationStart": "2026-06-01", "relationEnd": None,
          "jointCommissions": ["XXX"], "workerTypes": ["FLX"]}
PERIOD = {"periodId": 11, "startDate": "2026-06-01", "startHour": "0800", "daily": False,
          "endDate": "2026-06-01", "endHour": "1400", "jointCommission": "XXX",
          "workerType": "FLX", "duration": None, "cancelled": False}
SIDE = {"startDate": "2026-06-01", "startHour": "0800", "endDate": "2026-06-01",
        "endHour": "1400", "plannedHoursNumber": 6, "cancelled": False}
NOTIFICATIONS = [{"sentAt": "2026-05-30T10:00:01+02:00", "declarationId": 11,
                  "channel": "ebox", "recipient": "0403170701", "periodBefore": None,
                  "periodAfter": SIDE, "anomalyCodes": []}]
PERIOD_DETAIL = {"worker": WORKER, "period": PERIOD, "declarations": [
    {"receivedAt": "2026-05-30T10:00:00+02:00", "declarationId": 11,
     "declarationType": "DIMONA_IN", "startDate": "2026-06-01", "startHour": "0800",
     "endDate": "2026-06-01", "endHour": "1400", "plannedHoursNumber": 6, "result": "A",
     "anomalies": ""}], "notifications": NOTIFICATIONS}
DECLARATION_DETAIL = {
    "criteria": {"employer": "175110801", "declaration": 11},
    "worker": WORKER, "period": PERIOD,
    "technical": {"channel": "webservice", "declarant": "0403170701", "rules": {}},
    "content": {"references": {"employer": "payroll-é"}, "remark": None},
    "notifications": NOTIFICATIONS}
QUOTAS = {"year": 2026, "horecaDays": {"used": 3, "left": 197, "limit": 200},
          "workers": [{"ssin": "85073003328", "familyName": "Maes", "givenName": "Zoë",
                       "studentHours": {"used": 10, "left": 640},
                       "horecaDays": {"used": 3, "left": 47}}]}
MESSAGES = [{"messageId": "7f1c0e1a-0000-4000-8000-000000000001", "declarationId": 11,
             "result": "A", "recipient": "0403170701", "createdAt": "2026-05-30T10:00:01",
             "readAt": None, "subject": "Dimona-bevestiging: Aanvaard — Zoë"}]
MESSAGE = {"messageId": MESSAGES[0]["messageId"], "subject": "Bevestiging é",
           "text": "Beste Zoë,\nAanvaard.", "html": "<p>Beste Zoë</p>",
           "content": {"periodBefore": None}}
VERIFIED = {"ok": True, "logs": [
    {"log": "validator", "records": 3, "lastPosition": 3, "checkpoints": 0, "broken": None},
    {"log": "notifier", "records": 1, "lastPosition": 1, "checkpoints": 0, "broken": None}]}
BROKEN = {"ok": False, "logs": [
    {"log": "validator", "records": 3, "lastPosition": 3, "checkpoints": 0, "broken": {
        "position": 2, "problem": "this record was altered",
        "record": "Declaration.Decided of 0a, version 2",
        "message": "validator log, position 2: this record was altered"}},
    VERIFIED["logs"][1]]}
CHECKPOINTS = [{"log": "validator", "position": 1000, "hash": "ab" * 4,
                "createdAt": "2026-05-30T10:00:00+00:00", "note": "é"}]
FIGURES = {"declarations": 400, "seconds": 2.5, "declarations_per_s": 160,
           "null_pipeline_per_s": 1000, "ratio": 0.16, "latency_ms": {"p50": 40, "p99": 90},
           "peak_rss_mb": {"intake": 80, "postgres": 200}, "results": {"A": 380, "B": 20},
           "stages_s": {"accepted": 0.5, "decided": 2.4, "results_files": 2.5},
           "cpu_s": {"intake": 1.0, "validator": 2.0}, "note": "é"}


@dataclass(frozen=True)
class Difference:
    table: str
    key: object
    columns: tuple
    live: dict | None
    rebuilt: dict | None


DIFFERENCES = [Difference("declarations", 12, ("result", "at"),
                          {"result": "B", "at": datetime.date(2026, 6, 1), "x": 1},
                          {"result": "A", "at": datetime.date(2026, 6, 2), "x": 1}),
               Difference("periods", "11/2", ("name",), None, {"name": "Zoë"})]


@dataclass(frozen=True)
class Entry:
    data: dict

    def to_json(self) -> dict:
        return self.data


ENTRIES = [Entry({"at": "2026-05-30T10:00:00+02:00", "declarationId": 11,
                  "event": "received", "raw": '{"a": "é"}'}),
           Entry({"at": "2026-05-30T10:00:01+02:00", "declarationId": 11, "event": "decided",
                  "result": "A"})]


class FakeClient:
    """What StackClient answers, fixed; `calls` records the progress arguments given."""

    calls: list = []
    differences: list = []
    verified: dict = VERIFIED
    timed_out = False

    def __init__(self, home):
        self.home = home

    def load_directory(self, file):
        return {"employers": 2, "declarants": 3, "mandates": 1}

    def submit(self, file, declarant):
        return dict(SUMMARY)

    def acknowledgement(self, summary):
        return iter(['{"batchRef": "b-1", ', '"fileName": "café.jsonl", ',
                     '"declarations": [{"declarationId": 11}, {"declarationId": 12}]}'])

    def rejected_lines(self, batch_ref):
        return [SimpleNamespace(line=2, reason="not valid JSON")]

    def wait_for_batch(self, summary, timeout_s, progress=None):
        FakeClient.calls.append(("wait", progress))
        if callable(progress):
            progress(f"{summary['lines']} lines acknowledged", 2, 2, "results")
        return not self.timed_out

    def batch_results(self, batch_ref):
        return iter([dict(r) for r in RESULTS])

    def result(self, declaration_id):
        return {"result": {k: v for k, v in RESULTS[2].items() if k != "line"}} \
            if declaration_id == 12 else None

    def dead_letters(self, limit):
        return DEAD_LETTERS

    def rebuild(self, verify, progress=None):
        FakeClient.calls.append(("rebuild", progress))
        return 1234, list(self.differences)

    @property
    def register(self):
        return FakeRegister()

    def register_at(self, moment, progress=None, **whose):
        """The register now (the register as of a moment: tests/e2e/test_register_as_of.py)."""
        assert moment is None
        return contextlib.nullcontext(FakeRegister())

    @property
    def ebox(self):
        return FakeEbox()

    def audit_entries(self, selection):
        return iter(ENTRIES if selection.declaration == 11 else [])

    def verify_audit(self, exported, progress=None):
        FakeClient.calls.append(("verify", progress))
        FakeClient.calls.append(("anchors", list(exported)))
        if callable(progress):
            for r in self.verified["logs"]:
                progress(f"{r['log']} log", r["records"], r["records"], "records checked")
        return self.verified

    def audit_verifier(self, progress=None):
        FakeClient.calls.append(("verify", progress))
        report = self.verified

        class Verifier:
            def __call__(self, exported=()):
                FakeClient.calls.append(("anchors", list(exported)))
                return report

            def checkpoints(self):
                return CHECKPOINTS
        return Verifier()


class FakeRegister:
    def search(self, presentation, employer, filters, page, month):
        items = ITEMS[presentation]
        return {"employer": EMPLOYER, "criteria": {"employer": employer, "register": "full"},
                "items": items, "offset": 0, "total": len(items)}

    def period(self, period_id):
        return PERIOD_DETAIL if period_id == 11 else None

    def declaration(self, declaration_id):
        return DECLARATION_DETAIL if declaration_id == 11 else None

    def quotas(self, employer, year, ssin):
        return QUOTAS


class FakeEbox:
    def of_employer(self, employer, unread, limit, offset):
        return {"items": MESSAGES}

    of_declarant = of_employer

    def message(self, message_id, lang):
        return MESSAGE if message_id == MESSAGE["messageId"] else None

    def mark_read(self, message_id):
        return {"messageId": message_id, "readAt": "2026-05-30T11:00:00"}


@pytest.fixture
def run(monkeypatch, tmp_path):
    """Runs the CLI on the fake client; returns click's Result."""
    import dimona.cli  # noqa: F401  every module of it, to patch their StackClient
    for name, module in list(sys.modules.items()):
        if name == "dimona.cli" or name.startswith("dimona.cli."):
            if hasattr(module, "StackClient"):
                monkeypatch.setattr(module, "StackClient", FakeClient)
    import dimona.bench.run

    def bench(options, say, *args, **kwargs):
        say("null pipeline: the same messages")
        return FIGURES
    monkeypatch.setattr(dimona.bench.run, "bench", bench)
    clock = iter([100.0, 102.5] + [103.0] * 100)
    import time
    monkeypatch.setattr(time, "monotonic", lambda: next(clock))
    monkeypatch.setattr(FakeClient, "calls", [])
    batch = tmp_path / "café.jsonl"
    batch.write_text("{}\n")
    directory = tmp_path / "directory.json"
    directory.write_text("{}")

    def invoke(*args: str):
        from dimona.cli import main
        args = [str(batch) if a == "BATCH" else str(directory) if a == "DIRECTORY" else a
                for a in args]
        return CliRunner().invoke(main, ["--home", str(tmp_path), *args],
                                  catch_exceptions=False)
    return invoke


# What the commands printed before rich: (stdout, exit code).
EXPECTED = {
    'submit_json': (
        '{"batchRef": "b-1", "fileName": "café.jsonl", "declarations": [{"decla'
        'rationId": 11}, {"declarationId": 12}]}\n',
        0),
    'submit_wait_json': (
        '{"line": 1, "declarationId": 11, "declarationType": "DIMONA_IN", "resu'
        'lt": "A", "anomalies": [], "periodId": 11}\n'
        '{"line": 2, "rejected": "not valid JSON"}\n'
        '{"line": 3, "declarationId": 12, "declarationType": "DIMONA_IN", "resu'
        'lt": "B", "anomalies": [{"code": "00024-003", "severity": "B", "labelE'
        'n": "Zoë\'s café is closed"}]}\n',
        0),
    'status_json': (
        '{"declarationId": 12, "declarationType": "DIMONA_IN", "result": "B", "'
        'anomalies": [{"code": "00024-003", "severity": "B", "labelEn": "Zoë\'s '
        'café is closed"}]}\n',
        0),
    'deadletters_json': (
        '{"total": 2, "byTopic": [{"topic": "dimona.declarations", "consumerGro'
        'up": "validator", "count": 2, "lastRecordedAt": "2026-01-02T03:04:05+0'
        '0:00"}], "latest": [{"recordedAt": "2026-01-02T03:04:05+00:00", "topic'
        '": "dimona.declarations", "partition": 0, "offset": 7, "consumerGroup"'
        ': "validator", "reason": "bad\\u0000 [bold]json[/bold] é", "value": "{\\'
        '"x\\": \\"é\\n\\"}"}]}\n',
        0),
    'rebuild_json': (
        '{"decisions": 1234, "seconds": 2.5, "decisionsPerSecond": 494, "verifi'
        'ed": false, "differences": []}\n',
        0),
    'rebuild_verify_json': (
        '{"decisions": 1234, "seconds": 2.5, "decisionsPerSecond": 494, "verifi'
        'ed": true, "differences": [{"table": "declarations", "key": 12, "colum'
        'ns": ["result", "at"], "live": {"result": "B", "at": "2026-06-01"}, "r'
        'ebuilt": {"result": "A", "at": "2026-06-02"}}, {"table": "periods", "k'
        'ey": "11/2", "columns": ["name"], "live": null, "rebuilt": {"name": "Z'
        'oë"}}]}\n',
        1),
    'bench_json': (
        '{"declarations": 400, "seconds": 2.5, "declarations_per_s": 160, "null'
        '_pipeline_per_s": 1000, "ratio": 0.16, "latency_ms": {"p50": 40, "p99"'
        ': 90}, "peak_rss_mb": {"intake": 80, "postgres": 200}, "results": {"A"'
        ': 380, "B": 20}, "stages_s": {"accepted": 0.5, "decided": 2.4, "result'
        's_files": 2.5}, "cpu_s": {"intake": 1.0, "validator": 2.0}, "note": "\\'
        'u00e9"}\n',
        0),
    'periods_json': (
        '[{"status": "active", "familyName": "Maes", "givenName": "Zoë", "ssin"'
        ': "85073003328", "periodId": 11, "jointCommission": "XXX", "workerType'
        '": "FLX", "startDate": "2026-06-01", "startHour": "0800", "endDate": "'
        '2026-06-01", "endHour": "1400", "daily": false, "duration": null, "pla'
        'nnedHoursNumber": 6, "cancelled": false, "late": false, "lastDeclarati'
        'onAt": "2026-05-30T10:00:00+02:00", "usingEnterpriseNumber": null}, {"'
        'status": "active", "familyName": "Maes", "givenName": "Zoë", "ssin": "'
        '85073003328", "periodId": 12, "jointCommission": "XXX", "workerType": '
        '"FLX", "startDate": "2026-06-01", "startHour": "0800", "endDate": null'
        ', "endHour": null, "daily": false, "duration": null, "plannedHoursNumb'
        'er": 6, "cancelled": true, "late": false, "lastDeclarationAt": "2026-0'
        '5-30T10:00:00+02:00", "usingEnterpriseNumber": null}]\n',
        0),
    'periods_csv': (
        'status,familyName,givenName,ssin,periodId,jointCommission,workerType,s'
        'tartDate,startHour,endDate,endHour,daily,duration,plannedHoursNumber,c'
        'ancelled,late,lastDeclarationAt,usingEnterpriseNumber\n'
        'active,Maes,Zoë,85073003328,11,XXX,FLX,2026-06-01,0800,2026-06-01,1400'
        ',False,,6,False,False,2026-05-30T10:00:00+02:00,\n'
        'active,Maes,Zoë,85073003328,12,XXX,FLX,2026-06-01,0800,,,False,,6,True'
        ',False,2026-05-30T10:00:00+02:00,\n',
        0),
    'workers_json': (
        '[{"ssin": "85073003328", "familyName": "Maes", "givenName": "Zoë", "bi'
        'rthDate": "1985-07-30", "relationStart": "2026-06-01", "relationEnd": '
        'null, "jointCommissions": ["XXX", "302"], "workerTypes": ["FLX"]}]\n',
        0),
    'workers_csv': (
        'ssin,familyName,givenName,birthDate,relationStart,relationEnd,jointCom'
        'missions,workerTypes\n'
        '85073003328,Maes,Zoë,1985-07-30,2026-06-01,,-XXX-302-,-FLX-\n',
        0),
    'monthly_json': (
        '[{"ssin": "85073003328", "familyName": "Maes", "givenName": "Zoë", "da'
        'ys": {"2026-06-01": [{"periodId": 11, "jointCommissionNumber": "XXX", '
        '"workerType": "FLX", "startHour": "0800", "endHour": "1400", "hours": '
        '6.0}]}}]\n',
        0),
    'monthly_csv': (
        'ssin,familyName,givenName,date,periodId,jointCommissionNumber,workerTy'
        'pe,startHour,endHour,hours\n'
        '85073003328,Maes,Zoë,2026-06-01,11,XXX,FLX,0800,1400,6.0\n',
        0),
    'period_json': (
        '{"worker": {"ssin": "85073003328", "familyName": "Maes", "givenName": '
        '"Zoë", "birthDate": "1985-07-30", "relationStart": "2026-06-01", "rela'
        'tionEnd": null, "jointCommissions": ["XXX"], "workerTypes": ["FLX"]}, '
        '"period": {"periodId": 11, "startDate": "2026-06-01", "startHour": "08'
        '00", "daily": false, "endDate": "2026-06-01", "endHour": "1400", "join'
        'tCommission": "XXX", "workerType": "FLX", "duration": null, "cancelled'
        '": false}, "declarations": [{"receivedAt": "2026-05-30T10:00:00+02:00"'
        ', "declarationId": 11, "declarationType": "DIMONA_IN", "startDate": "2'
        '026-06-01", "startHour": "0800", "endDate": "2026-06-01", "endHour": "'
        '1400", "plannedHoursNumber": 6, "result": "A", "anomalies": ""}], "not'
        'ifications": [{"sentAt": "2026-05-30T10:00:01+02:00", "declarationId":'
        ' 11, "channel": "ebox", "recipient": "0403170701", "periodBefore": nul'
        'l, "periodAfter": {"startDate": "2026-06-01", "startHour": "0800", "en'
        'dDate": "2026-06-01", "endHour": "1400", "plannedHoursNumber": 6, "can'
        'celled": false}, "anomalyCodes": []}]}\n',
        0),
    'declaration_json': (
        '{"criteria": {"employer": "175110801", "declaration": 11}, "worker": {'
        '"ssin": "85073003328", "familyName": "Maes", "givenName": "Zoë", "birt'
        'hDate": "1985-07-30", "relationStart": "2026-06-01", "relationEnd": nu'
        'll, "jointCommissions": ["XXX"], "workerTypes": ["FLX"]}, "period": {"'
        'periodId": 11, "startDate": "2026-06-01", "startHour": "0800", "daily"'
        ': false, "endDate": "2026-06-01", "endHour": "1400", "jointCommission"'
        ': "XXX", "workerType": "FLX", "duration": null, "cancelled": false}, "'
        'technical": {"channel": "webservice", "declarant": "0403170701", "rule'
        's": {}}, "content": {"references": {"employer": "payroll-é"}, "remark"'
        ': null}, "notifications": [{"sentAt": "2026-05-30T10:00:01+02:00", "de'
        'clarationId": 11, "channel": "ebox", "recipient": "0403170701", "perio'
        'dBefore": null, "periodAfter": {"startDate": "2026-06-01", "startHour"'
        ': "0800", "endDate": "2026-06-01", "endHour": "1400", "plannedHoursNum'
        'ber": 6, "cancelled": false}, "anomalyCodes": []}]}\n',
        0),
    'quotas_json': (
        '{"year": 2026, "horecaDays": {"used": 3, "left": 197, "limit": 200}, "'
        'workers": [{"ssin": "85073003328", "familyName": "Maes", "givenName": '
        '"Zoë", "studentHours": {"used": 10, "left": 640}, "horecaDays": {"used'
        '": 3, "left": 47}}]}\n',
        0),
    'ebox_list_json': (
        '[{"messageId": "7f1c0e1a-0000-4000-8000-000000000001", "declarationId"'
        ': 11, "result": "A", "recipient": "0403170701", "createdAt": "2026-05-'
        '30T10:00:01", "readAt": null, "subject": "Dimona-bevestiging: Aanvaard'
        ' — Zoë"}]\n',
        0),
    'ebox_show_json': (
        '{"messageId": "7f1c0e1a-0000-4000-8000-000000000001", "subject": "Beve'
        'stiging é", "text": "Beste Zoë,\\nAanvaard.", "html": "<p>Beste Zoë</p>'
        '", "content": {"periodBefore": null}}\n',
        0),
    'audit_log_json': (
        '{"at": "2026-05-30T10:00:00+02:00", "declarationId": 11, "event": "rec'
        'eived", "raw": "{\\"a\\": \\"é\\"}"}\n'
        '{"at": "2026-05-30T10:00:01+02:00", "declarationId": 11, "event": "dec'
        'ided", "result": "A"}\n',
        0),
    'audit_verify_json': (
        '{"ok": true, "logs": [{"log": "validator", "records": 3, "lastPosition'
        '": 3, "checkpoints": 0, "broken": null}, {"log": "notifier", "records"'
        ': 1, "lastPosition": 1, "checkpoints": 0, "broken": null}]}\n',
        0),
    'audit_broken_json': (
        '{"ok": false, "logs": [{"log": "validator", "records": 3, "lastPositio'
        'n": 3, "checkpoints": 0, "broken": {"position": 2, "problem": "this re'
        'cord was altered", "record": "Declaration.Decided of 0a, version 2", "'
        'message": "validator log, position 2: this record was altered"}}, {"lo'
        'g": "notifier", "records": 1, "lastPosition": 1, "checkpoints": 0, "br'
        'oken": null}]}\n',
        1),
    'audit_checkpoints': (
        '{"log": "validator", "position": 1000, "hash": "abababab", "createdAt"'
        ': "2026-05-30T10:00:00+00:00", "note": "\\u00e9"}\n',
        0),
}
ARGS = {
    "submit_json": ["submit", "BATCH", "--json"],
    "submit_wait_json": ["submit", "BATCH", "--wait", "--json"],
    "status_json": ["status", "12", "--json"],
    "deadletters_json": ["deadletters", "--json"],
    "rebuild_json": ["rebuild", "--json"],
    "rebuild_verify_json": ["rebuild", "--verify", "--json"],
    "bench_json": ["bench", "--json"],
    "periods_json": ["register", "periods", "--employer", "175110801", "--json"],
    "periods_csv": ["register", "periods", "--employer", "175110801", "--csv"],
    "workers_json": ["register", "workers", "--employer", "175110801", "--json"],
    "workers_csv": ["register", "workers", "--employer", "175110801", "--csv"],
    "monthly_json": ["register", "monthly", "--employer", "175110801", "--month", "2026-06",
                     "--json"],
    "monthly_csv": ["register", "monthly", "--employer", "175110801", "--month", "2026-06",
                    "--csv"],
    "period_json": ["register", "period", "11", "--json"],
    "declaration_json": ["register", "declaration", "11", "--json"],
    "quotas_json": ["register", "quotas", "--employer", "175110801", "--year", "2026",
                    "--json"],
    "ebox_list_json": ["ebox", "list", "--declarant", "0403170701", "--json"],
    "ebox_show_json": ["ebox", "show", MESSAGE["messageId"], "--json"],
    "audit_log_json": ["audit", "log", "--declaration", "11", "--json"],
    "audit_verify_json": ["audit", "verify", "--json"],
    "audit_broken_json": ["audit", "verify", "--json"],
    "audit_checkpoints": ["audit", "checkpoints"],
}


@pytest.mark.parametrize("case", sorted(ARGS))
def test_json_and_csv_are_byte_for_byte_what_they_were(run, monkeypatch, case):
    if case == "rebuild_verify_json":
        monkeypatch.setattr(FakeClient, "differences", DIFFERENCES)
    if case == "audit_broken_json":
        monkeypatch.setattr(FakeClient, "verified", BROKEN)
    stdout, code = EXPECTED[case]
    done = run(*ARGS[case])
    assert (done.stdout_bytes, done.exit_code) == (stdout.encode(), code)


def test_csv_has_no_carriage_returns_and_json_keeps_non_ascii(run):
    assert b"\r" not in run("register", "periods", "--employer", "1", "--csv").stdout_bytes
    assert "Zoë".encode() in run("register", "workers", "--employer", "1", "--json").stdout_bytes
    # the bench and the checkpoints always escaped it; they still do
    assert b"\\u00e9" in run("bench", "--json").stdout_bytes
    assert b"\\u00e9" in run("audit", "checkpoints").stdout_bytes


def test_the_emitters_write_exactly_this(capsys):
    from dimona.cli import output
    output.emit_json({"a": "é", "b": [1, None]})
    output.emit_json({"a": "é"}, ensure_ascii=True)
    output.emit_json({"d": datetime.date(2026, 6, 1)}, default=str)
    output.emit_json_lines([{"x": 1}, {"y": "ü"}])
    output.emit_pieces(['{"a": ', '1}'])
    output.emit_csv([["h1", "h2"], ["a,b", None], [1, 'say "hi"']])
    assert capsys.readouterr().out == (
        '{"a": "é", "b": [1, null]}\n{"a": "\\u00e9"}\n{"d": "2026-06-01"}\n'
        '{"x": 1}\n{"y": "ü"}\n{"a": 1}\nh1,h2\n"a,b",\n1,"say ""hi"""\n')


def lines_of(text: str) -> list[list[str]]:
    """A table's lines as their cells (separated by two spaces or more)."""
    return [re.split(r"\s{2,}", line.strip()) for line in text.splitlines()]


def test_register_views_are_tables_with_every_column(run):
    from services.projections.application import csv_rows
    for presentation, extra in (("periods", []), ("workers", []),
                                ("monthly", ["--month", "2026-06"])):
        shown = run("register", presentation, "--employer", "175110801", *extra)
        assert shown.exit_code == 0 and "\x1b" not in shown.stdout
        lines = shown.stdout.splitlines()
        assert lines[0] == "Brasserie Zoë  enterprise number 0403170701  NSSO number 175110801"
        assert lines[1] == "Selection: employer: 175110801 | register: full"
        assert lines_of(lines[2])[0] == next(csv_rows(presentation, []))
        assert set(lines[3]) == {"─"}  # the rule under the header
        assert lines[-1] == f"1 to {len(ITEMS[presentation])} of {len(ITEMS[presentation])} " \
                            "results"
    periods = run("register", "periods", "--employer", "175110801").stdout.splitlines()
    assert lines_of(periods[4])[0][:5] == ["active", "Maes", "Zoë", "85073003328", "11"]
    assert "-XXX-302-" in run("register", "workers", "--employer", "1").stdout


def test_a_wide_table_is_not_cut_at_80_columns_on_a_pipe(run):
    shown = run("register", "periods", "--employer", "175110801").stdout
    assert max(len(line) for line in shown.splitlines()) > 200
    assert all("…" not in line for line in shown.splitlines())


def test_details_quotas_ebox_and_dead_letters_are_tables(run):
    period = run("register", "period", "11").stdout
    assert "Worker 85073003328 Maes Zoë" in period and "Declarations:" in period
    assert ["2026-05-30T10:00:01+02:00", "11", "ebox", "0403170701", "-",
            "2026-06-01 0800 - 2026-06-01 1400 (6 h)", "-"] in lines_of(period)
    declaration = run("register", "declaration", "11").stdout
    assert "Technical: channel webservice" in declaration and "Notifications:" in declaration
    quotas = run("register", "quotas", "--employer", "175110801", "--year", "2026").stdout
    assert quotas.startswith("2026: horeca days of the employer 3 used, 197 left of 200\n")
    assert ["ssin", "name", "studentHoursUsed", "studentHoursLeft", "horecaDaysUsed",
            "horecaDaysLeft"] in lines_of(quotas)
    assert ["85073003328", "Maes Zoë", "10", "640", "3", "47"] in lines_of(quotas)
    ebox = run("ebox", "list", "--declarant", "0403170701").stdout
    assert ["messageId", "declarationId", "result", "recipient", "createdAt", "readAt",
            "subject"] in lines_of(ebox)
    assert MESSAGES[0]["messageId"] in ebox and "Dimona-bevestiging: Aanvaard — Zoë" in ebox
    letters = run("deadletters").stdout
    assert letters.startswith("2 dead letters\n") and "\x1b" not in letters
    assert "dimona.declarations  " in letters and "validator  " in letters
    # untrusted text: control characters escaped, rich markup not read into it
    assert "bad\\x00 [bold]json[/bold] é" in letters


def test_the_submit_summary_and_the_bench_figures(run):
    submitted = run("submit", "BATCH", "--wait").stdout
    assert submitted.startswith("batch b-1 café.jsonl: 3 lines, 2 accepted, 1 rejected\n")
    assert ["2", "not valid JSON"] in lines_of(submitted)
    assert submitted.endswith("line 1: 11 A \nline 2: rejected: not valid JSON\n"
                              "line 3: 12 B 00024-003\n")
    figures = run("bench")
    assert ["latency_ms", "p50 40, p99 90"] in lines_of(figures.stdout)
    assert ["declarations_per_s", "160"] in lines_of(figures.stdout)
    assert figures.stderr == "bench: null pipeline: the same messages\n"


def test_human_lines_that_scripts_and_tests_read_are_kept(run, monkeypatch):
    assert run("status", "12").stdout == \
        "12 DIMONA_IN B period - 00024-003 (B) Zoë's café is closed\n"
    assert run("directory", "load", "DIRECTORY").stdout == \
        "loaded 2 employers, 3 declarants, 1 mandates\n"
    assert run("rebuild").stdout.startswith("1234 decisions replayed in 2.5s (494/s), ")
    monkeypatch.setattr(FakeClient, "verified", BROKEN)
    broken = run("audit", "verify")
    assert broken.exit_code == 1
    assert "validator: 3 records up to position 3, 0 checkpoints: ALTERED at position 2 " \
           "(Declaration.Decided of 0a, version 2)" in broken.stdout
    assert broken.stderr == "dimona: the audit log was altered: validator log, position 2: " \
                            "this record was altered\n"


@pytest.mark.parametrize("args", [["submit", "BATCH", "--wait"], ["rebuild"],
                                  ["audit", "verify"], ["submit", "BATCH", "--wait", "--json"]])
def test_no_progress_when_stderr_is_not_a_terminal(run, args):
    done = run(*args)
    assert done.exit_code == 0 and done.stderr == ""
    assert [progress for what, progress in FakeClient.calls if what != "anchors"] == [None]


def test_the_bench_tells_its_stages_on_stderr_without_a_terminal(run):
    done = run("bench", "--json")
    assert done.stderr == "bench: null pipeline: the same messages\n"
    assert done.stdout.startswith('{"declarations": 400')


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bars_only_on_a_terminal(monkeypatch):
    from dimona.cli.output import ProgressBars, progress_bars
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    with progress_bars() as bars:
        assert bars is None
    assert sys.stderr.getvalue() == ""
    monkeypatch.setattr(sys, "stderr", Terminal())
    with progress_bars() as bars:
        assert isinstance(bars, ProgressBars)
        bars("20 lines acknowledged", 20, 20, "results")
    assert "20 lines acknowledged, 20/20 results" in sys.stderr.getvalue()


def test_a_progress_bar_shows_the_count_the_rate_and_the_time_left():
    from rich.console import Console

    from dimona.cli.output import ProgressBars
    screen = io.StringIO()
    clock = iter(range(100))
    bars = ProgressBars(Console(file=screen, force_terminal=True, width=100,
                                color_system=None))
    bars.bars.get_time = lambda: float(next(clock))
    with bars:
        for done in (0, 100, 200, 300):
            bars("replaying the event store", done, 1000, "decisions")
        bars.say("bench: a line above the bars")
        bars.bars.refresh()
        shown = screen.getvalue()
    assert "replaying the event store, 300/1000 decisions" in shown
    assert re.search(r"\d+(\.\d)?/s", shown)  # the rate
    assert re.search(r"\d:\d\d:\d\d", shown)  # the time left
    assert "bench: a line above the bars" in shown
    with bars:
        bars("validator log", 5, None, "records checked")
        bars.bars.refresh()
    assert "validator log, 5 records checked" in screen.getvalue()


def test_the_client_reports_progress_instead_of_writing_it(monkeypatch, capsys):
    from dimona.client import StackClient
    counts = iter([0, 1, 2])
    views = SimpleNamespace(register=SimpleNamespace(
        decided_counts=lambda refs: {refs[0]: next(counts)}))
    monkeypatch.setattr(StackClient, "batch_views", property(lambda self: views))
    monkeypatch.setattr("time.sleep", lambda s: None)
    told = []
    assert StackClient(None).wait_for_batch(SUMMARY, 60, progress=lambda *a: told.append(a))
    assert told == [("3 lines acknowledged", n, 2, "results") for n in (0, 1, 2)]
    counts = iter([0, 2])
    assert StackClient(None).wait_for_batch(SUMMARY, 60)
    assert capsys.readouterr() == ("", "")
