"""`dimona bench` runs a fresh stack to the end and reports the figures docs/interface.md names
(the figures themselves are the benchmark's business, docs/performance.md, not a test's)."""

import json
import subprocess

import pytest

from tests.conftest import DIMONA

pytestmark = pytest.mark.e2e


def test_a_small_bench_reports_every_figure_of_a_complete_run(tmp_path):
    done = subprocess.run([DIMONA, "bench", "--declarations", "400", "--file-lines", "150",
                           "--keep", str(tmp_path / "bench"), "--json"],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    figures = json.loads(done.stdout)
    assert figures["declarations"] == 400 == sum(figures["results"].values())
    assert 0.02 < figures["results"]["B"] / 400 < 0.10  # the workload's refused share
    assert figures["declarations_per_s"] == round(400 / figures["seconds"])
    assert figures["ratio"] == round(figures["declarations_per_s"]
                                     / figures["null_pipeline_per_s"], 3)
    assert 0 < figures["latency_ms"]["p50"] <= figures["latency_ms"]["p99"]
    # the I/O floor wrote, per declaration, the rows the real run wrote, of the same width
    assert figures["ratio_to_floor"] == round(figures["declarations_per_s"]
                                              / figures["floor_per_s"], 3)
    floor = figures["floor"]
    assert floor["declarations"] == 400 and floor["per_s"] == figures["floor_per_s"]
    assert {"validator_events", "audit.links", "register.periods",
            "notifier.notifications"} <= set(floor["rows_per_declaration"])
    for table, rows in floor["rows_per_declaration"].items():
        assert rows["floor"] == pytest.approx(rows["real"], rel=0.05, abs=0.01), table
    for table, width in floor["bytes_per_row"].items():
        assert width["floor"] == pytest.approx(width["real"], rel=0.1), table
    assert set(figures["peak_rss_mb"]) == {"intake", "validator", "validator-2", "sftp",
                                           "projections", "notifier", "broker", "postgres"}
    assert all(mb > 10 for mb in figures["peak_rss_mb"].values())
    # three files of the first wave (313 INs), one of the second (76 changes and
    # registrations) and one of the third (11 registrations updated or cancelled), each
    # with its results file
    outbox = tmp_path / "bench" / "var" / "outbox" / "0447990040"
    assert sorted(p.name.split(".")[0] for p in outbox.glob("bench-8-*.results.jsonl")) == [
        "bench-8-change-0", "bench-8-in-0", "bench-8-in-1", "bench-8-in-2",
        "bench-8-registration-0"]
    assert "bench: null pipeline" in done.stderr  # progress goes to stderr
    assert "bench: I/O floor" in done.stderr


def test_a_bad_scale_is_a_usage_error():
    done = subprocess.run([DIMONA, "bench", "--scale", "intake=2"], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 2 and "SERVICE=N" in done.stderr


def test_the_official_file_bench_reports_a_complete_run(tmp_path):
    """`dimona bench --official-file N`: one XML file through SFTP, until every form has
    its NOTIFICATION (docs/performance.md)."""
    done = subprocess.run([DIMONA, "bench", "--official-file", "300", "--json"],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    figures = json.loads(done.stdout)["official_file"]
    assert figures["forms"] == 300 == sum(figures["results"].values())
    assert sum(figures["noti_result_codes"].values()) == 300
    assert 0 < figures["acrf_s"] < figures["notified_s"]
    assert figures["forms_per_s"] > 0
    assert {"intake", "sftp"} <= set(figures["peak_rss_mb"])


def test_the_web_pages_bench_times_every_page(tmp_path):
    """`dimona bench --web-pages N`: a register of N periods, each page timed signed in
    (the figures are the benchmark's, not the test's)."""
    done = subprocess.run([DIMONA, "bench", "--web-pages", "200", "--json"],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    figures = json.loads(done.stdout)["web_pages"]
    assert figures["periods"] == 200
    assert {"search form", "period detail", "declaration detail", "e-Box, every message unread",
            "employees tab, page 1", "PDF of a page of 100"} <= set(figures["pages"])
    assert all(0 < f["p50_ms"] <= f["max_ms"] for f in figures["pages"].values())
    assert figures["over_200ms"] == [name for name, f in figures["pages"].items()
                                     if f["p50_ms"] > 200]
