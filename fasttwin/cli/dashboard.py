"""``fasttwin dashboard [STORE] [--port N] [--host ADDRESS]``: the interactive dashboard.

Starts ``streamlit run`` on the dashboard's script in this process's place
(Streamlit is the optional extra ``fasttwin[app]``). Nothing here imports
Streamlit: ``fasttwin --help`` and the other commands stay fast without it.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

INSTALL = 'the dashboard needs Streamlit, an optional extra: pip install "fasttwin[app]"'


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "store",
        nargs="?",
        default=None,
        help="Zarr cube to open on the Explore page (from fasttwin sweep or simulate; "
        "optional: a cube can be opened from the page too)",
    )
    parser.add_argument(
        "--port", type=int, default=8501, help="port to serve the dashboard on (default 8501)"
    )
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1: this machine only; 0.0.0.0 serves "
        "every network interface)",
    )


def script() -> Path:
    """The file ``streamlit run`` executes."""
    from importlib.resources import files

    return Path(str(files("fasttwin.app").joinpath("streamlit_app.py")))


def command(args: argparse.Namespace) -> list[str]:
    """The ``streamlit run`` command line, after checking the arguments."""
    if isinstance(args.port, bool) or not isinstance(args.port, int) or not 1 <= args.port <= 65535:
        raise ValueError(f"--port must be an integer in [1, 65535], got {args.port!r}")
    if not isinstance(args.host, str) or not args.host:
        raise ValueError(f"--host must be an address such as 127.0.0.1, got {args.host!r}")
    store = args.store
    if store is not None and "://" not in store and not Path(store).exists():
        raise ValueError(f"STORE: no Zarr store at {store!r}")
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(script()),
        "--server.address",
        args.host,
        "--server.port",
        str(args.port),
        # Headless: no browser is opened and no first-run e-mail prompt blocks the start.
        "--server.headless",
        "true",
        "--server.fileWatcherType",
        "none",
        "--browser.gatherUsageStats",
        "false",
        "--client.toolbarMode",
        "viewer",
        "--",
        *(["--store", store] if store is not None else []),
    ]


def run(args: argparse.Namespace) -> int:
    if importlib.util.find_spec("streamlit") is None:
        raise ValueError(INSTALL)
    cmd = command(args)
    print(f"fasttwin dashboard: serving on http://{args.host}:{args.port} (Ctrl+C stops it)")
    sys.stdout.flush()
    if os.name == "posix":
        # Streamlit takes this process's place, so stopping it stops the server.
        os.execv(cmd[0], cmd)
    return subprocess.call(cmd)
