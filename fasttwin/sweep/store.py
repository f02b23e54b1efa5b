"""Zarr v3 stores of sweeps: template, region writes, completion flags, resume checks.

Layout of a sweep store (a directory, or a prefix under an fsspec URL)::

    zarr.json            root group; attrs = the cube's provenance (fasttwin_version,
                         model_toml, run_toml, sweep_toml, seed, periods, warmup, rng,
                         created); consolidated metadata is added when the sweep ends
    <variable>/          one array per variable (cost, ..., valid, node_* in networks).
                         Chunks: one task's block along the grid dims, 1 along
                         scenario, whole along node and rep
    <dim>/               coordinates (grid axes, scenario, node, rep)
    _sweep/              task log (a group ``xr.open_zarr(store, group="_sweep")`` reads):
      done               uint8 (task): 1 once the task's region is written; written
                         last, one chunk per task
      stats              float64 (task, stat): kernel_seconds, write_seconds,
                         peak_rss_mb of the worker that ran it
      task, stat         names

The client writes the template (metadata and coordinates only); each task
writes its own chunks straight from its worker, then its flag. A rerun reads
the flags and runs only the tasks without one.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass

import numpy as np

#: Per-task statistics kept in ``_sweep/stats``.
STATS = ("kernel_seconds", "write_seconds", "peak_rss_mb")
LOG = "_sweep"


@dataclass(frozen=True)
class StoreRef:
    """Where a cube lives: a local path or an fsspec URL (``s3://...``, ``file://...``)."""

    url: str
    storage_options: tuple = ()

    @classmethod
    def of(cls, store, storage_options: dict | None = None) -> StoreRef:
        if isinstance(store, StoreRef):
            return store
        if not isinstance(store, str | os.PathLike) or not str(store):
            raise ValueError(f"store must be a path or an fsspec URL, got {store!r}")
        options = dict(storage_options or {})
        url = str(store)
        if url.startswith("file://"):
            url = url[len("file://") :]
        url = url if "://" in url else os.path.abspath(url)
        if options and "://" not in url:
            raise ValueError("storage_options apply to fsspec URLs only, not to local paths")
        return cls(url, tuple(sorted(options.items())))

    def zarr_store(self, read_only: bool = False):
        """A fresh zarr Store object for this location."""
        from zarr.storage import FsspecStore, LocalStore

        if "://" in self.url:
            return FsspecStore.from_url(
                self.url, storage_options=dict(self.storage_options), read_only=read_only
            )
        return LocalStore(self.url, read_only=read_only)

    def fs(self):
        """``(filesystem, path)`` from fsspec."""
        from fsspec.core import url_to_fs

        return url_to_fs(self.url, **dict(self.storage_options))

    def __str__(self) -> str:
        return self.url


@dataclass(frozen=True)
class Found:
    """What a store location holds: ``absent``, ``empty``, ``sweep``, ``zarr`` or ``other``."""

    kind: str
    attrs: dict
    template_complete: bool = False


@dataclass(frozen=True)
class Schema:
    """The cube's variables and non-grid coordinates, read from a small simulate.

    ``variables`` holds ``(name, dims, dtype, attrs)``; ``coords`` holds
    ``(name, dims, values, attrs)`` for coordinates on dims other than the grid
    and ``rep`` (e.g. ``node``); ``sizes`` the size of every such dim.
    """

    variables: tuple
    coords: tuple
    sizes: dict
    attrs: dict


def schema_of(ds, grid_dims) -> Schema:
    """The :class:`Schema` of a cube: what a sweep of the same model writes."""
    grid_dims = set(grid_dims)
    variables = tuple(
        (name, tuple(var.dims), var.dtype.str, dict(var.attrs))
        for name, var in ds.data_vars.items()
    )
    coords = []
    for name, var in ds.coords.items():
        if name in grid_dims or name == "rep":
            continue
        if grid_dims & set(var.dims) or "rep" in var.dims:
            raise ValueError(
                f"coordinate {name!r} varies along the grid or rep; a sweep cannot store it"
            )
        values = var.values
        if values.dtype.kind == "U":
            # Zarr v3 has a spec for variable-length strings only.
            values = values.astype(object)
        coords.append((name, tuple(var.dims), values, dict(var.attrs)))
    sizes = {d: int(n) for d, n in ds.sizes.items() if d not in grid_dims and d != "rep"}
    return Schema(variables, tuple(coords), sizes, dict(ds.attrs))


def inspect(ref: StoreRef) -> Found:
    """Look at a store location without changing it."""
    import zarr

    fs, path = ref.fs()
    if not fs.exists(path):
        return Found("absent", {})
    if not fs.isdir(path):
        return Found("other", {})
    if not fs.exists(f"{path}/zarr.json"):
        return Found("empty" if not fs.ls(path) else "other", {})
    try:
        root = zarr.open_group(ref.zarr_store(read_only=True), mode="r", use_consolidated=False)
        attrs = dict(root.attrs)
    except Exception:  # a damaged or foreign zarr.json: not ours either way
        return Found("other", {})
    if "sweep_toml" not in attrs:
        return Found("zarr", attrs)
    complete = False
    if LOG in root:
        complete = root[LOG].attrs.get("template") == "complete"
    return Found("sweep", attrs, complete)


def differences(attrs: dict, identity: dict) -> list[str]:
    """How a store's provenance differs from a spec's identity (empty if the same)."""
    from fasttwin.model.toml_io import dumps, tomllib

    out = []
    if attrs.get("fasttwin_version") != identity["fasttwin_version"]:
        out.append(
            f"fasttwin version: store {attrs.get('fasttwin_version')!r}, "
            f"here {identity['fasttwin_version']!r}"
        )
    for key, attr in (("sweep", "sweep_toml"), ("model", "model_toml")):
        try:
            stored = tomllib.loads(attrs.get(attr, ""))
        except tomllib.TOMLDecodeError:
            stored = {}
        wanted = tomllib.loads(dumps(identity[key]))
        prefix = "" if key == "sweep" else "model."
        out.extend(_diff(stored, wanted, prefix))
    return out


def _diff(a, b, path: str) -> list[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for key in list(a) + [k for k in b if k not in a]:
            out.extend(_diff(a.get(key), b.get(key), f"{path}{key}."))
        return out
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        if all(isinstance(x, dict) for x in a + b):
            return [
                d
                for i, (x, y) in enumerate(zip(a, b, strict=True))
                for d in _diff(x, y, f"{path[:-1]}[{i}].")
            ]
    if a == b:
        return []
    return [f"{path[:-1]}: store {_short(a)}, spec {_short(b)}"]


def _short(value) -> str:
    text = "(not set)" if value is None else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def write_template(ref: StoreRef, spec, plan, schema: Schema, attrs: dict) -> dict:
    """Write metadata and coordinates only; return the layout ``{variable: dims}``.

    xarray writes the coordinates and attrs; the data arrays are created with
    zarr directly. (A lazy dask array per variable and ``to_zarr(compute=False)``
    would build, then throw away, a graph with a node per chunk: slow for
    sweeps of many tasks.)
    """
    import xarray as xr

    sizes = {**dict(zip(plan.dims, plan.shape, strict=True)), **schema.sizes, "rep": spec.reps}
    grid_chunks = dict(zip(plan.dims, plan.chunks, strict=True))
    from fasttwin.cube.build import grid_coords, rep_coord

    coords = {**grid_coords(spec.policy_grid), "rep": rep_coord(0, spec.reps)}
    for name, dims, values, cattrs in schema.coords:
        coords[name] = (dims, values, cattrs)
    xr.Dataset(coords=coords, attrs=attrs).to_zarr(
        ref.zarr_store(), mode="w", zarr_format=3, consolidated=False
    )
    root = _open(ref)
    layout = {}
    for name, dims, dtype, vattrs in schema.variables:
        dtype = np.dtype(dtype)
        root.create_array(
            name,
            shape=tuple(sizes[d] for d in dims),
            chunks=tuple(grid_chunks.get(d, 1 if d == "scenario" else sizes[d]) for d in dims),
            dtype=dtype,
            fill_value=_fill_value(dtype),
            dimension_names=dims,
            attributes=_jsonable(vattrs),
            compressors=compressors(spec.compression),
        )
        layout[name] = list(dims)
    write_log(
        ref,
        [t.name for t in plan.tasks],
        {"grid_chunks": list(plan.chunks), "variables": layout},
    )
    return layout


def write_log(ref: StoreRef, task_names, attrs: dict) -> None:
    """Write the task log ``_sweep`` (done flags, statistics) for tasks ``task_names``.

    ``attrs`` must hold ``variables`` (``{variable: dims}``, read back by
    :func:`layout_of`). The log's ``template`` attribute, written last, marks
    the template complete.
    """
    import xarray as xr

    n = len(task_names)
    log_attrs = {
        "description": "fasttwin sweep task log: done flags and per-task statistics",
        **attrs,
    }
    names = np.array(list(task_names), dtype=object)
    xr.Dataset(
        coords={"task": names, "stat": np.array(STATS, dtype=object)}, attrs=log_attrs
    ).to_zarr(ref.zarr_store(), group=LOG, mode="w", consolidated=False)
    log = _open(ref, LOG)
    # One chunk per task: each flag has exactly one writer.
    log.create_array(
        "stats",
        shape=(n, len(STATS)),
        chunks=(1, len(STATS)),
        dtype=np.float64,
        fill_value=np.nan,
        dimension_names=("task", "stat"),
    )
    log.create_array(
        "done",
        shape=(n,),
        chunks=(1,),
        dtype=np.uint8,
        fill_value=0,
        dimension_names=("task",),
        # Flags are found by listing keys "c/<task>": fix the encoding.
        chunk_key_encoding={"name": "default", "separator": "/"},
    )
    log.attrs["template"] = "complete"


def mark_complete(ref: StoreRef) -> None:
    """Record in the root attrs that every task is done (``sweep_complete``).

    Until then a cube read from the store says ``sweep_complete = False``, and
    the analysis refuses it: its unfinished cells read as NaN.
    """
    root = _open(ref)
    root.attrs["sweep_complete"] = True


def _fill_value(dtype: np.dtype):
    """What unwritten chunks read as: NaN (as in a cube's invalid cells), False, 0."""
    if dtype.kind == "f":
        return np.nan
    return False if dtype.kind == "b" else 0


def _jsonable(attrs: dict) -> dict:
    def plain(v):
        if isinstance(v, np.generic):
            return v.item()
        if isinstance(v, np.ndarray):
            return v.tolist()
        return v

    return {k: plain(v) for k, v in attrs.items()}


def compressors(kind: str) -> tuple:
    """Codecs for the cube's chunks.

    ``zstd`` (level 1) makes cubes about 5x smaller than raw float64 (common
    random numbers repeat across a chunk's points); ``lz4`` (Blosc, bit
    shuffle) writes about twice as fast for about 2x; ``none`` stores raw
    bytes. A task's bytes do not shrink with the horizon, so for short
    horizons encoding is a visible share of a task.
    """
    from zarr.codecs import BloscCodec, ZstdCodec

    if kind == "zstd":
        return (ZstdCodec(level=1),)
    if kind == "lz4":
        return (BloscCodec(cname="lz4", clevel=5, shuffle="bitshuffle"),)
    return ()


def _open(ref: StoreRef, path: str = ""):
    import zarr

    # Never the consolidated copy: it is stale once anything changed after it.
    return zarr.open_group(ref.zarr_store(), path=path, mode="r+", use_consolidated=False)


def layout_of(ref: StoreRef) -> dict:
    """``{variable: dims}`` of a store's template."""
    import zarr

    log = zarr.open_group(
        ref.zarr_store(read_only=True), path=LOG, mode="r", use_consolidated=False
    )
    return {name: tuple(dims) for name, dims in log.attrs["variables"].items()}


def read_done(ref: StoreRef) -> np.ndarray:
    """Completion flags of every task (bool array), from one listing of the flag chunks.

    A flag chunk exists once its task wrote it (its value, 1, differs from the
    fill value, so zarr stores it); listing beats reading one chunk per task.
    Even a flag cut short by a crash means done: it is written only after the
    whole region is.
    """
    import zarr

    done = zarr.open_array(ref.zarr_store(read_only=True), path=f"{LOG}/done", mode="r")
    flags = np.zeros(done.shape[0], bool)
    fs, path = ref.fs()
    prefix = f"{path.rstrip('/')}/{LOG}/done/c"
    if fs.exists(prefix):
        for key in fs.find(prefix):
            flags[int(key.rsplit("/", 1)[-1])] = True
    return flags


def is_done(ref: StoreRef, index: int) -> bool:
    fs, path = ref.fs()
    return fs.exists(f"{path.rstrip('/')}/{LOG}/done/c/{index}")


def region_of(dims, grid_dims, task) -> tuple[slice, ...] | None:
    """The selection ``task`` writes in a variable with ``dims``, or None if it writes none.

    A variable without some grid dim (``valid`` has no ``scenario``; one without
    a grid dim would be the same in every block) is written by the tasks at
    position 0 along the dims it lacks, so each chunk has exactly one writer.
    """
    sel = []
    for i, d in enumerate(grid_dims):
        if d not in dims and task.block[i] != 0:
            return None
    if task.scenario is not None and "scenario" not in dims and task.scenario != 0:
        return None
    for d in dims:
        if d in grid_dims:
            a, b = task.region[grid_dims.index(d)]
            sel.append(slice(a, b))
        elif d == "scenario":
            # A task without a scenario writes every scenario (optimiser batches).
            whole = task.scenario is None
            sel.append(slice(None) if whole else slice(task.scenario, task.scenario + 1))
        else:
            sel.append(slice(None))
    return tuple(sel)


def write_region(ref: StoreRef, layout: dict, grid_dims, grid_values, task, block) -> None:
    """Write ``task``'s chunks from its block cube (None: the block holds no policy).

    All variables are written concurrently on zarr's event loop: on an object
    store that is one round of requests per task instead of one per variable.
    """
    from zarr.core.sync import sync

    if block is not None:
        if set(block.data_vars) != set(layout):
            raise RuntimeError(
                f"task {task.name}: variables {sorted(block.data_vars)} differ from the "
                f"store's {sorted(layout)}"
            )
        for d, values, (a, b) in zip(grid_dims, grid_values, task.region, strict=True):
            if list(block[d].values) != list(values[a:b]):
                raise RuntimeError(f"task {task.name}: {d} labels differ from its region")
    writes = []
    for name, dims in layout.items():
        sel = region_of(dims, grid_dims, task)
        if sel is not None:
            values = None if block is None else block[name].transpose(*dims).values
            writes.append((name, sel, values))
    sync(_write_all(ref, task, writes))


async def _write_all(ref: StoreRef, task, writes) -> None:
    import asyncio

    import zarr.api.asynchronous as za

    root = await za.open_group(ref.zarr_store(), mode="r+", use_consolidated=False)

    async def one(name, sel, values):
        # Keep all-NaN chunks too: every region then exists on disk once written.
        arr = (await root.getitem(name)).with_config({"write_empty_chunks": True})
        shape = tuple(len(range(*s.indices(n))) for s, n in zip(sel, arr.shape, strict=True))
        if values is None:
            values = np.full(shape, arr.metadata.fill_value, dtype=arr.dtype)
        if values.shape != shape:
            raise RuntimeError(f"task {task.name}: {name} has shape {values.shape}, not {shape}")
        await arr.setitem(sel, values)

    await asyncio.gather(*(one(*w) for w in writes))


def mark_done(ref: StoreRef, task, stats) -> None:
    """Record ``task``'s statistics, then (last) its completion flag."""
    log = _open(ref, LOG)
    log["stats"][task.index, :] = np.asarray(stats, dtype=np.float64)
    log["done"][task.index] = 1


def consolidate(ref: StoreRef) -> None:
    """Consolidate metadata so readers open the cube with one read."""
    import zarr

    with warnings.catch_warnings():
        # Zarr v3 has no consolidated-metadata spec yet; xarray and zarr-python read it.
        warnings.filterwarnings("ignore", message="Consolidated metadata is currently not part")
        zarr.consolidate_metadata(ref.zarr_store())


def remove(ref: StoreRef) -> None:
    fs, path = ref.fs()
    if fs.exists(path):
        fs.rm(path, recursive=True)


def open_cube(ref: StoreRef):
    """Open a sweep's cube lazily (``xr.open_zarr`` works the same without fasttwin)."""
    import xarray as xr

    opts = dict(ref.storage_options)
    return xr.open_zarr(ref.url, storage_options=opts or None)
