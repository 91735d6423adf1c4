"""Reports: the figures and tables of one experiment, or a comparison of several.

``python -m sim.report DIR [DIR ...]`` takes experiment folders and ``-m`` multirun folders (whose
numbered subfolders are experiments) and writes ``report.md`` with its ``figures/`` (into the folder
given, for a single folder, else ``--out``). ``--questions FILE`` first answers new questions from the
finished runs, without rerunning, and writes them beside the old ones (:mod:`sim.results.asked`). The
main CLI calls :func:`build_report` at the end of every experiment. Everything here reads results only
(through :func:`sim.results.load`; new questions are the one thing it writes there), never the model.

The report holds:

* the experiments (scenario, runs ok and failed, horizon, design, uncertain parameters);
* the forecast questions per scenario with their intervals (a forest plot and a table), and the numeric
  questions' quantiles;
* differences between each scenario and the first (the reference): probabilities with Newcombe
  intervals, numeric outcomes with Mann-Whitney and Kolmogorov-Smirnov p-values;
* distributions of the outcomes the questions ask about, fan charts of the daily series, and a map of who
  holds each place at the horizon;
* for experiments with uncertain parameters: which of them move ``analysis.target`` most (Sobol, Morris
  or rank correlation) and, for an event target, the parameter box in which it is most likely (PRIM).

This module is the command; the work is done in :mod:`sim.analysis.report_tables` (finding and loading
experiments, the tables), :mod:`sim.analysis.explain` (sensitivity and PRIM of the target),
:mod:`sim.analysis.report_figures` (drawing, with :mod:`sim.plots`) and :mod:`sim.analysis.report_markdown`
(the text), whose public names are importable from here.
"""

from __future__ import annotations

from collections.abc import Sequence

from sim.analysis.explain import explain
from sim.analysis.report_figures import MAX_DISTRIBUTIONS, build_report
from sim.analysis.report_tables import (
    FAN_VARIABLES,
    FIGURES,
    NOT_OUTCOMES,
    REPORT_FILE,
    Report,
    ReportError,
    check_target,
    find_experiments,
    geography,
    holder_shares,
    label_words,
    load_experiments,
    outcome_columns,
    questions_table,
    report_series,
    series_unit,
)
from sim.command import ArgumentParser, run_command
from sim.inputs import output_folder, writing
from sim.limits import clip, print_lines

__all__ = [
    "FAN_VARIABLES",
    "FIGURES",
    "MAX_DISTRIBUTIONS",
    "NOT_OUTCOMES",
    "REPORT_FILE",
    "Report",
    "ReportError",
    "build_report",
    "check_target",
    "explain",
    "find_experiments",
    "geography",
    "holder_shares",
    "label_words",
    "load_experiments",
    "main",
    "outcome_columns",
    "questions_table",
    "report_series",
    "series_unit",
]


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m sim.report DIR [DIR ...] [--out OUT] [--target ID]``; returns the exit code.

    Raises:
        sim.errors.UserError: bad input (one line; :func:`sim.command.run_command` exits 2).
    """
    ap = ArgumentParser(
        prog="python -m sim.report",
        description="Report of one experiment, or a comparison of several (experiment or multirun folders).",
    )
    ap.add_argument("folders", nargs="+", help="experiment folders, or multirun folders holding several")
    ap.add_argument("--out", help="where to write report.md and figures/ (default: the folder, if only one)")
    ap.add_argument(
        "--target", help="question id or outcome for sensitivity and PRIM (default: analysis.target)"
    )
    ap.add_argument(
        "--reference", help="the experiment the others are compared with (a label; default: the first)"
    )
    ap.add_argument(
        "--questions",
        help="YAML file of new questions: answered from the runs (no rerun) and written beside the old ones",
    )
    args = ap.parse_args(argv)
    if args.out is None and len(args.folders) > 1:
        raise ReportError("--out: needed when several folders are given")
    out = output_folder(args.out or args.folders[0], "--out" if args.out else "the folder", ReportError)
    results = load_experiments(args.folders)
    if args.reference is not None:
        if args.reference not in results:
            raise ReportError(
                f"--reference: got {args.reference!r}; allowed: {', '.join(map(repr, results))}"
            )
        results = {args.reference: results[args.reference]} | results
    if args.questions:
        _ask(results, args.questions)
    if args.target is not None:
        check_target(results, args.target)
    import matplotlib

    matplotlib.use("Agg")  # files only, whatever the environment's default backend
    with writing(out):
        report = build_report(results, out, target=args.target)
    html_page = report.path.with_suffix(".html")
    print(
        f"report of {len(results)} experiment(s): {report.path} ({len(report.figures)} figures); {html_page}"
    )
    print_lines([f"note: {clip(n, 200)}" for n in report.notes], REPORT_FILE)
    return 0


def _ask(results: dict, path: str) -> None:
    """Answer the new questions of ``path`` in each experiment (all checked first) and print them."""
    from sim.results.asked import add_questions, read_questions
    from sim.results.summary import format_summary

    asked = {label: read_questions(path, res) for label, res in results.items()}  # every one checked first
    with writing(next(iter(results.values())).path):
        for label, res in results.items():
            answers = add_questions(res, asked[label])
            shown = dict(res.summary) | {"questions": answers}
            print(f"{label}: {len(answers)} new question(s), written to {res.path}")
            blocks = format_summary(shown).split("\n\n")[1:]  # the questions' tables, not the outcomes'
            print("\n\n".join(b for b in blocks if not b.startswith("outcome")))


if __name__ == "__main__":
    run_command(main)
