"""The ``rossim`` command line: argument parsing, progress display and exit codes.

Exit codes: 0 success, 2 bad input (one line on stderr naming file, field and what was
expected), 1 an unexpected internal error.
"""

from __future__ import annotations

import argparse
import io
import math
import os
import re
import signal
import sys
import textwrap
import threading
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.measure import Measurement
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from .errors import InputError

__all__ = ["main", "print_comparison"]

# Scenario titles and names are the user's text, printed as they are: no rich markup.
_err = Console(stderr=True, markup=False)
_out = Console(markup=False)


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, exit 2; main() prints "rossim: error: "
        raise InputError(f"{message} (see {self.prog} --help)")


def _positive_int(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if v <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return v


def _nonneg_int(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer >= 0, got {text!r}") from None
    if v < 0:
        raise argparse.ArgumentTypeError(f"expected an integer >= 0, got {text!r}")
    return v


#: Seeds ``--seed`` takes: those ``simulation.seed`` takes (below 2**128, numpy's SeedSequence entropy).
SEED_LIMIT = 2 ** 128


def _seed(text: str) -> int:
    v = _nonneg_int(text)
    if v >= SEED_LIMIT:
        raise argparse.ArgumentTypeError(f"expected an integer from 0 to 2**128 - 1 (as simulation.seed), "
                                         f"got one of {len(str(v))} digits")
    return v


def _float(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None


def _address(text: str) -> str:
    if not text.strip():
        raise argparse.ArgumentTypeError(f"expected a scheduler's address such as tcp://host:8786, got {text!r}")
    return text


WORKERS_HELP = "worker processes (default: the cores; never more than the cores or the chunks of work)"


def _parser() -> argparse.ArgumentParser:
    from . import __version__

    p = _Parser(prog="rossim", description="Planner-simulator for the assembly of the Russian "
                "Orbital Service Station (ROSS).")
    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}",
                   help="print rossim's version and exit")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser, metavar="COMMAND",
                           help="what to do (rossim COMMAND --help for its options)")

    def scenario_args(sp, many=False):
        if many:
            sp.add_argument("scenarios", nargs="+", metavar="SCENARIO", help="scenario TOML files or run folders")
        else:
            sp.add_argument("scenario", metavar="SCENARIO", help="scenario TOML file")
        sp.add_argument("--set", dest="overrides", action="append", default=[], metavar="PATH=VALUE",
                        help="override one scenario field by its dotted path (repeatable)")

    def out_args(sp, default):
        sp.add_argument("--out", help=f"output folder: a new folder, or an earlier rossim result with "
                        f"--overwrite (default: {default}, or {default}-2, -3, ... if taken)")
        sp.add_argument("--overwrite", action="store_true",
                        help="replace the earlier rossim result in --out (never anything else)")

    sp = sub.add_parser("run", help="run the campaign ensemble of a scenario")
    scenario_args(sp)
    sp.add_argument("-n", "--replications", type=_positive_int, help="replications (default: scenario)")
    sp.add_argument("--seed", type=_seed, help="random seed (default: scenario)")
    sp.add_argument("--workers", type=_positive_int, help=WORKERS_HELP)
    sp.add_argument("--scheduler", metavar="ADDRESS", type=_address,
                    help="run the replications on this dask.distributed scheduler (e.g. tcp://host:8786), in "
                    "chunks, one task each; the same results as locally")
    out_args(sp, "runs/<scenario name>")
    sp.add_argument("--no-report", action="store_true", help="do not write report.html")
    sp.add_argument("--events", default="parquet", choices=["parquet", "csv", "none"],
                    help="the event log: events.parquet (default), events.csv, or none")
    sp.add_argument("--precision-days", type=_float, metavar="D",
                    help="instead of -n: add replications in rounds until every milestone median within the "
                         "horizon (or those of --precision-of) is known to +-D days (95 %%)")
    sp.add_argument("--precision-of", action="append", default=[], metavar="MILESTONE",
                    help="the milestone whose median --precision-days watches (repeatable; default: all reached)")
    sp.add_argument("--max-replications", type=_positive_int, default=100_000, metavar="N",
                    help="most replications --precision-days may run (default: 100000)")
    sp.add_argument("--coverage", action="store_true",
                    help="also write the area of Russia, the Arctic and the NSR observed per calendar year "
                         "given each replication's commissioning and crew dates (campaign_coverage.csv)")
    sp.add_argument("--where", action="append", default=[], metavar="EXPR",
                    help="keep only the replications where EXPR holds (repeatable: all must hold): "
                         "NAME OP VALUE, NAME a count (launch_failures.<vehicle>, scrubs.<site>, "
                         "docking_failures.<module>, losses.<module>) with a whole number, or a "
                         "milestone with an ISO date (not reached: later than any date); "
                         "OP one of == != < <= > >=")
    sp.add_argument("--what-if", dest="what_if", action="append", default=[], metavar="TEXT",
                    help="force an event in every replication (repeatable), the body of a TOML inline "
                         "table appended to the scenario's [[what_if]]: 'launch_fails = \"VEHICLE\", nth = N', "
                         "'docking_fails = \"MODULE\", attempt = N', 'pad_out = \"SITE\", from = DATE, "
                         "days = D', 'slip = \"MODULE\", days = D'; the random draws stay paired with "
                         "the run without it")

    sp = sub.add_parser("validate", help="check a scenario file without running it")
    scenario_args(sp)
    sp.add_argument("--all-problems", action="store_true",
                    help="list every problem, one line each (default: the first, and how many more)")
    sp.add_argument("--for", dest="purpose", choices=("campaign", "coverage"), default="campaign",
                    help="what the scenario is checked for: campaign (run, compare: everything, the default) "
                         "or coverage (as rossim coverage loads it: launch sites need not reach the orbit, so an "
                         "orbit what-if such as --set orbit.inclination_deg=51.6 passes)")
    sp.add_argument("--cite", action="append", default=[], metavar="FIELD",
                    help="print a field's value (dotted path, as for --set) and the sources its comments "
                         "cite, resolved to docs/sources.md with their URLs (repeatable)")

    sp = sub.add_parser("coverage", help="coverage of Russia, the Arctic and the Northern Sea Route")
    scenario_args(sp)
    sp.add_argument("--days", type=_float, help="span in days (default: scenario [coverage].days)")
    sp.add_argument("--resolution-km", type=_float, help="grid resolution (default: scenario)")
    g = sp.add_mutually_exclusive_group()
    g.add_argument("--instrument", help="one instrument of the scenario (default: all)")
    g.add_argument("--half-angle-deg", type=_float, help="ad-hoc nadir instrument, no lighting constraint")
    sp.add_argument("--region", dest="regions", action="append", default=[], metavar="GEOJSON",
                    help="also analyse this GeoJSON polygon (repeatable)")
    sp.add_argument("--half-angle-sweep", nargs="?", const="15:60:5", metavar="START:STOP:STEP",
                    help="also the share of each region observed by nadir cones of these half-angles "
                         "(degrees; default 15:60:5, or a list A,B,C): half_angle_sweep.csv and a figure")
    sp.add_argument("--by-month", action="store_true",
                    help="also the same span started on each month of a year (the seasons): "
                         "coverage_by_month.csv and a figure")
    out_args(sp, "runs/<scenario name>-coverage")
    sp.add_argument("--no-report", action="store_true", help="do not write report.html")

    sp = sub.add_parser("compare", help="compare scenarios side by side")
    scenario_args(sp, many=True)
    sp.add_argument("-n", "--replications", type=_positive_int,
                    help="replications of each scenario file's ensemble (default: each scenario's)")
    sp.add_argument("--seed", type=_seed, help="random seed of every ensemble (default: each scenario's)")
    sp.add_argument("--workers", type=_positive_int, help=WORKERS_HELP)
    sp.add_argument("--days", type=_float, help="coverage span in days")
    sp.add_argument("--resolution-km", type=_float, help="coverage grid resolution")
    g = sp.add_mutually_exclusive_group()
    g.add_argument("--instrument", help="coverage instrument compared (default: radar, or the first common one)")
    g.add_argument("--half-angle-deg", type=_float,
                   help="coverage of scenario files with one ad-hoc nadir instrument of this half-angle, no lighting "
                        "constraint (run folders keep theirs)")
    sp.add_argument("--coverage", action="store_true",
                    help="also each scenario file's coverage over the campaign (as rossim run --coverage: the area "
                         "of Russia, the Arctic and the NSR observed per calendar year), compared year by year "
                         "(run folders keep theirs)")
    out_args(sp, "runs/compare")
    sp.add_argument("--svg", action="store_true", help="also write SVG figures")

    sp = sub.add_parser("drivers", help="rank the uncertain inputs by their effect on an outcome")
    scenario_args(sp)
    sp.add_argument("--outcome", required=True, help="MILESTONE.p10|p50|p90|p_by_deadline|p_by_horizon "
                    "(e.g. phase_2_complete.p50) or person_days|fraction_crewed|launches|losses.mean|p10|p50|p90")
    sp.add_argument("-n", "--replications", type=_positive_int, help="replications per ensemble (default: scenario)")
    sp.add_argument("--seed", type=_seed, help="random seed, the same for every ensemble (default: scenario)")
    sp.add_argument("--workers", type=_positive_int, help=WORKERS_HELP)
    sp.add_argument("--inputs", action="append", default=[], metavar="PATTERN",
                    help="only the inputs whose id matches this glob, e.g. 'modules.*.slip_days' or 'risk:*' "
                    "(repeatable; default: all)")
    sp.add_argument("--method", default="one_at_a_time", choices=["one_at_a_time", "sobol"],
                    help="one_at_a_time: each input fixed at its median or its risk switched off, an ensemble "
                    "each (default); sobol: the share of the outcome's variance each input explains on its own "
                    "(first-order Sobol' indices), from one ensemble's recorded draws")
    sp.add_argument("--max-minutes", type=_float, default=60.0,
                    help="refuse, before any work, an analysis estimated to take longer (default: 60)")
    out_args(sp, "runs/<scenario name>-drivers")

    sp = sub.add_parser("sweep", help="run the scenario over a design of experiments, one ensemble per point")
    scenario_args(sp)
    sp.add_argument("--vary", action="append", default=[], metavar="PATH=LOW:HIGH|PATH=V1,V2,...",
                    help="a field to vary by its dotted path, over a range of numbers or dates or a list of levels "
                    "(repeatable, at least one)")
    sp.add_argument("--design", default="lhs", choices=["lhs", "grid", "sobol"],
                    help="Latin hypercube (default), full grid, or scrambled Sobol' sequence")
    sp.add_argument("--points", type=_positive_int, help="design points (lhs, sobol: required; sobol a power of 2), or levels of each range (grid: at "
                         "least 2, not needed when every --vary lists its levels)")
    sp.add_argument("-n", "--replications", type=_positive_int, help="replications per point (default: scenario)")
    sp.add_argument("--seed", type=_seed, help="random seed of the design and the points (default: scenario)")
    sp.add_argument("--common-random-numbers", action="store_true",
                    help="every point's ensemble uses the same seed (paired comparisons between points)")
    sp.add_argument("--per-replication", action="store_true",
                    help="also write every replication's milestone days (sweep_replications.parquet)")
    sp.add_argument("--workers", type=_positive_int, help=WORKERS_HELP)
    sp.add_argument("--scheduler", metavar="ADDRESS", type=_address,
                    help="run the points on this dask.distributed scheduler (e.g. tcp://host:8786)")
    sp.add_argument("--max-minutes", type=_float, default=60.0,
                    help="refuse, before any work, a sweep estimated to take longer (default: 60)")
    out_args(sp, "runs/<scenario name>-sweep")

    sp = sub.add_parser("discover", help="which region of a sweep's inputs meets a goal (PRIM and CART)")
    sp.add_argument("sweep_dir", type=Path, metavar="SWEEP_DIR", help="a finished rossim sweep folder")
    sp.add_argument("--goal", required=True, metavar="'COLUMN OP VALUE'",
                    help="an outcome column of sweep.csv (not an input, point, seed or a _low/_high end) "
                    "compared with a date or a number, e.g. 'phase_2_complete.p50 <= "
                    "2033-12-31' or 'capacity_4.p_by_deadline >= 0.5' (OP one of <= < >= > == !=)")
    sp.add_argument("--threshold", type=_float, default=0.8,
                    help="PRIM: the least density (share of a box's points meeting the goal) of the box chosen "
                    "(default: 0.8)")
    sp.add_argument("--peel-alpha", type=_float, default=0.05, help="PRIM: share of a box peeled at each step "
                    "(default: 0.05)")
    sp.add_argument("--paste-alpha", type=_float, default=0.05, help="PRIM: share pasted back at each step "
                    "(default: 0.05)")
    sp.add_argument("--mass-min", type=_float, default=0.05, help="PRIM: the smallest box, as a share of the "
                    "points (default: 0.05)")
    sp.add_argument("--max-boxes", type=_positive_int, default=3, help="PRIM: most boxes (covering; default: 3)")
    sp.add_argument("--max-depth", type=_positive_int, default=3, help="CART: levels of the tree (default: 3)")
    sp.add_argument("--svg", action="store_true", help="also write SVG figures")

    sp = sub.add_parser("report", help="write report.html for a run, coverage or comparison folder")
    sp.add_argument("run_dir", type=Path, metavar="DIR", help="a rossim run, coverage or comparison folder")
    sp.add_argument("--svg", action="store_true", help="also write SVG figures")

    sp = sub.add_parser("backtest", help="forecast past stations' module dates with a slip prior and score it")
    sp.add_argument("--prior", dest="priors", action="append", default=[], metavar="SPEC",
                    help="a named prior (visiting-vehicles-2017, fitted, fitted-lognormal, fitted-days, "
                         "fitted-modules) or a TOML table such as '{ dist = \"weibull\", shape = 1.4, "
                         "scale = 0.5, p_zero = 0.07, unit = \"lead\" }'; repeatable (default: "
                         "visiting-vehicles-2017 and fitted)")
    sp.add_argument("--data", metavar="CSV", help="plan-vs-actual table (default: the shipped "
                                                  "rossim/data/history/plan_vs_actual.csv)")
    sp.add_argument("--out", help="write forecasts.csv and calibration.png into this new folder (or an earlier "
                                  "rossim result with --overwrite); default: print only")
    sp.add_argument("--overwrite", action="store_true",
                    help="replace the earlier rossim result in --out (never anything else)")
    p.commands = sub.choices  # each command's parser, for its own usage errors (main)
    return p


def _progress(label: str):
    """A progress display for ``label`` (a context manager with ``add_task``/``update``, as rich's).

    A terminal gets rich's bar; anything else (a log, a pipe, CI) a plain line on stderr every
    ``ROSSIM_PROGRESS_INTERVAL`` seconds (default 5), e.g. ``rossim: ross_high_latitude:
    replications: 4000/20000 (20 %), 15 s elapsed, about 60 s left`` (the time left at the rate
    so far, counted from what was already done when the task was added: a resumed sweep's
    points), and a last one at the end if any was printed."""
    if _err.is_terminal:
        return Progress(TextColumn(escape(label), style="bold"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                        TimeRemainingColumn(), console=_err, transient=True)
    import os
    import time

    try:
        interval = float(os.environ.get("ROSSIM_PROGRESS_INTERVAL", "5"))
    except ValueError:
        interval = 5.0

    class Plain:
        def __enter__(self):
            self.start = self.last = time.monotonic()
            self.done, self.total, self.shown = 0, None, None
            return self

        def __exit__(self, exc_type, exc, tb):
            if exc_type is None and self.shown is not None and self.shown != self.done:
                self.line(time.monotonic())
            return False

        def add_task(self, *args, total=None, completed=0, **kwargs):
            self.total, self.done, self.first = total, completed, completed
            return 0

        def update(self, task, completed=None, total=None, **kwargs):
            self.done = self.done if completed is None else completed
            self.total = self.total if total is None else total
            now = time.monotonic()
            if now - self.last >= interval:
                self.line(now)

        def line(self, now):
            self.last, self.shown = now, self.done
            if self.total:
                count = f"{self.done:,}/{self.total:,} ({100 * self.done / self.total:.0f} %)"
            else:
                count = f"{self.done:,}"
            elapsed = now - self.start
            left = ""
            if self.total and self.first < self.done < self.total:
                left = f", about {(self.total - self.done) * elapsed / (self.done - self.first):.0f} s left"
            print(f"rossim: {label}: {count}, {elapsed:.0f} s elapsed{left}", file=sys.stderr, flush=True)

    return Plain()


def _load(args):
    from . import scenario

    return scenario.load(args.scenario, args.overrides, getattr(args, "what_if", ()))


# ------------------------------------------------------------------------------ commands


def cmd_validate(args) -> int:
    from . import scenario

    if args.all_problems:
        problems = scenario.all_problems(args.scenario, args.overrides, args.purpose)
        for problem in problems:
            print(f"rossim: error: {problem}", file=sys.stderr)
        if problems:
            return 2
    sc = scenario.load(args.scenario, args.overrides, getattr(args, "what_if", ()), purpose=args.purpose)
    cited = []
    if args.cite:  # every field found before anything is printed
        from . import citations

        cited = [citations.cite(args.scenario, field, args.overrides) for field in args.cite]
    inc = sc.orbit.resolved_inclination_deg()
    _out.print(f"{args.scenario}: OK — {sc.scenario.title or sc.name}: {len(sc.modules)} modules, "
               f"{len(sc.phases)} phases, orbit {inc:.2f} deg")
    for c in cited:
        for line in citations.format_citation(c):
            _out.print(line, soft_wrap=True)
    return 0


def run_ensemble(sc, n=None, seed=None, workers=None, label=None, executor=None, keep=True, events=None):
    from . import ensemble

    n = n or sc.simulation.replications
    with _progress(label or f"{sc.name}: replications") as bar:
        task = bar.add_task("run", total=n)
        return ensemble.run(sc, n=n, seed=seed, workers=workers, executor=executor, keep=keep, events=events,
                            progress=lambda done, total: bar.update(task, completed=done))


def cmd_run(args) -> int:
    from . import eventlog, folders, results

    sc = _load(args)
    conditions = None
    if args.where:
        from .analysis import where

        conditions = where.parse_all(args.where, sc)
    if args.coverage:
        from . import campaign_coverage

        campaign_coverage.check(sc)
    dest = _destination(args, sc.name, [args.scenario])
    reached = None
    # A run keeps only each replication's columns and streams the event log to disk (a million
    # replications fit in memory); --where and --coverage need the replications themselves.
    stream = conditions is None and not args.coverage
    with results.output_dir(dest) as tmp:
        with eventlog.Writer(tmp, args.events if stream else "none") as log:
            sink = log.add if log.path is not None else None
            if args.precision_days is not None:
                reached = _run_to_precision(args, sc, keep=not stream, events=sink)
                ens = reached.ensemble
                dest.provenance.update(precision=reached.to_json())
            else:
                if args.precision_of:
                    raise InputError("--precision-of needs --precision-days", source="--precision-of")
                ens = _run_on_scheduler(args, sc, dest, keep=not stream, events=sink) if args.scheduler else \
                    run_ensemble(sc, args.replications, args.seed, args.workers, keep=not stream, events=sink)
        dest.provenance.update(seed=ens.seed, replications=ens.n, workers=ens.workers)
        folders.update_provenance(tmp, dest.provenance)  # (the run ran inside the folder: the report reads it)
        selection = None
        if conditions is not None:
            of = ens.n
            ens = where.select(ens, conditions)
            if ens.n == 0:
                raise InputError(f"no replication matches (of {of}): {' and '.join(args.where)}", source="--where")
            selection = {"where": list(args.where), "selected": ens.n, "of": of}
        summary = results.write_campaign(tmp, ens, args.overrides, selection, events=None if stream else args.events)
        observed = None
        if args.coverage:
            observed = campaign_coverage.analyze(ens, progress=_progress)
            campaign_coverage.write(tmp, observed)
            observed = observed.summary()
        del ens  # the report reads the files back: a million replications' columns are not held twice
        if not args.no_report:
            from . import report

            report.write_run_report(tmp)
    _print_summary(summary)
    if observed is not None:
        _print_campaign_coverage(observed, summary["horizon"])
    if reached is not None:
        _print_precision(reached)
    if selection is not None:
        _out.print(f"{selection['selected']:,} of {selection['of']:,} replications selected "
                   f"(--where {' and '.join(selection['where'])})")
    if summary.get("what_if"):
        from .headlines import forced_event

        _out.print("in every replication: " + "; ".join(forced_event(e) for e in summary["what_if"]))
    _out.print(f"wrote {dest.path}/")
    return 0


def _run_on_scheduler(args, sc, dest, **kw):
    """``run --scheduler``: the replications in chunks on a dask.distributed cluster (its workers
    need rossim installed); the ensemble is the one the local workers would make."""
    from .analysis import sweep

    with sweep.connect(args.scheduler) as client:
        dest.provenance.update(ran_on=f"dask scheduler {client.scheduler.address}")
        return run_ensemble(sc, args.replications, args.seed, sweep.cluster_workers(client),
                            executor=client.get_executor(), **kw)


def _run_to_precision(args, sc, **kw):
    """``run --precision-days``: rounds of replications until the medians are that precise."""
    from . import precision

    if args.replications is not None:
        raise InputError("give either -n or --precision-days, not both", source="--precision-days")
    if args.scheduler:
        raise InputError("--precision-days runs its rounds locally; give either it or --scheduler", source="--scheduler")
    with _progress(f"{sc.name}: replications until medians are known to +-{args.precision_days:g} days") as bar:
        task = bar.add_task("run", total=None)
        return precision.run_until(sc, args.precision_days, args.precision_of, args.max_replications, args.seed,
                                   args.workers, **kw,
                                   progress=lambda done, planned: bar.update(task, completed=done, total=planned))


def _print_precision(reached) -> None:
    if not reached.half_widths:
        _out.print(f"precision: no milestone's median falls within the horizon, so nothing was made precise "
                   f"({reached.ensemble.n:,} replications); ask for one with --precision-of")
        return
    widths = ", ".join(f"{k} +-{v:.0f} d" if math.isfinite(v) else f"{k} not bounded"
                       for k, v in reached.half_widths.items())
    how = (f"reached after {reached.ensemble.n:,} replications" if reached.reached else
           f"NOT reached: stopped at the cap of {reached.ensemble.n:,} replications (--max-replications)"
           if reached.capped else
           f"NOT reached: stopped after {reached.ensemble.n:,} replications, the median of "
           f"{', '.join(reached.beyond_horizon)} being past the horizon (fewer than half reach it)")
    _out.print(f"precision +-{reached.target_days:g} days {how} (rounds {', '.join(f'{r:,}' for r in reached.rounds)}); "
               f"medians: {widths}")


def _destination(args, name: str | None, inputs: list[str], suffix: str = ""):
    """Check ``--out`` (or the default ``runs/<name><suffix>``) before any work starts, with
    what the manifest will record about this command."""
    from . import folders

    default = Path("runs") / (folders.safe_component(name) + suffix if name else "compare")
    return folders.destination(args.out, default, overwrite=args.overwrite,
                               provenance=_provenance(args, inputs))


def _provenance(args, inputs: list[str]) -> dict:
    """What made a result: the command line, its inputs (with SHA-256 of files), the overrides."""
    from . import folders

    recorded = []
    for item in inputs:
        p = Path(item)
        entry = {"path": str(p)}
        if p.is_file():
            entry["sha256"] = folders.file_sha256(p)
        elif folders.is_rossim_result(p):
            entry["manifest_sha256"] = folders.file_sha256(p / folders.MANIFEST)
        recorded.append(entry)
    out = {"command": ["rossim", *args.argv], "inputs": recorded, "overrides": list(args.overrides),
           "seed": getattr(args, "seed", None), "workers_requested": getattr(args, "workers", None)}
    if getattr(args, "what_if", None):
        out["what_if"] = list(args.what_if)
    return out


def _print_campaign_coverage(observed: dict, horizon: str) -> None:
    """What ``rossim run --coverage`` found (``observed``: its ``campaign_coverage.json``): the
    first calendar year of full coverage per instrument and region, median [95 % MC], as the
    report's table; the years themselves are in the files named below it."""
    from rich import box

    from . import campaign_coverage, campaign_coverage_compare

    title, header, rows = campaign_coverage_compare.report_tables(observed, horizon)[-1]
    full = 100 * observed["full_share"]
    t = Table(title=f"Coverage over the campaign: {title[0].lower()}{title[1:]}", box=box.SIMPLE_HEAD,
              pad_edge=False, show_edge=False, caption_justify="left",
              caption=f"the first calendar year a replication observes at least {full:g} % of what a year of "
                      "uninterrupted observation gives: median over replications [its 95 % Monte Carlo "
                      f"interval]; every year: {campaign_coverage.CSV_FILE}, {campaign_coverage.FIGURE_FILE}")
    for k, name in enumerate(header):
        t.add_column(name, no_wrap=True, justify="left" if k == 0 else "right")
    for row in rows:
        t.add_row(*row)
    _out.print(t)


def _print_summary(summary: dict, console=None) -> None:
    """The run's key numbers: milestone medians with their Monte Carlo error ("2034-09-09 ±45 d"),
    the 10-90 % range of replications (months), probabilities with their error ("24% ±3":
    percentage points), then the totals; fits 80 columns in the usual case, and is printed at its own
    width rather than cut when it does not ("100% ±0…"); summary.json has every number exactly."""
    from rich import box

    from .compare import date_pm, share_pm

    def month(v, after="later"):
        return v[:7] if v else after

    t = Table(title=f"{summary['title'] or summary['scenario']} — {summary['replications']:,} replications, "
                    f"seed {summary['seed']}", box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False,
              caption=f"median ±: Monte Carlo error (the wider half of its 95 % interval; +?: past the horizon "
                      f"{summary['horizon']}); 10–90 %: of replications, by month; —: later than the horizon. "
                      f"P: share reaching it by the horizon / by {summary['deadline']}, ± percentage points. "
                      "hosting_N: at least N aboard 90 % of the next 365 days. Exact values: summary.json",
              caption_justify="left")
    t.add_column("milestone", no_wrap=True)
    t.add_column("median", no_wrap=True)
    t.add_column("10–90 %", no_wrap=True)
    t.add_column(f"P(<{summary['horizon'][:4]})", justify="right", no_wrap=True)
    t.add_column(f"P(≤{summary['deadline'][:4]})", justify="right", no_wrap=True)
    for name, m in summary["milestones"].items():
        t.add_row(name, date_pm(m, after="—"), f"{month(m['p10'])} – {month(m['p90'])}" if m["p10"] else "—",
                  share_pm(m, "probability").replace(" %", "%"),
                  share_pm(m, "probability_by_deadline").replace(" %", "%"))
    for name in ("person_days", "fraction_crewed", "launches", "losses"):
        q = summary[name]
        fmt = "{:.0%}" if name == "fraction_crewed" else "{:,.0f}"
        t.add_row(name, fmt.format(q["p50"]), f"{fmt.format(q['p10'])} – {fmt.format(q['p90'])}", "", "")
    console = console or _out
    need = Measurement.get(console, console.options.update(max_width=1000), t).maximum
    if need > console.width:  # every column is no_wrap: narrower, rich would cut a number to "100% ±0…"
        console = Console(file=console.file, width=need, highlight=False, markup=False,
                          force_terminal=console.is_terminal, no_color=console.no_color)
    console.print(t)


def cmd_coverage(args) -> int:
    from . import coverage_run

    sweep = None if args.half_angle_sweep is None else coverage_run.parse_sweep(args.half_angle_sweep)
    sc = coverage_run.load_scenario(args.scenario, args.overrides)
    out = _destination(args, sc.name, [args.scenario, *args.regions], suffix="-coverage")
    summary = coverage_run.run(sc, out, days=args.days, resolution_km=args.resolution_km,
                               instrument=args.instrument, half_angle_deg=args.half_angle_deg,
                               region_files=args.regions, progress=_progress, overrides=args.overrides,
                               finish=None if args.no_report else _coverage_report, half_angle_sweep_deg=sweep,
                               monthly=args.by_month)
    coverage_run.print_summary(summary, _out)
    _out.print(f"wrote {out.path}/")
    return 0


def _coverage_report(folder: Path) -> None:
    from . import report

    report.write_coverage_report(folder)


def cmd_compare(args) -> int:
    from . import compare, report, results

    if compare.reuses_folders(args.scenarios) and (args.replications or args.seed is not None):
        _out.print("note: run folders are reused as they are; -n/--seed apply to scenario files only")
    if args.coverage and all(Path(s).is_dir() for s in args.scenarios):
        _out.print("note: run folders keep their campaign coverage (or have none: rossim run --coverage); "
                   "--coverage applies to scenario files only")
    dest = _destination(args, None, args.scenarios)
    with results.output_dir(dest) as tmp:
        comp, runs = compare.build(tmp, args.scenarios, run_ensemble, overrides=args.overrides,
                                   replications=args.replications, seed=args.seed, workers=args.workers,
                                   days=args.days, resolution_km=args.resolution_km,
                                   instrument=args.instrument, progress=_progress,
                                   half_angle_deg=args.half_angle_deg, campaign_coverage=args.coverage)
        for run in runs:
            report.write_run_report(run.path, svg=args.svg, run=run)
        report.write_report(tmp, svg=args.svg, runs=runs)
    print_comparison(comp, _out)
    from . import coverage_compare

    coverage_compare.print_table(dest.path, _out)
    _out.print(f"wrote {dest.path}/")
    return 0


class _NameWrapper(textwrap.TextWrapper):
    """A wrapper that may also break a word after an underscore ("ros_iss_" / "orbit"), before
    breaking it anywhere ("ros_iss_or" / "bit")."""

    wordsep_simple_re = re.compile(r"(\s+|(?<=_)(?=[^\s_]))")


def _fill(text: str, width: int, hang: str = "") -> str:
    """``text`` wrapped to ``width`` columns, lines after the first indented by ``hang`` more than
    the first (long words broken, after an underscore where one fits: for names and labels, never
    numbers)."""
    return "\n".join(_NameWrapper(width, break_long_words=True, break_on_hyphens=False,
                                   subsequent_indent=line[:len(line) - len(line.lstrip())] + hang).fill(line) or line
                     for line in text.split("\n"))


def _better(better: str) -> str:
    """What a comparison's "better" cell says under a Δ: "X better", "within noise", "same"."""
    from .compare import WITHIN_NOISE

    return better if better in ("", "same", WITHIN_NOISE) else f"{better} better"


def comparison_table(comp, width: int) -> Table:
    """The comparison as a rich table in the first layout whose width fits ``width`` columns: every
    scenario side by side, a Δ and "better" column per other scenario; else one column per
    scenario, its Δ and "better" under its value; else one block of lines per metric, one line per
    scenario. Dates: the median ± its error, its 10-90 % range on the next line. Names and labels
    are wrapped to fit; numbers never are (no column wraps or cuts: the narrowest layout is
    returned even when it is wider than ``width``)."""
    from rich import box

    from . import compare

    ref = comp.labels[0]
    rows = compare.table_rows(comp, sep="\n")
    probe = Console(width=10_000, file=io.StringIO())

    def new_table() -> Table:
        return Table(title=f"Scenarios compared with {ref} (Δ = scenario − {ref})", title_justify="left",
                     box=box.SIMPLE_HEAD, pad_edge=False)

    def ends(row) -> bool:  # a blank line after each milestone's rows
        return not row.key.startswith("person_days_") and row.statistic == "p_by_deadline"

    def name(row, n: int) -> str:
        return _fill(row.short.replace(" (median)", ""), n, hang=" ")

    def under(i: int, ds: list[str], n: int) -> str:  # scenario i's Δ and verdict, below its value
        delta, better = ds[2 * i - 2], _better(ds[2 * i - 1])
        return (f"\nΔ {delta}" if delta else "") + (f"\n{_fill(better, n)}" if better else "")

    def side_by_side() -> Table:
        t = new_table()
        t.add_column("metric", no_wrap=True)
        for lb in comp.labels:
            t.add_column(_fill(lb, 25), no_wrap=True)
        for lb in comp.labels[1:]:
            t.add_column(_fill(f"Δ {lb}", 12), justify="right", no_wrap=True)
            t.add_column("better", no_wrap=True)
        for row, vals, ds in rows:
            t.add_row(name(row, 22), *vals, *(_fill(s, 18) if k % 2 else s for k, s in enumerate(ds)),
                      end_section=ends(row))
        return t

    def column_per_scenario() -> Table:
        t = new_table()
        t.add_column("metric", no_wrap=True)
        for lb in comp.labels:
            t.add_column(_fill(lb, 25), no_wrap=True)
        for row, vals, ds in rows:
            t.add_row(name(row, 20), vals[0], *(vals[i] + under(i, ds, 25) for i in range(1, len(vals))),
                      end_section=ends(row))
        return t

    def block_per_metric(label_width: int) -> Table:
        t = new_table()
        t.add_column("metric", no_wrap=True)
        t.add_column("scenario", no_wrap=True)
        t.add_column("value", no_wrap=True)
        for row, vals, ds in rows:
            for i, v in enumerate(vals):
                t.add_row(name(row, 20) if i == 0 else "", _fill(comp.labels[i], label_width),
                          v + (under(i, ds, 25) if i else ""), end_section=i == len(vals) - 1)
        return t

    for make in (side_by_side, column_per_scenario):
        t = make()
        if Measurement.get(probe, probe.options, t).maximum <= width:
            return t
    t = block_per_metric(18)
    longest = max(len(lb) for lb in comp.labels)
    spare = width - Measurement.get(probe, probe.options, t).maximum
    if longest > 18 and spare > 0:  # labels as wide as the width allows: "ross_angara_trouble" whole,
        t = block_per_metric(min(longest, 18 + spare))  # not "ross_angara_troubl" over "e"
    return t


def print_comparison(comp, console, width: int | None = None) -> None:
    """The comparison table (:func:`comparison_table`) fitted to ``width`` (default: the console's,
    which rich takes from the terminal or $COLUMNS, else 80 columns), then how to read it."""
    from . import campaign_coverage_compare, compare

    width = width or console.width
    t = comparison_table(comp, width)
    note = ("dates: median ± its Monte Carlo error (the wider half of its 95 % interval), then [10 % – 90 %] of "
            "replications; shares ± percentage points; better: only beyond the Monte Carlo noise, else "
            "'within noise'; every row exact in comparison.csv")
    if comp.instrument:
        note += f"\ncoverage ({comp.instrument}): {compare.REVISIT_NOTE}"
    if comp.campaign_instrument:
        note += (f"\ncoverage over the campaign ({comp.campaign_instrument}): mean % of the region observed "
                 "that year ± its Monte Carlo error; P(full): the share of replications observing at least "
                 f"{campaign_coverage_compare.FULL_WORDS} (compared by Fisher's exact test)")
    for text in comp.campaign_notes:
        note += f"\ncampaign coverage: {text}"
    probe = Console(width=10_000, file=io.StringIO())
    need = Measurement.get(probe, probe.options, t).maximum
    # at the width asked for, or the table's own when it is wider: a number is never cut
    out = Console(file=console.file, width=max(width, need), highlight=False, markup=False,
                  force_terminal=console.is_terminal, no_color=console.no_color)
    out.print(t)
    out.print(note)


def cmd_drivers(args) -> int:
    from . import figures, results
    from .analysis import drivers

    sc = _load(args)
    outcome = drivers.parse_outcome(sc, args.outcome)
    if not args.max_minutes > 0:
        raise InputError(f"expected a positive number of minutes, got {args.max_minutes:g}", source="--max-minutes")
    n_inputs = len(drivers.select_inputs(drivers.uncertain_inputs(sc), args.inputs, sc.source))
    dest = _destination(args, sc.name, [args.scenario], suffix="-drivers")
    n = args.replications or sc.simulation.replications
    if args.method == "sobol":  # one ensemble with its draws recorded: first-order indices
        from .analysis import sensitivity

        label, total = f"{sc.name}: sensitivity: {n:,} replications, draws recorded", n
        analyse = lambda progress: sensitivity.sobol(  # noqa: E731
            sc, outcome, n=n, seed=args.seed, inputs=args.inputs, time_limit_s=60.0 * args.max_minutes,
            progress=progress)
        write, chart, show, figure_file = sensitivity.write, sensitivity.figure_data, _print_indices, \
            sensitivity.FIGURE_FILE
    else:  # one ensemble per input and the baseline: shifts
        label, total = f"{sc.name}: drivers: {1 + n_inputs} ensembles x {n:,}", (1 + n_inputs) * n
        analyse = lambda progress: drivers.run(  # noqa: E731
            sc, outcome, args.method, n=n, seed=args.seed, workers=args.workers, inputs=args.inputs,
            time_limit_s=60.0 * args.max_minutes, progress=progress)
        write, chart, show, figure_file = drivers.write, drivers.tornado_data, _print_drivers, drivers.FIGURE_FILE
    with _progress(label) as bar:
        task = bar.add_task("drivers", total=total)
        res = analyse(lambda done, _total: bar.update(task, completed=done))
    dest.provenance.update(seed=res.seed, replications=res.n, outcome=outcome.name, method=res.method)
    with results.output_dir(dest) as tmp:
        write(tmp, res, args.overrides)
        figures.save(figures.tornado_figure(**chart(res)), tmp / figure_file)
    show(res)
    _out.print(f"wrote {dest.path}/")
    return 0


def _print_indices(res, console=None) -> None:
    """The first-order indices as a table, largest first, "~" marking an index within noise."""
    from rich import box

    console = console or _out
    sc = res.scenario
    t = Table(title=f"{sc.scenario.title or sc.name}: what explains the spread of {res.words} "
                    f"({res.n:,} replications, seed {res.seed})", box=box.SIMPLE_HEAD, pad_edge=False,
              title_justify="left",
              caption=f"index = share of the outcome's variance the input explains on its own (first-order "
                      f"Sobol'), with its 95 % bootstrap interval; the indices sum to "
                      f"{res.explained.value:.0%} [{res.explained.low:.0%}, {res.explained.high:.0%}] (below 100 %: "
                      "interactions and chance; above: inputs that go together, a failure and its rebuild); "
                      "~ : within noise", caption_justify="left")
    t.add_column("#", justify="right")
    t.add_column("input", no_wrap=True)
    t.add_column("recorded as", no_wrap=True)
    t.add_column("index", justify="right", no_wrap=True)
    t.add_column("95 % interval", justify="right", no_wrap=True)
    t.add_column("", no_wrap=True)
    for k, i in enumerate(res.indices):
        known = not math.isnan(i.value.value)
        t.add_row(str(k + 1), i.input.id, i.what, f"{i.value.value:.1%}" if known else "-",
                  f"[{i.value.low:.1%}, {i.value.high:.1%}]" if known else "", "~" if i.within_noise else "")
    if not console.is_terminal:  # a file or a pipe: the table's natural width, no wrapping
        natural = Measurement.get(console, console.options.update(max_width=1000), t).maximum
        console = Console(file=console.file, width=max(console.width, natural), highlight=False, markup=False)
    console.print(t)


def _print_drivers(res, console=None) -> None:
    """The ranking as a table: largest |shift| first, "~" marking a shift within Monte Carlo noise."""
    from rich import box

    from .analysis import drivers

    console = console or _out
    o, sc = res.outcome, res.scenario
    t = Table(title=f"{sc.scenario.title or sc.name}: what moves {o.words(sc)} ({res.n:,} replications each, "
                    f"seed {res.seed})", box=box.SIMPLE_HEAD, pad_edge=False, title_justify="left",
              caption=f"baseline {drivers.shown(res, res.baseline.value)}; shift = with the input fixed at its "
                      "median (a risk: switched off) minus the baseline, same seed (common random numbers), "
                      "with its 95 % interval; ~ : within noise", caption_justify="left")
    t.add_column("#", justify="right")
    t.add_column("input", no_wrap=True)
    t.add_column("fixed at", no_wrap=True)
    t.add_column("date" if o.is_date else "value", no_wrap=True)
    t.add_column(f"shift ({o.unit})", justify="right", no_wrap=True)
    t.add_column("95 % interval", justify="right", no_wrap=True)
    t.add_column("", no_wrap=True)
    for k, d in enumerate(res.drivers):
        fixed = "off" if d.input.kind == "risk" else f"median {d.input.fixed_at:.4g}"
        t.add_row(str(k + 1), d.input.id, fixed, drivers.shown(res, d.value.value),
                  drivers.shown_shift(res, d.shift.value),
                  f"[{drivers.shown_shift(res, d.shift.low)}, {drivers.shown_shift(res, d.shift.high)}]",
                  "~" if d.within_noise is not False else "")
    if not console.is_terminal:  # a file or a pipe: the table's natural width, no wrapping
        natural = Measurement.get(console, console.options.update(max_width=1000), t).maximum
        console = Console(file=console.file, width=max(console.width, natural), highlight=False, markup=False)
    console.print(t)


def cmd_sweep(args) -> int:
    import dataclasses

    from . import folders
    from .analysis import sweep, sweep_folder

    sc = _load(args)
    plan = sweep.prepare(sc, args.vary, args.design, args.points, args.replications, args.seed,
                         common_random_numbers=args.common_random_numbers, overrides=args.overrides)
    if not args.max_minutes > 0:
        raise InputError(f"expected a positive number of minutes, got {args.max_minutes:g}", source="--max-minutes")
    dest = sweep_folder.destination(args.out, Path("runs") / (folders.safe_component(sc.name) + "-sweep"), plan,
                                    overwrite=args.overwrite, provenance=_provenance(args, [args.scenario]))
    store = sweep_folder.Store(dest, plan, per_replication=args.per_replication)
    done = store.finished()  # an earlier run of this sweep into this folder: its finished points
    k, left = len(plan.points), len(plan.points) - len(done)
    with sweep.connect(args.scheduler) as client:
        workers = sweep.cluster_workers(client) if client else ensemble_workers(args.workers)
        todo = dataclasses.replace(plan, points=tuple(p for p in plan.points if p.index not in done))
        seconds = sweep.check_limits(todo, workers, distributed=client is not None, per_replication=args.per_replication,
                                     time_limit_s=60.0 * args.max_minutes)[0] if left else 0.0
        if done:
            _out.print(f"{len(done):,} of {k:,} points already done in {dest.path}/; running the other {left:,}")
        store.dest.provenance.update(seed=plan.seed, replications=plan.n, sweep=plan.describe())
        store.create()
        with store.running(), _progress(f"{sc.name}: sweep: {left:,} points x {plan.n:,} replications (estimated "
                                        f"{sweep.duration(seconds)})") as bar:
            task = bar.add_task("sweep", total=k, completed=len(done))
            res = sweep.execute(plan, args.workers, client=client, per_replication=args.per_replication,
                                progress=lambda n_done, total: bar.update(task, completed=n_done), done=done,
                                on_result=store.save)
    store.finish(res)
    _print_sweep(res)
    _out.print(f"{left:,} points x {plan.n:,} replications ({plan.design}, {res.where}) in {res.elapsed_s:,.1f} s"
               + (f"; {len(done):,} points done earlier" if done else ""))
    _out.print(f"wrote {dest.path}/")
    return 0


def _short_paths(paths: list[str]) -> list[str]:
    """Each dotted path without its top-level table (``modules.``, ``launch_vehicles.``), unless
    that leaves one part or the paths need it to stay apart: "angara_a5m.success_probability",
    "lab.slip_days.scale", "orbit.inclination_deg"."""
    parts = [p.split(".") for p in paths]
    out = []
    for ps in parts:
        k = min(max(2, len(ps) - 1), len(ps))
        while k < len(ps) and sum(q[-k:] == ps[-k:] for q in parts) > 1:
            k += 1
        out.append(".".join(ps[-k:]))
    return out


def _header_lines(name: str, width: int = 10) -> str:
    """A column header of a dotted name: a line per part, a long part broken after its underscores
    ("min_days_" / "between_" / "flights"), never inside a word."""
    import re

    lines = []
    for part in name.split("."):
        line = ""
        for word in re.findall(r"[^_]+_*|_+", part):
            if line and len(line) + len(word) > width:
                lines.append(line)
                line = ""
            line += word
        lines.append(line)
    return "\n".join(lines)


def _print_sweep(res, most: int = 20, console=None) -> None:
    """The first points with the last phase's median date and probability by the deadline; each
    varied input headed by as much of its path as tells it apart (``lab.slip_days.scale``), and
    no number or date ever wrapped or cut: a table wider than the console is printed at its width."""
    from rich import box

    console = console or _out
    table = res.table
    phase = [c.removesuffix(".p50") for c in table.columns if c.startswith("phase_") and c.endswith("_complete.p50")]
    inputs = [v.path for v in res.sweep.varies]
    shown = inputs + ([f"{phase[-1]}.p50", f"{phase[-1]}.p_by_deadline"] if phase else [])
    caption = (f"first {most} of {len(table):,} points; " if len(table) > most else "") + "every column in sweep.csv"
    title = f"{phase[-1]}: median date, P(by the deadline)" if phase else None
    t = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False, collapse_padding=True, title=title,
              title_justify="left", caption=caption, caption_justify="left")
    t.add_column("point", justify="right", no_wrap=True)
    for header in [_header_lines(n) for n in _short_paths(inputs)] + ["median", "P"][:len(shown) - len(inputs)]:
        t.add_column(header, justify="right", no_wrap=True)
    for _, row in table.head(most).iterrows():
        cells = []
        for name in shown:
            v = row[name]
            cells.append("—" if v is None or v != v else v.date().isoformat() if hasattr(v, "date")
                         else f"{v:.0%}" if name.endswith("p_by_deadline") else f"{v:.4g}" if isinstance(v, float) else str(v))
        t.add_row(str(row["point"]), *cells)
    need = Measurement.get(console, console.options.update(max_width=1000), t).maximum
    if need > console.width:
        console = Console(file=console.file, width=need, highlight=False, markup=False,
                          force_terminal=console.is_terminal, no_color=console.no_color)
    console.print(t)


def cmd_discover(args) -> int:
    from . import figures, folders
    from .analysis import discover

    folder = Path(args.sweep_dir)
    table, paths = discover.read_sweep(folder)
    res = discover.discover(table, paths, args.goal, threshold=args.threshold, peel_alpha=args.peel_alpha,
                            paste_alpha=args.paste_alpha, mass_min=args.mass_min, max_boxes=args.max_boxes,
                            max_depth=args.max_depth)
    out = folder / discover.FOLDER
    folders.check_destination(out, overwrite=True, option="SWEEP_DIR")  # an earlier discovery of rossim's only
    sweep_manifest = {"path": str(folder), "manifest_sha256": folders.file_sha256(folder / folders.MANIFEST)}
    dest = folders.Destination(out, True, {"command": ["rossim", *args.argv], "inputs": [sweep_manifest],
                                           "goal": args.goal, "settings": res.settings})
    with folders.output_dir(dest) as tmp:
        discover.write(tmp, res)
        for name, (draw, data) in discover.figure_data(res).items():
            figures.save(getattr(figures, draw)(**data), tmp / name, svg=args.svg)
    folders.refresh_manifest(folder)
    for line in discover.summary_lines(res):
        _out.print(line, soft_wrap=True)
    _out.print(f"wrote {out}/")
    return 0


def ensemble_workers(requested) -> int:
    from . import ensemble

    return max(1, ensemble.worker_count(requested, ensemble.cores()))


def cmd_report(args) -> int:
    from . import folders, report

    folder = Path(args.run_dir)
    if not folder.is_dir():
        raise InputError("does not exist (no such folder); expected a rossim run, coverage or comparison folder"
                         if not folder.exists() else "is not a folder; expected a "
                         "rossim run, coverage or comparison folder", source=str(folder))
    owner = folder if folders.is_rossim_result(folder) else folder.parent
    if not folders.is_rossim_result(owner):
        raise InputError("is not a rossim result (no rossim manifest.json here or in the folder above); "
                         "rossim writes its report only into folders it made", source=str(folder))
    folders.clean_leftovers(folder)
    path = report.write_report(folder, svg=args.svg)
    folders.refresh_manifest(owner)
    _out.print(f"wrote {path}")
    return 0


class _Terminated(KeyboardInterrupt):
    """SIGTERM, raised like Ctrl-C so that every temporary file and worker is cleaned up."""


def cmd_backtest(args) -> int:
    from . import backtest, figures, folders

    priors = [backtest.parse_prior(s) for s in args.priors or ("visiting-vehicles-2017", "fitted")]
    data = Path(args.data) if args.data else backtest.PLAN_VS_ACTUAL
    dest = None
    if args.out is not None:
        inputs = [{"path": str(data), "sha256": folders.file_sha256(data)}] if data.is_file() else []
        dest = folders.destination(args.out, args.out, overwrite=args.overwrite,
                                   provenance={"command": ["rossim", *args.argv], "inputs": inputs,
                                               "priors": [p.name for p in priors]})
    record = backtest.one_plan_per_flight(backtest.load_history(data))
    try:
        scores = [backtest.backtest(record, p) for p in priors]
        fits = backtest.compare_fits(record)
    except ValueError as exc:  # too few late launches in the table to fit
        raise InputError(f"cannot fit a prior to this table: {exc}", source=str(data)) from None
    _print_backtest(record, scores, fits)
    if dest is not None:
        with folders.output_dir(dest) as tmp:
            with folders.atomic_file(tmp / "forecasts.csv") as f:
                f.write_text(backtest_csv(scores), encoding="utf-8")
            figures.save(calibration(scores), tmp / "calibration.png")
        _out.print(f"wrote {dest.path}/")
    return 0


def calibration(scores):
    """The calibration figure of ``scores`` (rossim.backtest.Scores)."""
    import numpy as np

    from . import figures

    curves = []
    for s in scores:
        levels, cov = s.coverage_curve(np.round(np.arange(0.1, 0.96, 0.05), 2))
        curves.append(figures.CalibrationCurve(s.name[:40], levels, np.asarray(cov.value), np.asarray(cov.low),
                                               np.asarray(cov.high), s.percentile))
    n = len(scores[0].history)
    return figures.calibration_figure(curves, f"Backtest of the slip prior: {n} past launches forecast from their "
                                              "plans\n(a fitted prior forecasts each station's modules, and the "
                                              "ISS cargo flights, from a fit to the others)")


def backtest_csv(scores) -> str:
    """One row per flight and prior: its hold-out group, lead, slip, the forecast's 10/90 % slips
    and the percentile."""
    import csv
    import io

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["prior", "hold_out_group", "programme", "flight", "kind", "planned_date", "plan_published",
                "launch_date", "lead_days", "slip_days", "p10_slip_days", "p90_slip_days", "percentile"])
    for s in scores:
        h = s.history
        lo, hi = s.band(0.1, 0.9)
        for i in range(len(h)):
            w.writerow([s.name, s.groups[i], h.programme[i], h.flight[i], h.kind[i], h.planned[i], h.published[i],
                        h.launched[i], f"{h.lead_days[i]:.0f}", f"{h.slip_days[i]:.0f}", f"{lo[i]:.1f}",
                        f"{hi[i]:.1f}", f"{s.percentile[i]:.4f}"])
    return buf.getvalue()


def _print_backtest(record, scores, fits, console=None) -> None:
    """The backtest's tables: each flight's percentile under each prior, each prior's band coverage
    (with its 95 % binomial interval and the bootstrap over hold-out groups), the same for the
    modules alone, the modules' slip-lead exponent and their own fit, and the families' fit to the
    whole record."""
    import numpy as np
    from rich import box

    from . import backtest

    console = console or _out

    def show(table):
        out = console
        if not console.is_terminal:  # a file or a pipe: the table's natural width, no wrapping
            natural = Measurement.get(console, console.options.update(max_width=1000), table).maximum
            out = Console(file=console.file, width=max(console.width, natural), highlight=False, markup=False)
        out.print(table)

    h = record
    t = Table(title="Where each actual launch fell in its forecast (percentile)", box=box.SIMPLE_HEAD,
              pad_edge=False, title_justify="left")
    for col in ("programme", "flight", "lead d", "slip d"):
        t.add_column(col, justify="right" if col.endswith(" d") else "left", no_wrap=True)
    for s in scores:
        t.add_column(s.name[:24], justify="right", no_wrap=True)
    for i in range(len(h)):
        t.add_row(h.programme[i], h.flight[i], f"{h.lead_days[i]:.0f}", f"{max(h.slip_days[i], 0):.0f}",
                  *(f"{100 * s.percentile[i]:.0f}" for s in scores))
    show(t)
    groups = np.unique(scores[0].groups)
    c = Table(title=f"Coverage of the forecast bands: {len(h)} flights, one plan each (fitted priors: leave one "
                    f"group out, {len(groups)} groups: {', '.join(groups)})", box=box.SIMPLE_HEAD, pad_edge=False,
              title_justify="left",
              caption="[ ]: 95 % binomial (Wilson) interval, the flights taken as independent; by group: 95 % "
                      f"bootstrap over the {len(groups)} groups (exact); early/late: actual slips below/above the band",
              caption_justify="left")
    for col in ("prior", "in 10-90 %", "by group", "early/late", "in 25-75 %", "by group", "early/late"):
        c.add_column(col, no_wrap=True)
    pct = lambda v: f"{100 * v:.0f}"  # noqa: E731
    for s in scores:
        cells = [s.name[:24]]
        for lo, hi in ((0.1, 0.9), (0.25, 0.75)):
            cov, grp = s.coverage(lo, hi), s.group_coverage(lo, hi)
            cells += [f"{pct(cov.value)} % [{pct(cov.low)}, {pct(cov.high)}]", f"[{pct(grp.low)}, {pct(grp.high)}]",
                      "{} / {}".format(*s.misses(lo, hi))]
        c.add_row(*cells)
    show(c)
    modules = h.kind == "module"
    n_mod = int(modules.sum())
    if n_mod:
        m = Table(title=f"The {n_mod} modules alone", box=box.SIMPLE_HEAD, pad_edge=False, title_justify="left",
                  caption="[ ]: 95 % Wilson interval (optimistic: the modules come in "
                          f"{np.unique(scores[0].groups[modules]).size} groups); log score: sum of the "
                          "log-probabilities the forecasts gave the actual slips (higher is better)",
                  caption_justify="left")
        for col in ("prior", "in 10-90 %", "early/late", "in 25-75 %", "early/late", "log score"):
            m.add_column(col, no_wrap=True)
        for s in scores:
            cells = [s.name[:24]]
            for lo, hi in ((0.1, 0.9), (0.25, 0.75)):
                cov = s.coverage(lo, hi, modules)
                cells += [f"{int(s.inside(lo, hi)[modules].sum())} of {n_mod} [{pct(cov.low)}, {pct(cov.high)}]",
                          "{} / {}".format(*s.misses(lo, hi, modules))]
            cells.append(f"{s.log_score(modules):.1f}")
            m.add_row(*cells)
        show(m)
        try:
            b = backtest.lead_exponent(h.slip_days[modules], h.lead_days[modules])
            console.print(f"Modules' slip against lead (least squares, log-log): slip ~ lead^{b.value:.2f} "
                          f"[{b.low:.2f}, {b.high:.2f}] (a per-lead prior assumes lead^1, a prior in days lead^0)", soft_wrap=True)
        except ValueError:
            pass
        try:
            own = backtest.fit_recipe(h, backtest.NAMED_PRIORS["fitted-modules"]).prior
            console.print(f"Fitted to the {n_mod} modules alone (in sample, --prior fitted-modules): {own.describe()}", soft_wrap=True)
        except ValueError:
            pass
    f = Table(title="The slip families fitted to the whole record (in sample; likelihood of slips in days)",
              box=box.SIMPLE_HEAD, pad_edge=False, title_justify="left")
    for col in ("family", "parameters", "log-lik.", "AIC"):
        f.add_column(col, no_wrap=True, justify="right" if col in ("log-lik.", "AIC") else "left")
    for fit in fits:
        f.add_row(fit.prior.name, fit.prior.describe(), f"{fit.log_likelihood:.1f}", f"{fit.aic:.1f}")
    show(f)


def _on_sigterm(signum, frame):
    raise _Terminated()


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    in_main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _on_sigterm) if in_main_thread else None
    try:
        try:
            parser = _parser()
            args, extra = parser.parse_known_args(argv)
            if extra:  # said by the command's parser: "see rossim run --help"
                parser.commands[args.command].error(f"unrecognized arguments: {' '.join(extra)}")
        except SystemExit as exc:  # --help, --version: printed; nothing else to do
            return exc.code if isinstance(exc.code, int) else 0
        args.argv = argv
        return {"run": cmd_run, "validate": cmd_validate, "coverage": cmd_coverage,
                "compare": cmd_compare, "report": cmd_report, "drivers": cmd_drivers,
                "sweep": cmd_sweep, "discover": cmd_discover, "backtest": cmd_backtest}[args.command](args)
    except InputError as exc:
        print(f"rossim: error: {exc}", file=sys.stderr)
        return 2
    except _Terminated:
        print("rossim: terminated", file=sys.stderr)
        return 143
    except KeyboardInterrupt:
        print("rossim: interrupted", file=sys.stderr)
        return 130
    except OSError as exc:  # the machine, not the input: a full disk, a permission
        print(f"rossim: error: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # last resort: a defect of rossim's, not the user's input
        if os.environ.get("ROSSIM_DEBUG"):
            raise
        print(f"rossim: internal error: {type(exc).__name__}: {exc} (please report it; "
              "ROSSIM_DEBUG=1 shows the traceback)".replace("\n", " "), file=sys.stderr)
        return 1
    finally:
        if in_main_thread:
            signal.signal(signal.SIGTERM, previous)


def console() -> None:
    """The ``rossim`` program: :func:`main`, exiting with its code. A second Ctrl-C that lands
    while rossim is already exiting (after the first was handled) changes nothing: exit 130, no
    traceback."""
    sys.unraisablehook = _interrupt_again
    try:
        code = main()
    except KeyboardInterrupt:
        code = 130
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _exit(code)


def _interrupt_again(unraisable) -> None:
    """The program's :data:`sys.unraisablehook`. A Ctrl-C that lands while Python runs a finalizer
    or a weak reference's callback (matplotlib's, as a figure is drawn) cannot propagate from
    there: Python would print "Exception ignored in ... Traceback" and lose the interrupt. It is
    sent again a millisecond later (a timer: sent from here, it would land here again), to land
    in rossim's own code ("rossim: interrupted", exit 130; inside a step that defers signals,
    when the step is done). Other unraisable exceptions are reported as Python reports them."""
    if issubclass(unraisable.exc_type, KeyboardInterrupt) and threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGALRM, _send_interrupt)
        signal.setitimer(signal.ITIMER_REAL, 0.001)
        return
    sys.__unraisablehook__(unraisable)


def _send_interrupt(signum, frame) -> None:
    """SIGALRM of :func:`_interrupt_again`'s timer: the Ctrl-C, again (to this process only)."""
    signal.raise_signal(signal.SIGINT)


def _exit(code: int) -> None:
    """Exit with ``code`` as Python would, without its teardown of every module.

    At exit Python joins the threads that are not daemons, runs the ``atexit`` functions
    (logging's flush, multiprocessing's and dask's cleanups), flushes the standard streams, and
    then takes every module apart object by object: ~0.2 s after matplotlib is imported, ~0.15 s
    after the scenario models, ~0.4 s for ``rossim coverage`` (~15 % of the command), with
    nothing left to write (every output is written and closed, atomically, before :func:`main`
    returns). So: the first three as Python does them, then :func:`os._exit`. With a thread
    that is not a daemon still running, Python's own exit (it waits for the thread)."""
    if any(t is not threading.main_thread() and not t.daemon for t in threading.enumerate()):
        sys.exit(code)
    import atexit

    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # as Python's exit: a stream that cannot be flushed, status 120
            code = code or 120
    os._exit(code)


if __name__ == "__main__":  # pragma: no cover
    console()
