"""Cube values from daily sums: what a twin has run up so far, as the cube would say it."""

from __future__ import annotations

import numpy as np


def network_sums_from_days(
    rows: np.ndarray,
    shares: np.ndarray,
    stockouts: np.ndarray,
    warmup: int,
    initial: np.ndarray,
    cycle_words: np.ndarray,
):
    """The network kernel's sums of one replication, rebuilt from its days.

    ``rows (days, nodes, N_NODE_SUMS)``, ``shares (days, nodes)`` and
    ``stockouts (days,)`` are the step kernel's day sums from day 0;
    ``initial`` is each node's initial net inventory and ``cycle_words``
    its replenishment-cycle word now (counts restarted on day ``warmup``,
    :mod:`fasttwin.kernels.cycles`). Returns a
    :class:`~fasttwin.engine.network.NetworkSums` with one point and one
    replication, over the days from ``warmup`` on, so that
    :func:`fasttwin.cube.network.network_variables` gives the cube's values.
    """
    from fasttwin.engine.network import NetworkSums
    from fasttwin.kernels import network_layout as NL
    from fasttwin.kernels.cycles import cycle_sums

    days, n_nodes, n_rows = rows.shape
    sums = rows[warmup:].sum(axis=0)
    if warmup == 0:
        start = np.zeros((n_nodes, n_rows), np.int64)
        start[:, NL.ON_HAND] = np.maximum(initial, 0)
        start[:, NL.BACKORDERS] = np.maximum(-initial, 0)
    else:
        start = rows[warmup - 1]
    end = rows[days - 1]
    for first, last, row in (
        (NL.OH_START, NL.OH_END, NL.ON_HAND),
        (NL.BO_START, NL.BO_END, NL.BACKORDERS),
        (NL.PIPE_START, NL.PIPE_END, NL.PIPELINE),
    ):
        sums[:, first] = start[:, row]
        sums[:, last] = end[:, row]
    for i, word in enumerate(cycle_words):
        sums[i, NL.CYCLES], sums[i, NL.SHORT_CYCLES] = cycle_sums(int(word))
    return NetworkSums(
        sums[:, :, None, None],
        shares[warmup:].sum(axis=0)[:, None, None],
        np.array([[stockouts[warmup:].sum()]], np.int64),
    )
