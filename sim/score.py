"""Score forecasts against what happened: ``python -m sim.score RESULTS_DIR RESOLUTIONS.yaml``.

``RESULTS_DIR`` is an experiment folder or a multirun folder (every experiment scored, one table).

A resolutions file records what happened to some of the forecast questions (``configs/questions/``)::

    resolutions:
      - question: east_govt_falls       # a question id of the experiment
        outcome: true                   # yes/no questions: did it happen (within the question's horizon)
        date: 2020-09-13                # when it resolved
        source: https://...             # where that is recorded (required)
        base_rate: 0.2                  # optional: a climatological probability to compare with
        event: east_govt_resigns_2020   # optional: the fact it resolves on (default: the question id)
      - question: front_line_km         # numeric questions (op: quantiles): the value that happened
        value: 443
        date: 2020-12-04
        source: ...

Scores (lower is better, :mod:`sim.analysis.scoring`): Brier and log score for yes/no questions, next to
the same scores of two reference forecasts (every question at 0.5, and the base rate where given); CRPS of
the run ensemble for numeric ones. ``scores.json`` and ``figures/scores.png`` (plus
``figures/reliability.png`` with at least ``RELIABILITY_MIN`` yes/no questions) go into the results
folder, or ``--out``. Questions not modelled in the experiment's scenario are skipped and listed.

**In-sample and out-of-sample.** A question whose fact (``event``) the model was fitted to is in-sample:
a parameter was set by hand to reproduce it (the theatre's ``analysis.tuned``), or the experiment draws
from a posterior calibrated on it (``+calibrated=<name>``). Its score shows the fit, not skill. Every
question is marked (``sample``: in or out, and ``fitted``: how), the scores are given for all questions,
then for the out-of-sample ones on their own line (``overall.out_sample`` in ``scores.json``), then for
the in-sample ones; the figure labels in-sample questions.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from sim.analysis.forecast_scores import FIELDS, ScoreError, load_resolutions, score  # noqa: F401 (FIELDS re-exported)
from sim.analysis.scoring import reliability
from sim.command import ArgumentParser, run_command
from sim.inputs import output_folder, writing
from sim.limits import clip, print_lines
from sim.results import load, write_json

__all__ = ["RELIABILITY_MIN", "ScoreError", "load_resolutions", "main", "score"]

RELIABILITY_MIN = 8  # yes/no questions needed for a reliability diagram
SCORES_FILE = "scores.json"


def _figures(scores: dict[str, Any], folder: Path, label: str | None = None) -> list[Path]:

    from sim.figures import plot_reliability, plot_scores, save_png

    folder.mkdir(parents=True, exist_ok=True)
    written = []
    table = pd.DataFrame([x for x in scores["questions"] if x["kind"] == "binary"])
    if len(table):
        mark = table["sample"].map({"in": " [in-sample]"}).fillna("")
        table["text"] = table["text"] + mark
    figures = []
    if len(table):
        scenario = scores["experiment"]["scenario"]
        figures.append(("scores", plot_scores(table, scenario=scenario, where=SCORES_FILE)[0]))
    if len(table) >= RELIABILITY_MIN:
        rel = reliability(table["forecast"], table["outcome"].astype(float))
        figures.append(("reliability", plot_reliability(rel, n=len(table))[0]))
    suffix = "" if label is None else "_" + "".join(c if c.isalnum() else "_" for c in label).strip("_")
    for name, fig in figures:
        written.append(save_png(fig, folder / f"{name}{suffix}.png"))
    return written


def _sample_lines(scores: dict[str, Any]) -> list[str]:
    """The yes/no scores of the out-of-sample questions, then of the in-sample ones."""
    lines = []
    for k, what in (("out", "out-of-sample"), ("in", "in-sample (the model was fitted to these facts)")):
        b = scores["overall"][f"{k}_sample"]["binary"]
        ids = [x["question"] for x in scores["questions"] if x["kind"] == "binary" and x["sample"] == k]
        if b:
            named = ", ".join(clip(i, 40) for i in ids[:6]) + (", ..." if len(ids) > 6 else "")
            lines.append(
                f"  {what}: {b['n']:,} ({named}): "
                f"Brier {b['brier']:.3f}, Brier skill vs 0.5: {b['brier_skill_vs_half']:+.2f}"
            )
        else:
            lines.append(f"  {what}: none")
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m sim.score RESULTS_DIR RESOLUTIONS.yaml [--out DIR]``; returns the exit code.

    ``RESULTS_DIR`` may be a multirun folder: each experiment is scored, and one table across the
    scenarios is printed and written (``scores.json``: ``experiments`` and ``table``).

    Raises:
        sim.errors.UserError: bad input (one line; :func:`sim.command.run_command` exits 2).
    """
    ap = ArgumentParser(prog="python -m sim.score", description=__doc__.splitlines()[0])
    ap.add_argument("results", help="a finished experiment folder, or a multirun folder")
    ap.add_argument("resolutions", help="YAML file of resolved questions")
    ap.add_argument("--out", help="where to write scores.json and figures/ (default: the results folder)")
    args = ap.parse_args(argv)
    out = output_folder(args.out or args.results, "--out" if args.out else "results folder", ScoreError)
    found = load(args.results, variables=[])  # scores read the runs only, not the series
    experiments = found if isinstance(found, dict) else {found.scenario: found}
    all_scores = {
        label: score(res, load_resolutions(args.resolutions, res.config.get("questions", {})))
        for label, res in experiments.items()
    }
    import matplotlib

    matplotlib.use("Agg")
    several = isinstance(found, dict)
    with writing(out):
        figures = [
            f
            for label, sc in all_scores.items()
            for f in _figures(sc, out / "figures", label if several else None)
        ]
        if several:
            table = [
                {"scenario": label, **row} for label, sc in all_scores.items() for row in sc["questions"]
            ]
            write_json({"experiments": all_scores, "table": table}, out / SCORES_FILE)
        else:
            write_json(all_scores[found.scenario], out / SCORES_FILE)
    for label, scores in all_scores.items():
        if several:
            print(f"{label}:")
        _print(scores)
    if several:
        _print_table(all_scores)
    print(f"scores: {out / SCORES_FILE}; figures: {', '.join(str(f) for f in figures) or 'none'}")
    return 0


def _print(scores: dict[str, Any]) -> None:
    """One experiment's scores on the terminal."""
    b = scores["overall"]["binary"]
    if b:
        print(
            f"{b['n']:,} yes/no questions: Brier {b['brier']:.3f} (0.5 everywhere: 0.250), "
            f"log {b['log']:.3f} (0.5: {math.log(2):.3f}), "
            f"Brier skill vs 0.5: {b['brier_skill_vs_half']:+.2f}"
        )
        print_lines(_sample_lines(scores), SCORES_FILE)
    numeric = [
        f"{clip(x['question'], 40)}: CRPS {x['crps']:,.1f} "
        f"(value {x['value']:,}, ensemble median {x['median']:,.0f})"
        for x in scores["questions"]
        if x["kind"] == "numeric"
    ]
    print_lines(numeric, SCORES_FILE)
    print_lines([f"skipped {clip(s['question'], 40)}: {s['why']}" for s in scores["skipped"]], SCORES_FILE)
    print_lines([f"note: {clip(n, 200)}" for n in scores["notes"]], SCORES_FILE)


def _print_table(all_scores: dict[str, dict[str, Any]]) -> None:
    """Brier score of each yes/no question (rows) in each scenario (columns)."""
    rows = [{"scenario": label, "question": x["question"] + (" [in-sample]" if x["sample"] == "in" else ""),
             "brier": x["brier"]} for label, sc in all_scores.items() for x in sc["questions"]
            if x["kind"] == "binary"]  # fmt: skip
    if not rows:
        return
    wide = pd.DataFrame(rows).pivot(index="question", columns="scenario", values="brier")
    wide = wide[[c for c in all_scores if c in wide.columns]]
    print("Brier score by question and scenario (lower is better):")
    print_lines(wide.to_string(float_format=lambda v: f"{v:.3f}", na_rep="-").splitlines(), SCORES_FILE)


if __name__ == "__main__":
    run_command(main)
