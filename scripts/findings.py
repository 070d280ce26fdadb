"""Regenerate README's findings table from a fresh comparison of the shipped scenarios.

    python scripts/findings.py                 # print the table (Markdown)
    python scripts/findings.py --write-readme  # replace the table between README's markers

Runs ``rossim compare`` of the three shipped scenarios (1,000 replications each, seed as in the
scenarios, coverage over 10 days) in a temporary folder and reads each scenario's files back.
Every number carries the Monte Carlo uncertainty rossim itself reports (one method everywhere:
the table agrees with ``summary.json``, the terminal and the reports):

* a median date: ``summary.json``'s ``p50`` and its 95 % order-statistic interval
  (``p50_low``/``p50_high``), shown as "± d days" (the wider side);
* a probability by the deadline: ``probability_by_deadline`` and its Wilson interval, "± points"
  (the wider side);
* P(at least k aboard on a date): the crew of each replication rebuilt from ``events.csv`` on that
  date (checked against ``occupancy.csv`` at its nearest grid date), with its Wilson interval.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ["ross_high_latitude", "ros_iss_orbit", "ross_angara_trouble"]
HEADINGS = ["high latitude (97°)", "51.6°, on the ISS segment", "high latitude, Angara in trouble"]
START, END = "<!-- findings:start -->", "<!-- findings:end -->"


def run_comparison(folder: Path, n: int, days: float) -> Path:
    from rossim import cli

    out = folder / "compare"
    argv = ["compare", *(str(ROOT / "scenarios" / f"{s}.toml") for s in SCENARIOS), "-n", str(n),
            "--days", str(days), "--out", str(out)]
    if cli.main(argv) != 0:
        sys.exit("rossim compare failed")
    return out


def summary_entry(run_dir: Path, name: str) -> dict:
    return json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))["milestones"][name]


def median_text(entry: dict) -> str:
    """A milestone's median month and the wider half of its 95 % interval (days), from its
    ``summary.json`` entry; "after the horizon" when the median is."""
    if entry["p50"] is None:
        return "after the horizon"
    med = dt.date.fromisoformat(entry["p50"])
    text = med.strftime("%b %Y")
    if entry.get("p50_high") is None:
        return f"{text} (upper bound past the horizon)"
    half = max((med - dt.date.fromisoformat(entry["p50_low"])).days,
               (dt.date.fromisoformat(entry["p50_high"]) - med).days)
    return f"{text} (± {half} d)"


def share_text(p: float, low: float, high: float) -> str:
    """A share in percent and the wider half of its interval in points."""
    return f"{100 * p:.0f} % ± {100 * max(p - low, high - p):.1f}"


def wilson_text(hits: int, n: int) -> str:
    from rossim import montecarlo

    iv = montecarlo.proportion(hits, n)
    return share_text(float(iv.value), float(iv.low), float(iv.high))


def crew_aboard_on(run_dir: Path, day: float) -> list[int]:
    """Each replication's crew aboard at ``day`` (days since the run's start), from the crew
    arrivals and departures of ``events.csv`` (the crew at a change is the new one)."""
    n = json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))["replications"]
    aboard = [0] * n
    with open(run_dir / "events.csv", newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            if r["kind"] in ("crew_arrived", "crew_departed") and float(r["day"]) <= day:
                count = int(r["detail"].split(" ", 1)[0])
                aboard[int(r["replication"])] += count if r["kind"] == "crew_arrived" else -count
    return aboard


def at_least_on(run_dir: Path, level: int, date: dt.date) -> str:
    """P(at least ``level`` aboard on ``date``) with its error; checked against the run's
    occupancy.csv at its grid date nearest ``date`` (the same step functions, another date)."""
    start = dt.date.fromisoformat(json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))["start"])
    crews = crew_aboard_on(run_dir, (date - start).days)
    with open(run_dir / "occupancy.csv", newline="", encoding="utf-8") as f:
        grid = min(csv.DictReader(f), key=lambda r: abs((dt.date.fromisoformat(r["date"]) - date).days))
    check = crew_aboard_on(run_dir, float(grid["day"]))
    if abs(sum(c >= level for c in check) / len(check) - float(grid[f"p_at_least_{level}"])) > 1e-5:
        print(f"warning: {run_dir.name}: crew rebuilt from events.csv disagrees with occupancy.csv on "
              f"{grid['date']}", file=sys.stderr)
    return wilson_text(sum(c >= level for c in crews), len(crews))


def table(out: Path, days: float) -> str:
    comp = json.loads((out / "comparison.json").read_text(encoding="utf-8"))
    deadline = dt.date.fromisoformat(comp["deadline"])
    runs = [out / s for s in SCENARIOS]
    last_year = dt.date.fromisoformat(json.loads((runs[0] / "summary.json").read_text(encoding="utf-8"))["horizon"])
    last_year = (last_year - dt.timedelta(days=184)).year  # the last 1 July within the horizon
    median = lambda name: lambda r: median_text(summary_entry(r, name))  # noqa: E731
    rows = [
        ("phase 2 complete, median", median("phase_2_complete")),
        (f"P(phase 2 by {deadline:%d %b %Y})",
         lambda r: share_text(*(summary_entry(r, "phase_2_complete")[f"probability_by_deadline{k}"]
                                for k in ("", "_low", "_high")))),
        ("room for 4 crew, median (modules)", median("room_for_4")),
        ("4 crew aboard possible, median (with return seats)", median("capacity_4")),
        ("hosting 2 routinely, median (at least 2 aboard 90 % of the next 365 days)", median("hosting_2")),
        ("hosting 4 routinely, median (at least 4 aboard 90 % of the next 365 days)", median("hosting_4")),
        (f"P(at least 4 aboard on 1 July {deadline.year})", lambda r: at_least_on(r, 4, dt.date(deadline.year, 7, 1))),
        (f"P(at least 4 aboard on 1 July {last_year})", lambda r: at_least_on(r, 4, dt.date(last_year, 7, 1))),
    ]
    lines = ["| | " + " | ".join(HEADINGS) + " |", "|---" * (len(HEADINGS) + 1) + "|"]
    for label, cell in rows:
        lines.append(f"| {label} | " + " | ".join(cell(r) for r in runs) + " |")
    cov = {row["key"]: row["values"] for row in comp["rows"] if row["statistic"] == "percent_area_observed"}
    if cov:
        cells = []
        for s in SCENARIOS:
            cells.append(" / ".join(f"{cov[k][s]:.0f}" if cov[k].get(s) is not None else "—"
                                    for k in ("coverage_russia", "coverage_arctic", "coverage_nsr")) + " %")
        lines.append(f"| Russia / Arctic zone / NSR seen by the {comp['coverage_instrument']} in {days:g} days | "
                     + " | ".join(cells) + " |")
    n = sum(1 for _ in open(runs[0] / "replications.csv", encoding="utf-8")) - 1
    lines.append("")
    lines.append(f"{n:,} replications per scenario; ± is the wider half of the 95 % Monte Carlo interval "
                 "(probabilities: Wilson; medians: order statistics), as rossim reports it. Regenerate with `python scripts/findings.py --write-readme`.")
    return "\n".join(lines)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("-n", type=int, default=1000, help="replications per scenario")
    p.add_argument("--days", type=float, default=10.0, help="coverage span (days)")
    p.add_argument("--write-readme", action="store_true", help="replace the table in README.md")
    args = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="rossim-findings-") as tmp:
        text = table(run_comparison(Path(tmp), args.n, args.days), args.days)
    if not args.write_readme:
        print(text)
        return
    readme = ROOT / "README.md"
    body = readme.read_text(encoding="utf-8")
    if START not in body or END not in body:
        sys.exit(f"README.md has no {START} ... {END} markers")
    head, rest = body.split(START, 1)
    _, tail = rest.split(END, 1)
    readme.write_text(f"{head}{START}\n{text}\n{END}{tail}", encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
