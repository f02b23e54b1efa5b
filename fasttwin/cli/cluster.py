"""Options shared by the subcommands that run on a Dask cluster (``sweep``, ``optimize``)."""

from __future__ import annotations

import argparse


def add_cluster_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--scheduler`` and ``--workers``: which cluster runs the tasks.

    Examples
    --------
    >>> parser = argparse.ArgumentParser()
    >>> add_cluster_arguments(parser)
    >>> args = parser.parse_args(["--workers", "2"])
    >>> args.scheduler, args.workers
    (None, 2)
    """
    parser.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="Dask scheduler to run on (default: DASK_SCHEDULER_ADDRESS, else a local cluster)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        metavar="N",
        help="worker processes of the local cluster (default: one per core)",
    )
