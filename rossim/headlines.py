"""Plain-language summaries: three sentences at the top of each report, made from its data.

Each sentence says what a reader would quote, with the Monte Carlo error of every estimate
beside it: a date is "June 2035 (± 3 months, Monte Carlo)", the wider half of the 95 % interval
of that median (``summary.json``'s ``p50_low`` / ``p50_high``), in days up to
:data:`DAYS_UP_TO` and in months (of :data:`DAYS_PER_MONTH`) beyond; a probability is "17 %
(± 12 points)", the wider half of its 95 % Wilson interval in percentage points (to a tenth below
one point, "0 % (± 0.4 points)", as the report's tables give it); a mean likewise from
``mean_low`` / ``mean_high``. Coverage is one deterministic propagation: no error, and the
sentence says so. Nothing here is computed anew: every number is read from ``summary.json``,
``coverage_summary.json`` or a :class:`rossim.compare.Comparison` and only rounded for reading.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Sequence

__all__ = ["run_sentences", "campaigns", "forced_event", "comparison_sentences", "coverage_sentences",
           "describe_orbit", "describe_span", "date_error", "month_year", "points", "DAYS_UP_TO", "DAYS_PER_MONTH"]

#: Errors of dates up to this many days are said in days, longer ones in months.
DAYS_UP_TO = 60
#: Days of a month when an error is said in months (the mean Gregorian month).
DAYS_PER_MONTH = 365.2425 / 12
_WORDS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight", 9: "nine"}


def _count(n: int) -> str:
    return _WORDS.get(n, f"{n:,}")


def month_year(iso: str) -> str:
    """"June 2035" of an ISO date."""
    return f"{dt.date.fromisoformat(iso):%B %Y}"


def date_error(entry: dict, stat: str = "p50") -> str | None:
    """The Monte Carlo error of a date quantile of ``summary.json`` in words: "± 45 days",
    "± 3 months", "at least 120 days earlier, later unbounded" when its interval reaches past the
    horizon; None without an interval (an older folder) or without the date."""
    from .compare import date_error_days

    err = date_error_days(entry, stat)
    if err is None:
        return None
    below, above = err
    if above is None:
        return f"− {_span(below)}, no upper bound within the horizon"
    return f"± {_span(max(below, above))}"


def _span(days: int) -> str:
    if days <= DAYS_UP_TO:
        return f"{days} day{'' if days == 1 else 's'}"
    months = round(days / DAYS_PER_MONTH)
    return f"{months} month{'' if months == 1 else 's'}"


def points(half: float) -> str:
    """An error in percentage points as said: whole points, a tenth below one ("0.4", never a
    bare "0" for an error that is not zero), the rule of :func:`rossim.compare.share_pm`."""
    return f"{half:.0f}" if half >= 0.95 else f"{half:.1f}"


def _share(entry: dict, key: str) -> str:
    """"17 % (± 12 points)" of a probability of ``summary.json`` and its Wilson interval; at an
    end, where the interval is one-sided, "0 % (at most 7 %)" or "100 % (at least 93 %)"."""
    p = entry[key]
    lo, hi = entry.get(f"{key}_low"), entry.get(f"{key}_high")
    if lo is None or hi is None:
        return f"{100 * p:.0f} %"
    if p <= 0.0:
        return f"0 % (at most {points(100 * hi)} %)"
    if p >= 1.0:
        return f"100 % (at least {100 - float(points(100 * (1 - lo))):g} %)"
    return f"{100 * p:.0f} % (± {points(100 * max(p - lo, hi - p))} points)"


def _mean(q: dict, fmt: str, scale: float = 1.0, unit: str = "", suffix: str = "") -> str:
    """A mean of ``summary.json`` (times ``scale``, then ``suffix``) with its 95 % interval's wider
    half: "5,291 (± 256)", "47 % (± 2 points)"; the median, bare, in a folder written without means."""
    if q.get("mean") is None:
        return fmt.format(scale * q["p50"]) + suffix
    text = fmt.format(scale * q["mean"]) + suffix
    if q.get("mean_low") is None or q.get("mean_high") is None:
        return text
    half = scale * max(q["mean"] - q["mean_low"], q["mean_high"] - q["mean"])
    return f"{text} (± {points(half) if unit == ' points' else fmt.format(half)}{unit})"


def _levels(milestones: Sequence[str], prefix: str) -> list[int]:
    return sorted(int(m[len(prefix):]) for m in milestones if m.startswith(prefix) and m[len(prefix):].isdigit())


def _crew_milestone(milestones: Sequence[str]) -> tuple[str, str] | None:
    """(milestone, what it means in words) of the largest crew the runs reach: ``hosting_N`` (N
    aboard routinely), else ``capacity_N`` (room for N); None when neither is reported."""
    for prefix, words in (("hosting_", "hosts {} cosmonauts routinely"), ("capacity_", "has room for {} crew")):
        levels = _levels(milestones, prefix)
        if levels:
            return f"{prefix}{levels[-1]}", words.format(_count(levels[-1]))
    return None


def _last_phase(milestones: Sequence[str]) -> tuple[str, int] | None:
    phases = [int(m.split("_")[1]) for m in milestones if m.startswith("phase_") and m.endswith("_complete")
              and m.split("_")[1].isdigit()]
    return (f"phase_{max(phases)}_complete", max(phases)) if phases else None


def _when(entry: dict, horizon: str) -> str:
    """"in June 2035 (median; ± 3 months, Monte Carlo)" or, when the median is after the horizon,
    "in only 17 % (± 12 points) of them before the simulation ends (<horizon>)"."""
    if entry.get("p50") is None:
        return f"in only {_share(entry, 'probability')} of them before the simulation ends ({horizon})"
    err = date_error(entry)
    return f"in {month_year(entry['p50'])} (median" + (f"; {err}, Monte Carlo)" if err else ")")


def _ordinal(k: int) -> str:
    return f"{k}{'th' if 10 <= k % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(k % 10, 'th')}"


def forced_event(entry: dict) -> str:
    """A forced event of ``summary.json``'s ``what_if`` in words: "the 1st angara_a5m launch
    forced to fail"; an entry of an unknown kind as its TOML keys."""
    if "launch_fails" in entry:
        return f"the {_ordinal(entry.get('nth', 1))} {entry['launch_fails']} launch forced to fail"
    if "docking_fails" in entry:
        return f"the {_ordinal(entry.get('attempt', 1))} docking attempt of {entry['docking_fails']} forced to fail"
    if "pad_out" in entry:
        return f"{entry['pad_out']} out of use for {entry.get('days', 0):g} days from {entry.get('from')}"
    if "slip" in entry:
        return f"{entry['slip']} forced {entry.get('days', 0):g} days late"
    return ", ".join(f"{k} = {v}" for k, v in entry.items())


def campaigns(summary: dict) -> str:
    """The campaigns a run's numbers are over, in words: "1,000 simulated campaigns of “T”";
    a run with ``--where`` says which it kept, "the 663 of 2,000 simulated campaigns of “T” where
    launch_failures.angara_a5m == 1", one with forced events says them."""
    title = summary.get("title") or summary["scenario"]
    text = f"{summary['replications']:,} simulated campaigns of “{title}”"
    if summary.get("where") and summary.get("of"):
        text = (f"the {summary['replications']:,} of {summary['of']:,} simulated campaigns of “{title}” where "
                + " and ".join(summary["where"]))
    if summary.get("what_if"):
        text += ", with " + " and ".join(forced_event(e) for e in summary["what_if"])
    return text


def run_sentences(summary: dict) -> list[str]:
    """Three sentences on a run (``summary.json``): when the station first hosts its largest
    crew routinely, when its assembly is complete and by the deadline how likely, and how much it
    is crewed. The first says which campaigns they are (:func:`campaigns`)."""
    ms = summary["milestones"]
    out = []
    crew = _crew_milestone(list(ms))
    if crew:
        first = "first " if ms[crew[0]].get("p50") else ""
        out.append(f"In {campaigns(summary)}, the station {first}{crew[1]} "
                   f"{_when(ms[crew[0]], summary['horizon'])}.")
    last = _last_phase(list(ms))
    if last:
        e = ms[last[0]]
        out.append(f"Its assembly (phase {last[1]}) is complete by the {summary['deadline']} deadline in "
                   f"{_share(e, 'probability_by_deadline')} of the campaigns, "
                   + (f"and half of them complete it by {month_year(e['p50'])}"
                      + (f" ({date_error(e)}, Monte Carlo)" if date_error(e) else "") if e.get("p50") else
                      f"and in more than half it is not complete when the simulation ends ({summary['horizon']})")
                   + ".")
    fc, pd_ = summary["fraction_crewed"], summary["person_days"]
    how = ("on average", "means over the campaigns, ± their 95 % Monte Carlo error") \
        if fc.get("mean") is not None else ("in the median campaign", "medians over the campaigns")
    out.append(f"From {summary['start']} to {summary['horizon']}, it is crewed "
               f"{_mean(fc, '{:.0f}', 100.0, ' points', ' %')} of the time {how[0]}, "
               f"{_mean(pd_, '{:,.0f}')} person-days aboard "
               f"in all ({how[1]}).")
    return out


def comparison_sentences(comp) -> list[str]:
    """Three sentences on a comparison (:class:`rossim.compare.Comparison`), each scenario's
    numbers from its ``summary.json``: its largest common crew milestone, its assembly by the
    deadline, and coverage of Russia and the Arctic zone (or person-days without coverage); a fourth
    on coverage over the campaign when the runs have it
    (:func:`rossim.campaign_coverage_compare.comparison_sentence`)."""
    from .compare import common_milestones

    runs = comp.runs
    common = common_milestones(runs)
    sizes = sorted({r.n for r in runs})
    each = f"{sizes[0]:,} simulated campaigns each" if len(sizes) == 1 else "simulated campaigns"
    out = []
    crew = _crew_milestone(common)
    if crew:
        parts = [f"{r.label} {_when(r.summary['milestones'][crew[0]], r.summary['horizon'])}" for r in runs]
        out.append(f"In {each}, the station first {crew[1]}: " + "; ".join(parts) + ".")
    last = _last_phase(common)
    if last:
        parts = [f"{_share(r.summary['milestones'][last[0]], 'probability_by_deadline')} for {r.label}"
                 + ("" if len({x.summary['deadline'] for x in runs}) == 1 else f" (by {r.summary['deadline']})")
                 for r in runs]
        deadline = runs[0].summary["deadline"]
        out.append(f"The chance that the assembly (phase {last[1]}) is complete by "
                   f"{'the ' + deadline + ' deadline' if len({x.summary['deadline'] for x in runs}) == 1 else 'each deadline'}"
                   f" is " + ", ".join(parts) + ".")
    seen = [r for r in runs if r.coverage and comp.instrument]
    if seen:
        parts = []
        for r in seen:
            regions = r.coverage["regions"]
            pct = [regions.get(k, {}).get(comp.instrument, {}).get("percent_area_observed") for k in ("russia", "arctic")]
            parts.append(f"{r.label} {_pct(pct[0])} of Russia and {_pct(pct[1])} of the Arctic zone in "
                         f"{_days(r.coverage['span']['days'])}")
        out.append(f"With its {comp.instrument}, the station observes: " + "; ".join(parts)
                   + " (one orbit propagation each: no Monte Carlo error).")
    else:
        out.append("Person-days aboard over the run, the mean over campaigns (± its 95 % Monte Carlo error): "
                   + "; ".join(f"{r.label} {_mean(r.summary['person_days'], '{:,.0f}')}" for r in runs) + ".")
    from .campaign_coverage_compare import comparison_sentence

    campaign = comparison_sentence(comp)
    if campaign:
        out.append(campaign)
    return out


def area_percent(pct: float, space: str = " ") -> str:
    """A share of a region in words: whole percents, but as many decimals as needed near 100 % so
    that a share short of the whole never reads "100 %" ("99.6 %", "99.96 %"); ``space`` before "%"
    (a no-break space in a title that may wrap)."""
    if 99.5 <= pct < 100.0:
        digits = 1 if pct < 99.95 else 2
        return f"{math.floor(pct * 10 ** digits) / 10 ** digits:.{digits}f}{space}%"
    return f"{pct:.0f}{space}%"


def _pct(v) -> str:
    return "none" if v is None else area_percent(v)


def _days(days: float) -> str:
    return f"{days:g} day" + ("" if days == 1 else "s")


def _hours(h) -> str:
    return f"{h:,.1f} hours"


def describe_orbit(orbit: dict) -> str:
    """An orbit of ``coverage_summary.json`` in words: "a circular orbit 387 km up on average,
    inclined 96.95°, sun-synchronous, crossing the equator northbound at 13:30 local solar time (one
    revolution every 92.1 minutes)"; the height is the mean height above the ellipsoid (what a
    reader means by "an orbit at 387 km"), else ``altitude_km``; what the summary lacks is left out."""
    def num(key):
        v = orbit.get(key)
        return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None

    alt, inc, ecc, ltan, raan, period, mean = (num(k) for k in (
        "altitude_km", "inclination_deg", "eccentricity", "ltan_h", "raan_deg", "period_min", "mean_altitude_km"))
    shape = "circular orbit" if not ecc else f"orbit of eccentricity {ecc:g}"
    if mean is not None:
        text = f"a {shape} {mean:,.0f} km up on average,"
    else:  # an older summary: the height as given (the Brouwer convention)
        text = "a" + (f" {alt:,.0f} km" if alt is not None else "") + f" {shape}"
    if inc is not None:
        text += f" inclined {inc:.2f}°"
    if orbit.get("sun_synchronous") is True:
        text += ", sun-synchronous"
    if ltan is not None:
        minutes = round(ltan * 60) % (24 * 60)
        text += f", crossing the equator northbound at {minutes // 60:02d}:{minutes % 60:02d} local solar time"
    elif raan is not None:
        text += f", ascending node at {raan:.1f}° right ascension"
    if period is not None:
        text += f" (one revolution every {period:.1f} minutes)"
    return text


def describe_span(span: dict) -> str:
    """"1 day from 20 March 2029, 00:00 UTC" of ``coverage_summary.json``'s span."""
    start = dt.datetime.fromisoformat(str(span["start"]).replace("Z", "+00:00"))
    return f"{_days(float(span['days']))} from {start.day} {start:%B %Y, %H:%M} UTC"


def coverage_sentences(cov: dict, instrument: str | None = None) -> list[str]:
    """Three sentences on a coverage run (``coverage_summary.json``) for ``instrument`` (default:
    radar, else the first): the share of Russia observed, how soon half of it is and how often a
    place is revisited, and the Arctic zone and Northern Sea Route."""
    regions = cov.get("regions") or {}
    names = list(cov.get("instruments") or [])
    inst = instrument or ("radar" if "radar" in names else names[0] if names else None)
    russia = (regions.get("russia") or {}).get(inst) if inst else None
    if russia is None:
        return [f"From {describe_orbit(cov['orbit'])}, over {describe_span(cov['span'])}: no instrument observes Russia."]
    out = [f"From {describe_orbit(cov['orbit'])}, the station's {inst} observes "
           f"{_pct(russia['percent_area_observed'])} of Russia's area in {_days(float(cov['span']['days']))}."]
    t50, rev = russia.get("time_to_50pct_h"), russia.get("revisit_mean_h")
    out.append((f"Half of Russia is observed after {_hours(t50)}" if t50 is not None else
                f"Half of Russia is not observed within the {_days(float(cov['span']['days']))}")
               + (f"; a place observed at least twice is seen again every {_hours(rev)} on average."
                  if rev is not None else "; no place is observed twice."))
    arctic = (regions.get("arctic") or {}).get(inst) or {}
    nsr = (regions.get("nsr") or {}).get(inst) or {}
    out.append(f"It observes {_pct(arctic.get('percent_area_observed'))} of the Arctic zone and "
               f"{_pct(nsr.get('percent_area_observed'))} of the Northern Sea Route; these figures come from one "
               "deterministic orbit propagation, so they carry no Monte Carlo error.")
    return out
