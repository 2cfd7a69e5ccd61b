"""`dimona rebuild` and `dimona bench`: the register replayed from the event store, the
pipeline measured."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable
from functools import partial
from pathlib import Path

import click

from dimona.cli.output import emit_json, print_table, progress_bars
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
@click.option("--json", "as_json", is_flag=True, help="One JSON document on stdout.")
def bench(declarations: int, file_lines: int, employers: int, partitions: int,
          scale_specs: tuple[str, ...], keep: Path | None, official_forms: int | None,
          web_periods: int | None, as_json: bool) -> None:
    """Measure the whole pipeline on a fresh embedded stack (docs/performance.md): the
    workload through the batch channel until every result, register row and results file
    exists, then the null pipeline (Kafka and COPY, no rules) with the same messages; or,
    with --official-file, one official XML file through SFTP until its last NOTIFICATION;
    or, with --web-pages, the web pages of an employer with a large register."""
    from dimona.bench.run import BenchFailed, Options
    from dimona.bench.run import bench as run_bench
    from dimona.stack import parse_scale
    if official_forms and web_periods:
        raise click.UsageError("--official-file and --web-pages are two benchmarks: "
                               "choose one")
    if official_forms:
        from dimona.bench.official_file import bench_official_file
        run_bench = partial(bench_official_file, forms=official_forms)
    if web_periods:
        from dimona.bench.web_pages import bench_web_pages
        run_bench = partial(bench_web_pages, periods=web_periods)
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


def print_figures(figures: dict) -> None:
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
