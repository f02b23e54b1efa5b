"""The ``fasttwin`` command. Each subcommand lives in its own module.

A subcommand module exposes ``add_arguments(parser)`` and ``run(args) -> int``;
modules are imported only when their command runs, or for ``--help``.
"""

from __future__ import annotations

import argparse
import importlib
import sys

#: name -> (module, one-line help)
COMMANDS = {
    "simulate": (
        "fasttwin.cli.simulate",
        "simulate a model's policy grid in-process into a Zarr cube",
    ),
    "analytic": (
        "fasttwin.cli.analytic",
        "closed forms for a model: EOQ, newsvendor, safety stock, exact (s, S)",
    ),
    "report": (
        "fasttwin.cli.report",
        "write pictures, CSV tables and an index.html that recommends a policy",
    ),
    "sweep": (
        "fasttwin.cli.sweep",
        "run a sweep spec on Dask into a resumable Zarr cube",
    ),
    "optimize": (
        "fasttwin.cli.optimize",
        "search every node's policy for the cheapest that meets a service target",
    ),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fasttwin", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for name, (module, help_text) in COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        importlib.import_module(module).add_arguments(p)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    module = importlib.import_module(COMMANDS[args.command][0])
    try:
        return int(module.run(args) or 0)
    except ValueError as err:
        print(f"fasttwin {args.command}: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
