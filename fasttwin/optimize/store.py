"""Zarr stores of optimisations: the sweep store's conventions, one group per phase.

Layout (a directory, or a prefix under an fsspec URL)::

    zarr.json            root group; attrs: provenance (fasttwin_version, model_toml,
                         run_toml, seed, periods, warmup, rng), optimize_toml (the spec),
                         and once finished optimize_result_toml (the answer)
    <var>_mean, <var>_se every cube variable's mean and standard error over the search
                         replications, dims (candidate, [scenario], [node]) for every
                         evaluated point; chunks: one batch along candidate
    valid                (candidate) False in the unused slots of a batch
    batch, <parameter>   coordinates along candidate: the batch that evaluated the point,
                         and its policy (one coordinate per searched parameter)
    _sweep/              task log as in sweeps: done flags (one per batch x scenario),
                         per-task statistics
    finalists/           full cubes, dims (candidate, [scenario], [node], rep), of the
    finalists_more/      finalists on fresh replications (first and second stage) and of
    confirm/             the chosen policy on replications never used before; each with
                         its own _sweep/ log

Each batch of the search owns ``batch_size`` slots along ``candidate``
(one Zarr chunk), so every chunk has exactly one writer, as in sweeps.
Slots are allocated for the whole budget up front (metadata only: unwritten
chunks take no space) and cut to the batches used when the search ends.
"""

from __future__ import annotations

import numpy as np

from fasttwin.sweep.store import LOG, StoreRef, _fill_value, _jsonable, compressors, write_log

#: The groups of the selection phases, in order.
PHASES = ("finalists", "finalists_more", "confirm")
#: Root attribute holding the spec (what makes a store an optimiser store).
SPEC_ATTR = "optimize_toml"
RESULT_ATTR = "optimize_result_toml"


def phase_ref(ref: StoreRef, phase: str | None) -> StoreRef:
    """The store of one phase: the root (search) or its group."""
    if phase is None:
        return ref
    return StoreRef(f"{ref.url.rstrip('/')}/{phase}", ref.storage_options)


def exists(ref: StoreRef) -> bool:
    """Whether the template of ``ref`` was written completely."""
    import zarr

    fs, path = ref.fs()
    if not fs.exists(f"{path}/{LOG}/zarr.json"):
        return False
    log = zarr.open_group(
        ref.zarr_store(read_only=True), path=LOG, mode="r", use_consolidated=False
    )
    return log.attrs.get("template") == "complete"


def create(
    ref: StoreRef,
    variables: list[tuple[str, tuple, np.dtype, dict]],
    sizes: dict,
    chunks: dict,
    coords: dict,
    attrs: dict,
    compression: str,
    task_names: list[str],
) -> dict:
    """Write a phase's template: fixed coordinates, empty arrays, the task log.

    ``variables`` hold ``(name, dims, dtype, attrs)`` of everything tasks write
    (data and the coordinates along ``candidate``); ``coords`` the coordinates
    written now, ``{name: (dims, values, attrs)}``. Returns ``{name: dims}``.
    """
    import xarray as xr
    import zarr

    xr.Dataset(coords=coords, attrs=attrs).to_zarr(
        ref.zarr_store(), mode="w", zarr_format=3, consolidated=False
    )
    root = zarr.open_group(ref.zarr_store(), mode="r+", use_consolidated=False)
    layout = {}
    for name, dims, dtype, vattrs in variables:
        dtype = np.dtype(dtype)
        root.create_array(
            name,
            shape=tuple(sizes[d] for d in dims),
            chunks=tuple(chunks.get(d, sizes[d]) for d in dims),
            dtype=dtype,
            fill_value=_fill_value(dtype),
            dimension_names=dims,
            attributes=_jsonable(vattrs),
            compressors=compressors(compression),
        )
        layout[name] = list(dims)
    write_log(ref, task_names, {"variables": layout})
    return layout


def shrink(ref: StoreRef, candidates: int, tasks: int) -> None:
    """Cut the root's arrays to ``candidates`` slots and its log to ``tasks`` tasks.

    Only metadata changes: the slots cut were never written (no chunk to
    delete), and listing every possible chunk to delete it would take long.
    """
    from zarr.core.sync import sync

    sync(_shrink(ref, candidates, tasks))


async def _shrink(ref: StoreRef, candidates: int, tasks: int) -> None:
    import asyncio

    import zarr.api.asynchronous as za

    async def cut(group, dim: str, size: int) -> None:
        jobs = []
        async for _, arr in group.arrays():
            dims = arr.metadata.dimension_names or ()
            if dim in dims and arr.shape[dims.index(dim)] != size:
                shape = list(arr.shape)
                shape[dims.index(dim)] = size
                jobs.append(arr.resize(tuple(shape), delete_outside_chunks=False))
        await asyncio.gather(*jobs)

    root = await za.open_group(ref.zarr_store(), mode="r+", use_consolidated=False)
    await cut(root, "candidate", candidates)
    await cut(await root.getitem(LOG), "task", tasks)


def read(ref: StoreRef, names, candidates: slice):
    """Variables ``names`` over ``candidates`` (a slice of slots), as a Dataset."""
    import xarray as xr

    ds = xr.open_zarr(
        ref.url, consolidated=False, storage_options=dict(ref.storage_options) or None
    )
    return ds[list(names)].isel(candidate=candidates).load()


def set_attrs(ref: StoreRef, attrs: dict) -> None:
    import zarr

    zarr.open_group(ref.zarr_store(), mode="r+", use_consolidated=False).attrs.update(attrs)
