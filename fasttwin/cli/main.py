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
    "import-demand": (
        "fasttwin.cli.import_demand",
        "fit products' demand histories (CSV), forecast and flag them, write the fitted twin",
    ),
    "dashboard": (
        "fasttwin.cli.dashboard",
        "open the interactive dashboard in a browser (needs the extra fasttwin[app])",
    ),
    "optimize": (
        "fasttwin.cli.optimize",
        "search every node's policy for the cheapest that meets a service target",
    ),
}


DESCRIPTION = """Fast Monte Carlo digital twins of inventory networks: simulate policy grids,
sweep them on Dask into Zarr cubes, and report the cheapest policy that meets a
service target."""

EPILOG = """examples:
  fasttwin sweep sweeps/retail_sweep.toml --out out/retail.zarr
  fasttwin report out/retail.zarr --out out/report
  fasttwin simulate sweeps/single_node.toml --grid reorder_point=30:80:5 --out sn.zarr
  fasttwin dashboard out/retail.zarr

'fasttwin COMMAND --help' describes each command."""


def build_parser() -> argparse.ArgumentParser:
    from fasttwin._version import __version__

    parser = argparse.ArgumentParser(
        prog="fasttwin",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--version", action="version", version=f"fasttwin {__version__}", help="print the version"
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
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
    except KeyboardInterrupt:
        print(f"\nfasttwin {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
