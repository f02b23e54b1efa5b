"""The run: replications, days, warm-up and seed, validated."""

from __future__ import annotations

from dataclasses import dataclass

from fasttwin.model.checks import check_number
from fasttwin.model.limits import MAX_DAYS, MAX_REPS
from fasttwin.model.network import Model

#: Capacity used for "unlimited" (overflow never triggers).
UNLIMITED = 2**62
# The periodic kernels count a replication's replenishment cycles in 31-bit fields
# (see ``fasttwin.kernels.cycles``); MAX_DAYS keeps every run far below that.
assert MAX_DAYS < 2**31 - 1


@dataclass(frozen=True)
class Run:
    """The validated run length, warm-up, seed and replication range."""

    reps: int
    periods: int
    warmup: int
    seed: int
    rep0: int = 0

    @property
    def measured(self) -> int:
        return self.periods - self.warmup

    def as_dict(self) -> dict:
        return {
            "reps": self.reps,
            "periods": self.periods,
            "warmup": self.warmup,
            "seed": self.seed,
            "rep0": self.rep0,
        }


def resolve_run(model: Model, reps, periods, warmup, seed, rep0=0) -> Run:
    """Fill defaults from the model (365 days, no warm-up, seed 0) and check ranges."""
    periods = model.periods if periods is None else periods
    periods = 365 if periods is None else periods
    warmup = model.warmup if warmup is None else warmup
    warmup = 0 if warmup is None else warmup
    seed = model.seed if seed is None else seed
    seed = 0 if seed is None else seed
    reps = check_number("reps", reps, low=1, most=MAX_REPS, integer=True)
    periods = check_number("periods", periods, low=1, most=MAX_DAYS, integer=True)
    warmup = check_number("warmup", warmup, low=0, high=periods - 1, integer=True)
    seed = check_number("seed", seed, low=0, high=2**63 - 1, integer=True)
    # Replication labels are only RNG keys (no sum grows with them); step environments
    # use labels e * 2**32 + i, so rep0 may be large, but rep0 + reps must stay an int64.
    rep0 = check_number("rep0", rep0, low=0, most=2**62 - MAX_REPS, integer=True)
    return Run(reps, periods, warmup, seed, rep0)
