"""Sweeps: declarative grids run on Dask into resumable, bit-reproducible Zarr cubes.

``from fasttwin.sweep import Spec, load_spec`` for specs; :func:`sweep` runs
one. (``fasttwin.sweep`` the attribute is this function once ``fasttwin`` is
imported, as ``fasttwin.simulate`` is; import names from the modules.)
"""

from __future__ import annotations

import os

from fasttwin.sweep.spec import Spec, load_spec


def sweep(
    spec: Spec | str | os.PathLike,
    store: str | os.PathLike,
    client=None,
    *,
    workers: int | None = None,
    overwrite: bool = False,
    progress: bool = True,
    storage_options: dict | None = None,
    force: bool = False,
):
    """Run a sweep into a Zarr v3 store and return its cube (lazily opened).

    The grid is cut into tasks (blocks of grid points x all reps x one
    scenario); each task runs on a Dask worker and writes its own chunks of the
    store, then a completion flag. Running the same sweep again on an
    interrupted store runs only the missing tasks. Whatever the cluster, the
    number of workers or ``points_per_task``, the cube is bit-identical to
    ``spec.simulate()`` in one process.

    Parameters
    ----------
    spec
        A :class:`~fasttwin.sweep.spec.Spec`, or the path of a sweep TOML file.
    store
        A local path or an fsspec URL (``s3://bucket/cube.zarr``), reachable at
        the same address from the client and every worker.
    client
        A ``distributed.Client``, a scheduler address, or ``None``: then the
        ``DASK_SCHEDULER_ADDRESS`` setting if set, else a local cluster of
        single-threaded worker processes (``workers``, default one per core),
        closed at the end. Scripts that start a local cluster need an
        ``if __name__ == "__main__":`` guard (workers re-import the main module).
    workers
        Worker processes of the local cluster.
    overwrite
        Replace a store that holds another sweep (or any Zarr store) instead of
        refusing it.
    progress
        Print progress, the dashboard link and a summary line on stderr.
    storage_options
        fsspec options for a URL store (credentials, endpoint, ...).
    force
        Run even when the estimated work or memory is beyond fasttwin's limits
        (:mod:`fasttwin.engine.estimate`), or ``workers`` exceeds the cores.

    While it runs, the sweep holds the store's lock
    (:class:`fasttwin.sweep.lock.StoreLock`): a second sweep on the same
    store is refused at once, naming this one.

    Returns
    -------
    xarray.Dataset
        ``xr.open_zarr(store)``: dims (*grid, [scenario], [node], rep).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import fasttwin as ft
    >>> from distributed import Client
    >>> from fasttwin.sweep import Spec
    >>> model = ft.single_node(demand=ft.Poisson(mean=20.0), lead_time=2,
    ...                        backorder_cost=9.0, order_cost=64.0)
    >>> spec = Spec(model, grid={"reorder_point": [30, 40, 50], "order_up_to": [100, 120]},
    ...             reps=50, periods=100, seed=7, points_per_task=2)
    >>> with tempfile.TemporaryDirectory() as d, Client(
    ...     processes=False, n_workers=2, threads_per_worker=1, dashboard_address=":0"
    ... ) as client:
    ...     cube = ft.sweep(spec, pathlib.Path(d) / "cube.zarr", client, progress=False)
    ...     cube["cost"].dims, bool((cube["cost"] == spec.simulate()["cost"]).all())
    (('reorder_point', 'order_up_to', 'rep'), True)
    """
    from fasttwin.sweep.execute import run_sweep
    from fasttwin.sweep.store import StoreRef, open_cube

    ref = StoreRef.of(store, storage_options)
    run_sweep(
        spec, ref, client, workers=workers, overwrite=overwrite, progress=progress, force=force
    )
    return open_cube(ref)


__all__ = ["Spec", "load_spec", "sweep"]
