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

from sim.model.mechanism import Mechanism

__all__ = ["OilEconomy"]


def logistic(x: float) -> float:
    """1 / (1 + e^-x); refuses NaN, which would silently turn every draw into "no"."""
    if math.isnan(x):
        raise ValueError("logistic: NaN log-odds (a mechanism read a value not computed yet)")
    if x < -700:
        return 0.0
    return 1.0 / (1.0 + math.exp(-x))


class OilEconomy(Mechanism):
    """Oil production, the blockade and the hardship it causes."""

    series_names = ("oil_output_bpd", "hardship")

    def __init__(self, model) -> None:
        """Start from the theatre's initial levels with the blockade as configured."""
        super().__init__(model)
        th = model.theatre
        self.params = model.params.oil
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
        x += p.lift_unrest * m.east_unrest_share
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
