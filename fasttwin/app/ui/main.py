"""The dashboard's navigation; the pages are plain functions of :mod:`fasttwin.app.ui`."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence

import streamlit as st

from fasttwin.app.ui import explore, formulas, optimise, run, scenarios

#: url path -> (title, icon, page function)
PAGES: dict[str, tuple[str, str, Callable[[], None]]] = {
    "explore": ("Explore a cube", ":material/grid_on:", explore.page),
    "run": ("Run", ":material/play_arrow:", run.page),
    "scenarios": ("Scenarios", ":material/compare_arrows:", scenarios.page),
    "optimise": ("Optimise", ":material/tune:", optimise.page),
    "formulas": ("Formulas", ":material/functions:", formulas.page),
}


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    """The script's own arguments (after ``--`` on the ``streamlit run`` line)."""
    parser = argparse.ArgumentParser(prog="fasttwin dashboard script")
    parser.add_argument("--store", default=None, help="Zarr cube to open on the Explore page")
    # Streamlit's runner and pytest leave their own arguments in sys.argv: ignore them.
    return parser.parse_known_args(list(argv or []))[0]


def start(store: str | None) -> None:
    """Page settings and the store given on the command line (once per session)."""
    st.set_page_config(page_title="fasttwin", page_icon=":material/inventory_2:", layout="wide")
    if "store" in st.session_state:
        # Streamlit forgets a widget's value on pages that do not show it; this keeps
        # the store typed on the Explore page while the other pages are open.
        st.session_state["store"] = st.session_state["store"]
    elif store:
        st.session_state["store"] = store


def main(argv: Sequence[str] | None = None) -> None:
    """Run the dashboard: the navigation and the current page."""
    start(parse(argv).store)
    pages = [
        st.Page(fn, title=title, icon=icon, url_path=path, default=(i == 0))
        for i, (path, (title, icon, fn)) in enumerate(PAGES.items())
    ]
    st.navigation(pages).run()


def show(page: str, store: str | None = None) -> None:
    """Render one page alone (what the tests run, page by page)."""
    start(store)
    PAGES[page][2]()
