"""`dimona rebuild` and `dimona bench`: the register replayed from the event store, the
pipeline measured."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable
from functools import partial
from pathlib import Path

import click

from dimona.cli.output import emit_csv, emit_json, print_table, progress_bars
from dimona.client import StackClient, StackError

FIGURES = ("declarations", "seconds", "declarations_per_s", "null_pipeline_per_s", "ratio")
BREAKDOWNS = ("peak_rss_mb", "stages_s", "cpu_s", "results")


@click.command()
@click.option("--verify", is_flag=True,
              help="Compare the rebuilt register with the live one instead of swapping it in; "
                   "exit 1 listing the differences.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def rebuild(home: Path, verify: bool, as_json: bool) -> None:
    """Rebuild the register from the event store (the live one keeps serving)."""
    started = time.monotonic()
    with progress_bars() as bars:
        count, found = StackClient(home).rebuild(verify, progress=bars)
    seconds = time.monotonic() - started
    report = {"decisions": count, "seconds": round(seconds, 3),
              "decisionsPerSecond": round(count / max(seconds, 1e-6)),
              "verified": verify, "differences": [
                  {"table": d.table, "key": d.key, "columns": list(d.columns),
                   "live": d.live and {c: d.live[c] for c in d.columns},
                   "rebuilt": d.rebuilt and {c: d.rebuilt[c] for c in d.columns}}
                  for d in found]}
    if as_json:
        emit_json(report, default=str)
    else:
        action = "compared with the live register" if verify else "swapped in"
        click.echo(f"{count} decisions replayed in {seconds:.1f}s "
                   f"({report['decisionsPerSecond']}/s), {action}")
        for d in report["differences"]:
            click.echo(f"  {d['table']} {d['key']}: live {d['live']} rebuilt {d['rebuilt']}")
    if found:
        if not as_json:
            click.echo(f"dimona: {len(found)} differences between live and rebuilt", err=True)
        sys.exit(1)


@click.command()
@click.option("--rules", "ref", required=True, metavar="REF",
              help="The rules to try: a git reference of this repository (a commit, a branch, "
                   "a tag) or a source tree (the working tree: .).")
@click.option("--from", "start", type=click.DateTime(["%Y-%m-%d"]),
              help="Compare only the declarations received from this day (YYYY-MM-DD).")
@click.option("--to", "end", type=click.DateTime(["%Y-%m-%d"]),
              help="... up to this day; later ones are not decided again.")
@click.option("--employer", help="Compare only this employer's declarations (NSSO or "
                                 "enterprise number).")
@click.option("--json", "as_json", is_flag=True, help="The whole report as one JSON document.")
@click.option("--csv", "as_csv", is_flag=True, help="One CSV row per decision that changes.")
@click.pass_obj
def replay(home: Path, ref: str, start, end, employer: str | None, as_json: bool,
           as_csv: bool) -> None:
    """Which recorded decisions another version of the rules would change: every recorded
    submission decided again, in its original order and with the directory as it stood at
    its reception, in a sandbox that touches nothing live. Exit 0 either way."""
    if as_json and as_csv:
        raise click.UsageError("give at most one of --json and --csv")
    started = time.monotonic()
    with progress_bars() as bars:
        report = StackClient(home).replay(ref, start and start.date(), end and end.date(),
                                          employer, bars)
    seconds = time.monotonic() - started
    found = report.to_json() | {"seconds": round(seconds, 3), "submissionsPerSecond": round(
        report.replayed / max(seconds, 1e-6))}
    if as_json:
        emit_json(found)
    elif as_csv:
        emit_csv([["declarationId", "employerKey", "receivedAt", "oldResult", "newResult",
                   "added", "removed"]] + [
            [c["declarationId"], c["employerKey"], c["receivedAt"], c["old"]["result"],
             c["new"]["result"], " ".join(c["added"]), " ".join(c["removed"])]
            for c in found["changes"]])
    else:
        print_replay(found)


def print_replay(found: dict) -> None:
    click.echo(f"{found['replayed']} submissions decided again under rules {found['rules']} "
               f"in {found['seconds']:.1f}s ({found['submissionsPerSecond']}/s); "
               f"{found['changed']} of {found['compared']} decisions compared would change")
    print_table([{"declarationId": c["declarationId"], "employer": c["employerKey"],
                  "receivedAt": c["receivedAt"], "result": f"{c['old']['result']} → "
                  f"{c['new']['result']}", "added": " ".join(c["added"]) or "-",
                  "removed": " ".join(c["removed"]) or "-"} for c in found["changes"]],
                ["declarationId", "employer", "receivedAt", "result", "added", "removed"])
    if found["totals"]:
        click.echo("Per anomaly code:")
        print_table([{"code": code, **n} for code, n in found["totals"].items()],
                    ["code", "added", "removed"])


@click.command()
@click.option("--declarations", default=100_000, show_default=True,
              type=click.IntRange(min=100), help="Declarations in the measured workload.")
@click.option("--file-lines", default=10_000, show_default=True, type=click.IntRange(min=1),
              help="Lines per batch file.")
@click.option("--employers", default=40, show_default=True, type=click.IntRange(min=1),
              help="Employers of the bench secretariat (Kafka keys).")
@click.option("--partitions", default=4, show_default=True, type=click.IntRange(min=1),
              help="Partitions of each topic.")
@click.option("--scale", "scale_specs", multiple=True, metavar="SERVICE=N",
              help="Processes per consumer, as `dimona up --scale` (default: two "
                   "validators; e.g. validator=1).")
@click.option("--keep", type=click.Path(file_okay=False, path_type=Path),
              help="Run the stack in this directory and keep it (default: a temporary one).")
@click.option("--official-file", "official_forms", type=click.IntRange(min=1), metavar="N",
              help="Measure instead N forms (the workload's INs) in ONE official Dimona XML "
                   "file sent by SFTP: its upload, its ACRF after the GO file, every form "
                   "decided and notified, peak memory per process.")
@click.option("--web-pages", "web_periods", type=click.IntRange(min=100), metavar="N",
              help="Measure instead the web pages of an employer with N periods in the "
                   "register (filled by COPY): each page of the Search tab, the period and "
                   "declaration details, the Declarations, Quota and Employees tabs, a PDF "
                   "and the e-Box, signed in over HTTP; p50 and max in ms, the pages over "
                   "200 ms at p50.")
@click.option("--latency", is_flag=True,
              help="Measure instead the latency on an idle stack: --count declarations one "
                   "after the other, each POST /declarations then GET until 200 (p50, p90, "
                   "p99, max, the server's steps), and the idle stack's CPU in cores.")
@click.option("--count", "latency_count", default=200, show_default=True,
              type=click.IntRange(min=1), help="Declarations of --latency.")
@click.option("--idle-seconds", default=20.0, show_default=True, type=click.FloatRange(min=1),
              help="How long --latency measures the idle stack's CPU, before and after.")
@click.option("--rate", "rates", metavar="N[,N...]",
              help="Measure instead an open-loop load at N declarations/s for --seconds, "
                   "each rate in turn, through REST and through files (--channel): "
                   "achieved rate, p50 and p99 from reception to result, backlog slope.")
@click.option("--seconds", default=10.0, show_default=True, type=click.FloatRange(min=1),
              help="How long each rate of --rate lasts.")
@click.option("--channel", "channels", multiple=True, type=click.Choice(["rest", "files"]),
              help="The channels of --rate (default: both).")
@click.option("--json", "as_json", is_flag=True, help="One JSON document on stdout.")
def bench(declarations: int, file_lines: int, employers: int, partitions: int,
          scale_specs: tuple[str, ...], keep: Path | None, official_forms: int | None,
          web_periods: int | None, latency: bool, latency_count: int, idle_seconds: float,
          rates: str | None, seconds: float, channels: tuple[str, ...],
          as_json: bool) -> None:
    """Measure the whole pipeline on a fresh embedded stack (docs/performance.md): the
    workload through the batch channel until every result, register row and results file
    exists, then the null pipeline (Kafka and COPY, no rules) with the same messages; or,
    with --official-file, one official XML file through SFTP until its last NOTIFICATION;
    or, with --web-pages, the web pages of an employer with a large register; or, with
    --latency, one declaration at a time on an idle stack; or, with --rate, an open-loop
    load at fixed rates."""
    from dimona.bench.run import BenchFailed, Options
    from dimona.bench.run import bench as run_bench
    from dimona.stack import parse_scale
    if sum(map(bool, (official_forms, web_periods, latency, rates))) > 1:
        raise click.UsageError("--official-file, --web-pages, --latency and --rate are "
                               "different benchmarks: choose one")
    if official_forms:
        from dimona.bench.official_file import bench_official_file
        run_bench = partial(bench_official_file, forms=official_forms)
    if web_periods:
        from dimona.bench.web_pages import bench_web_pages
        run_bench = partial(bench_web_pages, periods=web_periods)
    if latency:
        from dimona.bench.latency import bench_latency
        run_bench = partial(bench_latency, declarations=latency_count, idle_s=idle_seconds)
    if rates:
        from dimona.bench.load import CHANNELS, bench_load
        run_bench = partial(bench_load, rates=parse_rates(rates), seconds=seconds,
                            channels=channels or CHANNELS)
    try:
        scale = parse_scale(scale_specs)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    options = Options(declarations, file_lines, employers, partitions, keep=keep,
                      env={"DIMONA_SCALE": ",".join(f"{k}={v}" for k, v in scale.items())})
    try:
        with progress_bars() as bars:
            figures = run_bench(options, say(bars), count=bars)
    except BenchFailed as exc:
        raise StackError(str(exc)) from None
    if as_json:
        emit_json(figures, ensure_ascii=True)
    else:
        print_figures(figures)


def say(bars):
    """Where the bench's stages are told: above the progress bars, or lines on stderr."""
    def line(text: str) -> None:
        if bars:
            bars.say(f"bench: {text}")
        else:
            click.echo(f"bench: {text}", err=True)
    return line


def parse_rates(text: str) -> list[int]:
    try:
        rates = [int(r) for r in text.split(",")]
    except ValueError:
        rates = []
    if not rates or min(rates) < 1:
        raise click.UsageError(f"--rate {text}: declarations per second, e.g. 200,400,800")
    return rates


def print_figures(figures: dict) -> None:
    if "latency" in figures:
        print_latency(figures["latency"])
        return
    if "load" in figures:
        print_load(figures["load"])
        return
    if "web_pages" in figures:
        print_web_pages(figures["web_pages"])
        return
    if "official_file" in figures:
        figures = figures["official_file"]
        keys: Iterable[str] = figures
    else:
        keys = (*FIGURES, "latency_ms", *BREAKDOWNS)
    rows = [{"figure": key, "value": ", ".join(f"{k} {v}" for k, v in figures[key].items())
             if isinstance(figures[key], dict) else figures[key]} for key in keys]
    print_table(rows, ["figure", "value"], header=False)


def print_web_pages(figures: dict) -> None:
    slow = figures["over_200ms"]
    print_table([{"page": name, "p50 ms": f["p50_ms"], "max ms": f["max_ms"],
                  "": "over 200 ms" if name in slow else None}
                 for name, f in figures["pages"].items()], ["page", "p50 ms", "max ms", ""])
    click.echo(f"{figures['periods']} periods of one employer: {len(slow)} of "
               f"{len(figures['pages'])} pages over 200 ms at p50")


def print_latency(figures: dict) -> None:
    rows = [{"figure": "POST to 200, ms", **figures["post_to_200_ms"]},
            {"figure": "POST answered, ms", **figures["post_answer_ms"]},
            *({"figure": f"  {step.replace('_', ' ')}", **ms}
              for step, ms in figures["segments_ms"].items())]
    print_table(rows, ["figure", "p50", "p90", "p99", "max"])
    idle = figures["idle_cores"]
    click.echo(f"{figures['declarations']} declarations one after the other "
               f"({figures['results']}); the idle stack used {idle['before']['total']} of a "
               f"core before, {idle['after']['total']} after")


def print_load(figures: dict) -> None:
    print_table([{"channel": s["channel"], "offered/s": s["offered_per_s"],
                  "sent/s": s["sent_per_s"], "achieved/s": s["achieved_per_s"],
                  "p50 ms": s["latency_ms"]["p50"], "p99 ms": s["latency_ms"]["p99"],
                  "backlog/s": s["backlog"]["slope_per_s"],
                  "late p99 ms": s["late_ms"]["p99"], "drain s": s["drain_s"],
                  "failures": s["failures"]} for s in figures["curve"]],
                ["channel", "offered/s", "sent/s", "achieved/s", "p50 ms", "p99 ms",
                 "backlog/s", "late p99 ms", "drain s", "failures"])
    click.echo("capacity (the largest achieved rate): " + ", ".join(
        f"{ch} {rate}/s" for ch, rate in figures["capacity_per_s"].items()))
