"""``specscope batch``: analyse many files on Dask (a local cluster by default).

Thread: the main thread (Dask's client adds its own event-loop thread).

    specscope batch INPUT... -o OUTDIR [--what npz,png,peaks,levels,ltsa] [analysis options]
                    [--workers N] [--scheduler ADDRESS] [--recursive] [--pattern GLOB]

Exit status: 0 when every input succeeded (or was already done), 3 when some
failed (listed at the end), 2 for bad arguments, 130 when interrupted.
"""

from __future__ import annotations

import argparse
import math
import sys

from specscope.app.cli.options import OptionError, add_analysis_options, analysis_settings

EXIT_BAD_ARGUMENTS = 2
OUTPUT_KINDS = ("npz", "png", "peaks", "levels", "ltsa")


class BatchArgumentError(ValueError):
    """A bad option value; one line, exit status 2."""


def register(subparsers, parents: list | None = None) -> None:
    """Add the ``batch`` subcommand to the ``specscope`` parser's subparsers."""
    p = subparsers.add_parser(
        "batch", parents=parents or [], help="analyse many files (folders, globs) in parallel on Dask",
                              description="Analyse many audio files in parallel on a local Dask cluster (or an "
                              "existing one with --scheduler). Outputs mirror the input tree under OUTDIR, with a "
                              "manifest.jsonl; a rerun skips what is done and unchanged.")
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="audio files, folders or globs")
    p.add_argument("-o", "--output", required=True, metavar="OUTDIR", help="output folder (created if needed)")
    p.add_argument("--what", default="npz", help="comma-separated outputs: npz (the export format), png "
                   "(spectrogram picture), peaks (peaks.json as `specscope peaks --json`), levels (Leq Z/A/C, "
                   "sample peak), ltsa (long-term spectral average of all inputs) (default npz)")
    p.add_argument("--top", type=int, default=5, help="peaks per file for --what peaks (default 5)")
    g = p.add_argument_group("cluster")
    g.add_argument("--workers", type=int, default=None, help="worker processes of the local cluster "
                   "(default: one per core)")
    g.add_argument("--scheduler", default=None, metavar="ADDRESS", help="use an existing Dask cluster, e.g. "
                   "tcp://host:8786 (its workers must read the inputs and OUTDIR by the same paths)")
    g = p.add_argument_group("inputs")
    g.add_argument("--recursive", action="store_true", help="descend into folders (and ** in globs)")
    g.add_argument("--pattern", default=None, metavar="GLOB", help="file names to take from folders "
                   "(default: the audio extensions the reader knows)")
    add_analysis_options(p)
    g = p.add_argument_group("pictures")
    g.add_argument("--colormap", default="inferno", help="colour map of the PNGs (default inferno)")
    g.add_argument("--floor-db", type=float, default=-120.0, help="colour floor, dBFS (default -120)")
    g.add_argument("--ceiling-db", type=float, default=0.0, help="colour ceiling, dBFS (default 0)")
    g = p.add_argument_group("long-term spectral average")
    g.add_argument("--ltsa-interval", default="60s", help="column length: 60s, 10min, 1h (default 60s)")
    g.add_argument("--ltsa-percentiles", default=None, metavar="P,P,...",
                   help="also these percentiles of the frame levels per column, e.g. 5,50,95")
    g.add_argument("--ltsa-starts", default=None, metavar="CSV", help="start times (columns file,start in ISO "
                   "8601) instead of those in the file names")
    p.set_defaults(func=cmd_batch)


def batch_options(args: argparse.Namespace):
    """The :class:`~specscope.app.batch.driver.BatchOptions` the arguments describe.

    Raises
    ------
    BatchArgumentError, OptionError
        Naming the option.
    """
    from specscope.app.batch.driver import BatchOptions
    from specscope.app.batch.timeline import parse_duration_s
    from specscope.app.model.settings import COLORMAP_NAMES

    what = tuple(dict.fromkeys(w.strip().lower() for w in args.what.split(",") if w.strip()))
    bad = [w for w in what if w not in OUTPUT_KINDS]
    if not what or bad:
        raise BatchArgumentError(f"--what takes {', '.join(OUTPUT_KINDS)}, got {args.what!r}")
    settings = analysis_settings(args)
    if args.top < 1:
        raise BatchArgumentError(f"--top must be at least 1, got {args.top}")
    if args.workers is not None and args.workers < 1:
        raise BatchArgumentError(f"--workers must be at least 1, got {args.workers}")
    if args.workers is not None and args.scheduler:
        raise BatchArgumentError("--workers is for the local cluster; with --scheduler the cluster has its own")
    if args.colormap not in COLORMAP_NAMES:
        raise BatchArgumentError(f"--colormap must be one of {', '.join(COLORMAP_NAMES)}, got {args.colormap!r}")
    if not (math.isfinite(args.floor_db) and math.isfinite(args.ceiling_db) and args.floor_db < args.ceiling_db):
        raise BatchArgumentError("--floor-db must be below --ceiling-db")
    try:
        interval_s = parse_duration_s(args.ltsa_interval)
    except ValueError as err:
        raise BatchArgumentError(str(err)) from None
    percentiles: tuple[float, ...] = ()
    if args.ltsa_percentiles:
        try:
            percentiles = tuple(float(x) for x in args.ltsa_percentiles.split(",") if x.strip())
        except ValueError:
            raise BatchArgumentError(f"--ltsa-percentiles must be numbers like 5,50,95, got "
                                     f"{args.ltsa_percentiles!r}") from None
        if not percentiles or any(not 0 <= q <= 100 for q in percentiles):
            raise BatchArgumentError(f"--ltsa-percentiles must be in 0..100, got {args.ltsa_percentiles!r}")
    return BatchOptions(inputs=list(args.inputs), outdir=args.output, what=what, settings=settings, top=args.top,
                        workers=args.workers, scheduler=args.scheduler, recursive=args.recursive,
                        pattern=args.pattern, colormap=args.colormap, floor_db=args.floor_db,
                        ceiling_db=args.ceiling_db, ltsa_interval_s=interval_s, ltsa_percentiles=percentiles,
                        ltsa_starts_csv=args.ltsa_starts)


def cmd_batch(args: argparse.Namespace) -> int:
    """Run ``specscope batch``; returns the exit status."""
    from specscope.app.batch.driver import run_batch

    try:
        opts = batch_options(args)
        report = run_batch(opts)
    except (BatchArgumentError, OptionError, ValueError) as err:
        print(f"specscope: {' '.join(str(err).split())}", file=sys.stderr)
        return EXIT_BAD_ARGUMENTS
    n_done = sum(e.status == "done" for e in report.entries)
    n_skipped = sum(e.status == "skipped" for e in report.entries)
    failed = report.failed
    print(f"{n_done} done, {n_skipped} skipped, {len(failed)} failed; manifest {opts.outdir}/manifest.jsonl")
    for path in report.outputs:
        print(f"wrote {path}")
    if failed:
        print("failed:")
        for e in failed:
            print(f"  {e.reason}")
    return report.status
