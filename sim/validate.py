r"""Pattern-oriented validation of a finished experiment: ``python -m sim.validate``.

Give a results folder and a patterns file (sourced patterns of the record, format in
:mod:`sim.analysis.patterns`)::

    python -m sim.validate outputs/2026-12-02/10-00-00 seeds/patterns_2020.yaml

Each pattern is set against the ensemble: every point's observation against the runs' 90 % band of the
same statistic, and the share of runs matching every point at once. A pattern the experiment was fitted
to (``analysis.tuned``, or a ``+calibrated`` posterior's observations) is marked in-sample. It prints a
line per pattern and the tally, and writes ``validation.json``, ``validation.md`` (the section, also
added to ``report.md`` by ``python -m sim.report``) and ``figures/validation.png`` (the observed patterns
over the ensemble's bands) into the results folder, or ``--out``. Points dated after the experiment's
horizon are left out, with a note; a pattern whose series has no value in the experiment (its mechanism
off) is reported as not checked.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from sim.analysis.forecast_scores import fitted_events
from sim.analysis.patterns import compare, load_patterns
from sim.analysis.report_validation import FIGURE, VALIDATION_FILE, summary_line, validation_section
from sim.analysis.series import fan_bands
from sim.command import ArgumentParser, run_command
from sim.inputs import output_folder, writing
from sim.limits import clip, print_lines
from sim.results import atomic_write, load_experiment, write_json
from sim.results.summary import proportion_interval

__all__ = ["SECTION_FILE", "main"]

SECTION_FILE = "validation.md"


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m sim.validate RESULTS PATTERNS.yaml [--out DIR]``; returns the exit code.

    Raises:
        sim.errors.UserError: bad input (one line; :func:`sim.command.run_command` exits 2).
    """
    from sim.analysis.patterns import ValidationError

    ap = ArgumentParser(prog="python -m sim.validate", description=__doc__.splitlines()[0])
    ap.add_argument("results", help="a finished experiment folder")
    ap.add_argument("patterns", help="YAML file of sourced patterns (format: sim/analysis/patterns.py)")
    ap.add_argument("--out", help="where to write validation.json/.md and figures/ (default: the results)")
    args = ap.parse_args(argv)
    out = output_folder(args.out or args.results, "--out" if args.out else "results folder", ValidationError)
    read: dict[str, Any] = {}

    def needed(config: dict[str, Any], summary: dict[str, Any]) -> list[str] | None:
        """The series the patterns read (read once, here): an ensemble's other series are not loaded."""
        declared = sorted(summary.get("series") or {})  # every variable the runs recorded
        if not declared:  # results written before the summary listed them: load all, check after
            return None
        e = summary["experiment"]
        read["patterns"] = load_patterns(
            args.patterns, str(e["start_date"]), int(e["horizon_days"]), declared
        )
        return sorted({p.variable for p in read["patterns"]})

    res = load_experiment(args.results, variables=needed)
    e = res.summary["experiment"]
    start, horizon = str(e["start_date"]), int(e["horizon_days"])
    patterns = read.get("patterns") or load_patterns(
        args.patterns, start, horizon, sorted(res.series["variable"].unique().tolist())
    )
    ok = res.runs[res.runs["status"] == "ok"].reset_index(drop=True)
    series = res.series[res.series["run_id"].isin(ok["run_id"])]
    a = res.config.get("analysis") or {}
    method, level = str(a.get("interval", "wilson")), float(a.get("confidence", 0.9))
    compared = compare(patterns, ok, series, fitted_events(res.config),
                       lambda k, n: proportion_interval(k, n, method, level))  # fmt: skip
    doc = {
        "experiment": {k: e.get(k) for k in ("scenario", "start_date", "horizon_days")} | {"ok": len(ok)},
        "file": str(args.patterns),
        "summary": summary_line(compared),
        "patterns": compared,
    }
    with writing(out):  # validation.json last: sim.report includes the section once it is there
        figure = _figure(compared, series, res.summary.get("series") or {}, doc, out)
        lines = validation_section(doc, FIGURE)
        atomic_write(out / SECTION_FILE, lambda p: Path(p).write_text("\n".join(lines[1:]) + "\n"))
        write_json(doc, out / VALIDATION_FILE)
    print_lines([_line(c) for c in compared], VALIDATION_FILE)
    later = [c["id"] for c in compared if c["later"]]
    if later:
        print(f"note: points dated after the horizon (day {horizon}) left out, of {', '.join(later)}")
    print(doc["summary"])
    print(f"validation: {out / SECTION_FILE}, {out / VALIDATION_FILE}; figure: {figure}")
    if not args.out:
        print(f"(python -m sim.report {args.results} adds the section to its report.md)")
    return 0


def _line(c: dict[str, Any]) -> str:
    """One pattern: its id and scale, in or out of sample, the verdict, the runs matching every point."""
    j = c["joint"]
    joint = ""
    if j:
        interval = f"[{100 * j['low']:.0f}, {100 * j['high']:.0f}]"
        joint = f"; runs matching every point {100 * j['share']:.0f} % {interval}"
    sample = "out-of-sample" if c["sample"] == "out" else "in-sample"
    head = f"{clip(c['id'], 30)} ({clip(c['scale'], 40)}, {sample})"
    return f"{head}: {c['status']}, {c['reason']}{joint}"


def _figure(compared, series, described: dict[str, Any], doc: dict[str, Any], out: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    from sim.figures import save_png
    from sim.plots import plot_patterns

    bands = {}
    for v in {c["variable"] for c in compared}:
        values = series.loc[series["variable"] == v, "value"].to_numpy(dtype=float)
        if np.isfinite(values).any():
            bands[v] = fan_bands(series, v)
    units = {v: str((described.get(v) or {}).get("unit", "")) for v in bands}
    e = doc["experiment"]
    fig, _ = plot_patterns(compared, bands, str(e["start_date"]), scenario=str(e.get("scenario", "")),
                           units=units, where=VALIDATION_FILE)  # fmt: skip
    return save_png(fig, out / FIGURE)


if __name__ == "__main__":
    run_command(main)
