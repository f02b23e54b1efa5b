"""``fasttwin optimize SPEC --out STORE [--scheduler ADDRESS] [--workers N] [--overwrite]``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from fasttwin.cli.cluster import add_cluster_arguments


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("spec", type=Path, help="optimize spec TOML file (see sweeps/)")
    parser.add_argument(
        "--out",
        required=True,
        metavar="STORE",
        help="Zarr store that receives every evaluated policy: a path or an fsspec URL; "
        "run the same command again to resume it",
    )
    add_cluster_arguments(parser)
    parser.add_argument(
        "--overwrite",
        action="store_true",
        help="replace a store that holds something else instead of refusing it",
    )


def run(args: argparse.Namespace) -> int:
    from fasttwin.optimize.execute import run_optimize
    from fasttwin.optimize.spec import load_optimize_spec

    spec = load_optimize_spec(args.spec)  # every field checked before anything starts
    try:
        run_optimize(
            spec,
            args.out,
            args.scheduler,
            workers=args.workers,
            overwrite=args.overwrite,
            progress=True,
        )
    except (ConnectionError, RuntimeError) as err:
        print(f"fasttwin optimize: {err}", file=sys.stderr)
        return 1
    return 0
