"""What an environment rewards: minus the model's cost, plus optional shaping terms."""

from __future__ import annotations

from dataclasses import dataclass

from fasttwin.model.checks import check_number


@dataclass(frozen=True)
class RewardSpec:
    """A day's reward at a node: minus its cost, plus shaping terms at demand nodes.

    The cost is the model's own (holding, backorder, lost-sale, ordering and
    overflow costs of that day), so summed over the measured days and divided
    by their number it is the cube's ``node_cost``. The shaping terms apply to
    demand-facing nodes only:

    - ``shortage``: minus this per unit of customer demand not served from
      stock on the day (lost or backordered);
    - ``excess``: minus this per unit on hand at the end of the day above
      ``excess_level`` times the day's expected demand;
    - ``bonus``: plus this on a day with neither a shortage nor excess.

    An environment's reward is the sum over its nodes (PettingZoo agents get
    their own node's).

    Examples
    --------
    >>> RewardSpec(excess=0.1, bonus=10.0).shaped
    True
    >>> RewardSpec(bonus=-1.0)
    Traceback (most recent call last):
    ...
    ValueError: reward.bonus must be a number >= 0, got -1.0
    """

    shortage: float = 0.0
    excess: float = 0.0
    excess_level: float = 3.0
    bonus: float = 0.0

    def __post_init__(self):
        for name in ("shortage", "excess", "excess_level", "bonus"):
            check_number(f"reward.{name}", getattr(self, name), low=0)

    @property
    def shaped(self) -> bool:
        """Whether any shaping term is set (else the reward is minus the cost)."""
        return bool(self.shortage or self.excess or self.bonus)

    def terms(self) -> tuple[float, float, float]:
        """``(shortage, excess, bonus)`` as the step kernel takes them."""
        return (float(self.shortage), float(self.excess), float(self.bonus))
