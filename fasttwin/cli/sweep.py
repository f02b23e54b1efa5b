"""``fasttwin sweep SPEC --out STORE [--scheduler ADDRESS] [--workers N] [--overwrite]``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from fasttwin.cli.cluster import add_cluster_arguments


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("spec", type=Path, help="sweep spec TOML file (see sweeps/)")
    parser.add_argument(
        "--out",
        required=True,
        metavar="STORE",
        help="Zarr store to write or resume: a path or an fsspec URL",
    )
    add_cluster_arguments(parser)
    parser.add_argument(
        "--overwrite",
        action="store_true",
        help="replace a store that holds another sweep instead of refusing it",
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="run even when the estimated work or memory is beyond fasttwin's limits, "
        "or --workers exceeds the cores",
    )


def run(args: argparse.Namespace) -> int:
    from fasttwin.sweep.execute import run_sweep

    try:
        run_sweep(
            args.spec,
            args.out,
            args.scheduler,
            workers=args.workers,
            overwrite=args.overwrite,
            force=args.force,
        )
    except (ConnectionError, RuntimeError) as err:
        print(f"fasttwin sweep: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nfasttwin sweep: interrupted; run the same command to resume", file=sys.stderr)
        return 130
    return 0
