"""The three commands: ``compare``, ``explain`` and ``report``; each returns an exit status."""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import shlex
import sys

from ..report._data import load_dataset
from ..report._words import cv_text, libraries_text, verdict_lines
from ..report._settings import Settings
from . import _checks
from ._errors import EXIT_OK, PROG, UsageError
from ._session import files_only_backend
from ._text import print_explanation


def settings_from(args: argparse.Namespace) -> Settings:
    """The :class:`Settings` the parsed options give; options a command lacks keep their default."""
    return Settings(**{f.name: getattr(args, f.name) for f in dataclasses.fields(Settings)
                       if hasattr(args, f.name)})


def cmd_compare(args: argparse.Namespace) -> int:
    import pandas as pd

    dataset = _load(args)
    settings = settings_from(args)
    _checks.check_folds(dataset, settings)
    _checks.say_missing_libraries(settings)
    with _progress(args, len(settings.model_list()) * settings.n_repeats, "skdeep compare") as bar:
        results = _checks.run_compare_checked(dataset, settings, bar)
    if args.format == "csv":
        results.to_csv(sys.stdout, float_format="%.6g")
    elif args.format == "json":
        payload = {
            "dataset": dataset.name,
            "task": results.attrs.get("task"),
            "primary_metric": results.attrs.get("primary_metric"),
            "n_splits": results.attrs.get("n_splits"),
            "n_repeats": results.attrs.get("n_repeats"),
            "groups": dataset.groups_name,
            "reference": results.attrs.get("reference"),
            "alpha": results.attrs.get("alpha"),
            "test": results.attrs.get("test"),
            "libraries": results.attrs.get("libraries"),
            "results": json.loads(results.reset_index().to_json(orient="records")),
        }
        print(json.dumps(payload, indent=2))
    else:
        print(dataset.summary())
        print(f"{cv_text(results)}, best first by "
              f"{results.attrs['primary_metric']}; network: {settings.network_text()}")
        print(libraries_text(results.attrs.get("libraries", {})))
        print()
        with pd.option_context("display.width", 250, "display.max_columns", None):
            print(results.to_string(float_format=lambda v: f"{v:.4f}"))
        print()
        print("\n".join(verdict_lines(results)))
    return EXIT_OK


def cmd_explain(args: argparse.Namespace) -> int:
    from ..report._explained import fit_and_explain

    _checks.need_explain_deps("explain")
    with files_only_backend():
        dataset = _load(args)
        settings = settings_from(args)
        _checks.check_split(dataset, settings)
        with _progress(args, 2, "skdeep explain") as bar:
            explained = fit_and_explain(dataset, settings, model=args.model, progress=bar)
        print_explanation(dataset, settings, explained)
    return EXIT_OK


def cmd_report(args: argparse.Namespace) -> int:
    from ..report import write_report
    from ..report._build import report_steps

    _checks.need_explain_deps("report")
    with files_only_backend():
        dataset = _load(args)
        settings = settings_from(args)
        if settings.models is not None and "network" not in settings.models:
            settings.models = ("network", *settings.models)
        _checks.check_folds(dataset, settings)
        _checks.check_split(dataset, settings)
        output = args.output or f"skdeep-report-{_slug(dataset.name)}.html"
        if os.path.isdir(output):
            raise UsageError(f"--output {output} is a directory; give a file name such as report.html.")
        command = " ".join([PROG, *(shlex.quote(a) for a in args.argv)])
        with _progress(args, report_steps(settings), "skdeep report") as bar:
            results = _checks.run_compare_checked(dataset, settings, bar)
            path = write_report(output, dataset, settings, title=args.title, command=command, progress=bar,
                                results=results)
    print(f"Wrote {path} ({os.path.getsize(path) / 1024:.0f} KiB)")
    return EXIT_OK


def _note(args: argparse.Namespace, message: str) -> None:
    if not args.quiet:
        print(f"{PROG}: {message}", file=sys.stderr)


def _load(args: argparse.Namespace):
    dataset = load_dataset(args.dataset, target=args.target, task=args.task,
                           categorical=args.categorical, sep=args.sep, groups=args.groups)
    for note in dataset.notes:
        _note(args, note)
    _checks.check_finite_cells(dataset)
    return dataset


def _progress(args: argparse.Namespace, total: int, desc: str):
    from ..report._progress import Progress

    return Progress(total, desc, enabled=not args.quiet)


def _slug(name: str) -> str:
    stem = name.rsplit(".", 1)[0] if name.lower().endswith((".csv", ".tsv")) else name
    return "".join(c if c.isalnum() or c in "-_" else "-" for c in stem) or "data"
