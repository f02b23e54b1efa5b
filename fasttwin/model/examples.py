"""Example models shipped with the package."""

from __future__ import annotations

from fasttwin.model.network import Model


def retail_twin() -> Model:
    """The retail twin of DESIGN.md section 3: supplier -> warehouse -> 3 stores.

    Read from the TOML file installed with the package (the same file as
    ``sweeps/retail_twin.toml``): stores with lost sales and normal demand
    ``max(0, 50 m (1 + 0.2 sin(2 pi t / 30)) + N(0, 10^2))``, m = 1.0/1.2/1.5,
    store (s, S) = (100, 300)/(120, 360)/(150, 450), a warehouse with
    (s, S) = (1000, 3000) 2 days from each store, a supplier 7 days away
    that accepts 98 % of orders; 90 days, warm-up 7, seed 42.

    Examples
    --------
    >>> import fasttwin as ft
    >>> twin = ft.retail_twin()
    >>> twin.node_names, twin.node("store_3").demand.multiplier
    (('warehouse', 'store_1', 'store_2', 'store_3'), 1.5)
    """
    from importlib.resources import files

    from fasttwin.model.toml_io import model_from_toml

    return model_from_toml(files("fasttwin").joinpath("data", "retail_twin.toml").read_text())
