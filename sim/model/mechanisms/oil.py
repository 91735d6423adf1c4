"""Oil economy: production by who holds fields and terminals, the blockade decision, hardship.

The National Oil Corporation works across the front line, so an oil system produces whoever holds its
places, except while any of them is held by the blockading faction with its blockade in force, or is
being fought over (contested that day). A restarted system ramps up to capacity over ``ramp_days``;
a stopped one drops at once. (Output recovered to 1.2 mb/d in Nov 2020 with the LNA still holding the
oil crescent and Sharara exporting through GNA-held Zawiya: forces.md section 9.)
The blockading faction lifts its blockade (for good) with a daily probability that rises with the
days since the run began, with patron pressure (a ceasefire or a patrons' deal in force) and with
unrest in its own cities. Lost revenue becomes hardship: the shortfall of output against the
pre-blockade level, times ``hardship_weight``, felt in the East and the West alike; it lowers every
faction's cohesion, and its change since day 0 feeds the unrest mechanism.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sim.model.mechanisms import Mechanism, Outcome, Series, logistic
from sim.schema import DAYS_MAX, bias, num, prob, weight

__all__ = ["MECHANISM", "OilEconomy"]


@dataclass
class Config:
    """Oil production by who holds fields and terminals, and the blockading faction's blockade."""

    enabled: bool = True
    blockade: bool = True  # LNA blockade in force since 17-18 Jan 2020 (forces.md section 9)
    # Days to ramp a restarted system to capacity. Sharara restarted 11 Oct 2020 and national output
    # reached 1.2 mb/d by 13 Nov 2020 (forces.md section 9): about a month.
    ramp_days: float = num(30.0, 0.0, DAYS_MAX, lo_open=True)
    # The blockade decision: daily lifting probability logistic(lift_bias + lift_per_30_days * months
    # + lift_pressure * patron pressure + lift_unrest * eastern active share). ASSUMPTION, calibrated so
    # that in the baseline about half the runs lift it within 6 months: the real blockade (from 17-18
    # Jan 2020) cost $6 bn by June and was lifted 18 Sep 2020 (day 103), weeks after the August
    # protests in the East (forces.md section 9; places.csv, al-Marj and al-Bayda notes).
    lift_enabled: bool = True
    lift_bias: float = bias(-8.0)
    lift_per_30_days: float = weight(0.7)
    lift_pressure: float = weight(3.0)
    lift_unrest: float = weight(15.0)
    # Hardship = hardship_weight x (1 - output / reference output), in [0, 1]. ASSUMPTION: oil is
    # ~95% of state revenue, but salaries were partly paid from reserves, so a total loss of output
    # raises hardship by 0.3 (on Epstein's 0-1 scale).
    hardship_weight: float = prob(0.3)
    hardship_cohesion: float = prob(0.002)  # daily cohesion loss of every faction per unit of hardship


class OilEconomy(Mechanism):
    """Oil production, the blockade and the hardship it causes."""

    key = "oil"
    order = 10
    Config = Config

    @classmethod
    def declare_outcomes(cls, params, theatre) -> tuple[Outcome, ...]:
        """Output at the horizon (a contract column), the day the blockade was lifted."""
        return (
            Outcome(
                "oil_output_final_bpd", "number", unit="b/d", label="Oil output at the horizon", headline=True
            ),
            Outcome("blockade_lifted_day", "day", unit="day", label="Blockade lifted", contract=False),
        )

    @classmethod
    def declare_series(cls, params, theatre) -> tuple[Series, ...]:
        """National output (a contract variable) and hardship."""
        return (
            Series("oil_output_bpd", "b/d", "Oil output", contract=True, fan=True),
            Series("hardship", "0-1", "Hardship"),
        )

    def __init__(self, model) -> None:
        """Start from the theatre's initial levels with the blockade as configured."""
        super().__init__(model)
        th = model.theatre
        self.level = {sid: s.initial_bpd for sid, s in th.oil_systems.items()}
        self.blockade = self.params.blockade and th.oil_blockader is not None
        self.lifted_day = math.nan
        self._requires = {sid: [th.index(p) for p in s.requires] for sid, s in th.oil_systems.items()}
        self.hardship = self._hardship()

    def output(self) -> float:
        """National output in barrels per day."""
        return self.model.theatre.oil_background_bpd + sum(self.level.values())

    def _hardship(self) -> float:
        reference = self.model.theatre.oil_reference_bpd
        if reference <= 0:
            return 0.0
        return self.params.hardship_weight * max(0.0, 1.0 - self.output() / reference)

    def _decide_blockade(self) -> None:
        p, m = self.params, self.model
        if not self.blockade or not p.lift_enabled:
            return
        x = p.lift_bias + p.lift_per_30_days * m.steps / 30 + p.lift_pressure * m.pressure()
        x += p.lift_unrest * m.unrest_share
        if m.rng.random() < logistic(x):
            self.blockade = False
            self.lifted_day = float(m.steps)

    def step(self) -> None:
        """Blockade decision, then production, then hardship."""
        self._decide_blockade()
        th, control, fighting = self.model.theatre, self.model.control, self.model.threatened
        for sid, system in th.oil_systems.items():
            places = self._requires[sid]
            blockaded = self.blockade and any(control[i] == th.oil_blockader for i in places)
            if blockaded or any(i in fighting for i in places):
                self.level[sid] = 0.0
            else:
                step = system.capacity_bpd / self.params.ramp_days
                self.level[sid] = min(system.capacity_bpd, self.level[sid] + step)
        self.hardship = self._hardship()
        for f in self.model.factions.values():  # lost revenue strains every coalition
            f.cohesion = max(0.0, f.cohesion - self.params.hardship_cohesion * self.hardship)

    def record(self, day: int) -> None:
        """Output and hardship of the day."""
        self.model.series["oil_output_bpd"][day] = self.output()
        self.model.series["hardship"][day] = self.hardship

    def outcomes(self) -> dict[str, float]:
        """Final output and the day the blockade was lifted."""
        return {"oil_output_final_bpd": self.output(), "blockade_lifted_day": self.lifted_day}


MECHANISM = OilEconomy
