"""Oil economy: production by who holds fields and terminals, the blockade decision, hardship.

The National Oil Corporation works across the front line, so an oil system produces whoever holds its
places, except while any of them is held by the blockading faction with its blockade in force, or is
being fought over (contested that day). A restarted system ramps up to capacity over ``ramp_days``;
a stopped one drops at once. (Output recovered to 1.2 mb/d in Nov 2020 with the LNA still holding the
oil crescent and Sharara exporting through GNA-held Zawiya: forces.md section 9.)

Lost revenue becomes **strain**, a stock: each day it moves toward the day's revenue gap
(1 - output / pre-blockade output) by 1 / ``strain_days`` of the distance (reserves and central-bank loans
cushion the loss at first; then salary arrears, cash shortages and power cuts build up; they ease again
when revenue returns). Hardship = ``hardship_weight`` x strain lowers every faction's cohesion and its rise
feeds the unrest mechanism.

The blockading faction keeps its blockade while the leverage it values (its resolve: what the blockade cost
it on day 0, when it kept it, plus a private margin drawn once per run; raised by each place it has lost,
the blockade then being its main bargaining chip) outweighs what the blockade costs it: the strain at home,
patron pressure and sustained unrest in its cities. It lifts it (for
good) when the balance turns (Fearon 1995: private resolve; Schelling 1966: a costly signal of resolve).
No term reads the day number.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sim.errors import ConfigError
from sim.model.decide import pays
from sim.model.mechanisms import Mechanism, Outcome, Series
from sim.schema import DAYS_MAX, num, prob, weight

__all__ = ["MECHANISM", "OilEconomy"]


@dataclass
class Config:
    """Oil production by who holds fields and terminals, the blockading faction's decision, strain."""

    enabled: bool = True
    blockade: bool = True  # LNA blockade in force since 17-18 Jan 2020 (forces.md section 9)
    # Days to ramp a restarted system to capacity. Sharara restarted 11 Oct 2020 and national output
    # reached 1.2 mb/d by 13 Nov 2020 (forces.md section 9): about a month. Tuned to: oil_recovery_2020-10_11.
    ramp_days: float = num(30.0, 0.0, DAYS_MAX, lo_open=True)
    # Theatre data: days the blockade had lasted on day 0 (strain then = gap x (1 - e^(-days/strain_days))).
    blockade_days_before: float = num(0.0, 0.0, DAYS_MAX)
    # Strain: the stock of lost revenue felt at home, moving toward the revenue gap by 1/strain_days of the
    # distance a day. ASSUMPTION (range in configs/uncertain/decisions.yaml): the loss built up over months
    # before it was felt: the CBL lent the government LD 13.4 bn to cover the Jan-Jun 2020 deficit, wages
    # being 59% of spending (https://libyaherald.com/2020/07/libyas-state-revenues-continue-downward-spiral-cbl-loan-covers-ld-13-4-bn-deficit/,
    # 9 Jul 2020); by May revenue covered under 10% of salaries (NOC via Reuters,
    # https://www.thenationalnews.com/world/libya-suffers-5-billion-losses-from-oil-blockade-1.1025622);
    # eastern power cuts of up to 12 hours came in August (NOC via Reuters, 13 Aug 2020,
    # https://www.middleeastmonitor.com/20200813-noc-warns-of-deepening-power-cuts-in-eastern-libya/) and
    # protests over power cuts, cash shortages and living conditions in Sept 2020, 8 months into the blockade
    # (https://www.aljazeera.com/news/2020/9/13/protesters-set-government-building-on-fire-in-eastern-libya).
    # Tuned to: east_protests_2020-09 (the protests' timing informed the default and the range's upper end).
    strain_days: float = num(120.0, 1.0, DAYS_MAX)
    # The blockade decision: keep while resolve x (1 + leverage_per_place_lost x places lost) >= strain +
    # lift_pressure x patron pressure + lift_unrest x sustained active share in its cities. Resolve is
    # private: the cost of day 0 (the blockade stood then: revealed resolve) + U(0, resolve_span) drawn once.
    # ASSUMPTION for all four; not tuned to the lift of 18 Sep 2020 (day 103), which a resolve of ~0.16
    # above day 0's strain would reproduce with no pressure or unrest.
    lift_enabled: bool = True
    resolve_span: float = num(0.6, 0.0, 10.0)
    leverage_per_place_lost: float = weight(0.05)
    lift_pressure: float = weight(0.25)
    lift_unrest: float = weight(5.0)
    # Hardship = hardship_weight x strain, in [0, 1]. ASSUMPTION: oil is ~90% of state revenue (NOC via
    # https://www.dailysabah.com/business/energy/haftars-oil-blockade-costs-libya-over-6-billion-in-5-months/amp),
    # but salaries were partly paid from reserves and loans, so a total, lasting loss of revenue raises
    # hardship by 0.3 (on Epstein's 0-1 scale).
    hardship_weight: float = prob(0.3)
    hardship_cohesion: float = prob(0.002)  # daily cohesion loss of every faction per unit of hardship


class OilEconomy(Mechanism):
    """Oil production, the blockade decision and the strain lost revenue causes."""

    key = "oil"
    order = 10
    Config = Config

    @classmethod
    def check(cls, params, theatre) -> None:
        """Days of blockade before day 0 need a blockading faction."""
        if params.blockade_days_before > 0 and theatre.oil_blockader is None:
            raise ConfigError("mechanisms.oil.blockade_days_before: the theatre has no blockading faction")

    @classmethod
    def declare_outcomes(cls, params, theatre) -> tuple[Outcome, ...]:
        """Output at the horizon (a contract column), the day the blockade was lifted, the drawn resolve."""
        return (
            Outcome(
                "oil_output_final_bpd", "number", unit="b/d", label="Oil output at the horizon", headline=True
            ),
            Outcome("blockade_lifted_day", "day", unit="day", label="Blockade lifted", contract=False),
            Outcome("blockade_resolve", "number", unit="strain", label="Blockader's resolve", contract=False),
        )

    @classmethod
    def declare_series(cls, params, theatre) -> tuple[Series, ...]:
        """National output (a contract variable) and hardship."""
        return (
            Series("oil_output_bpd", "b/d", "Oil output", contract=True, fan=True),
            Series("hardship", "0-1", "Hardship"),
        )

    def __init__(self, model) -> None:
        """Start from the theatre's initial levels, the strain built up so far, and draw the resolve."""
        super().__init__(model)
        th, p = model.theatre, self.params
        self.level = {sid: s.initial_bpd for sid, s in th.oil_systems.items()}
        self.blockade = p.blockade and th.oil_blockader is not None
        self.lifted_day = math.nan
        self._requires = {sid: [th.index(q) for q in s.requires] for sid, s in th.oil_systems.items()}
        before = p.blockade_days_before if self.blockade else 0.0
        self.strain = self._gap() * (1.0 - math.exp(-before / p.strain_days))
        self.margin = p.resolve_span * float(model.rng.random())  # private, drawn once
        self.resolve = math.nan  # the cost it bore on day 0 + margin, set at its first decision
        self.hardship = p.hardship_weight * self.strain

    def output(self) -> float:
        """National output in barrels per day."""
        return self.model.theatre.oil_background_bpd + sum(self.level.values())

    def _gap(self) -> float:
        """Today's revenue gap: the shortfall of output against the pre-blockade level, in [0, 1]."""
        reference = self.model.theatre.oil_reference_bpd
        return max(0.0, 1.0 - self.output() / reference) if reference > 0 else 0.0

    def blockade_value(self) -> tuple[float, float]:
        """(value of keeping the blockade, its cost) to the blockading faction, from what it sees today."""
        p, m = self.params, self.model
        cost = self.strain + p.lift_pressure * m.pressure() + p.lift_unrest * m.unrest_share
        if math.isnan(self.resolve):  # it kept the blockade at day 0's cost: its resolve is above it
            self.resolve = cost + self.margin
        lost = m.places_lost_cum.get(m.theatre.oil_blockader, 0)
        keep = self.resolve * (1.0 + p.leverage_per_place_lost * lost)
        return keep, cost

    def _decide_blockade(self) -> None:
        if not self.blockade or not self.params.lift_enabled:
            return
        keep, cost = self.blockade_value()
        if pays(cost, keep):  # lifting is worth more than keeping
            self.blockade = False
            self.lifted_day = float(self.model.steps)
            who = self.model.theatre.oil_blockader or ""
            self.model.log(
                "blockade_lifted", who, "", f"its cost ({cost:.3f}) now outweighs keeping it ({keep:.3f})"
            )

    def step(self) -> None:
        """Blockade decision, then production, then strain and hardship."""
        self._decide_blockade()
        th, control, fighting = self.model.theatre, self.model.control, self.model.threatened
        blockader = th.oil_blockader if self.blockade else None  # not None while a blockade is on
        for sid, system in th.oil_systems.items():
            shut = False  # blockaded, or fighting at a place it requires (a loop, not any(): runs daily)
            for i in self._requires[sid]:
                if control[i] == blockader or i in fighting:
                    shut = True
                    break
            if shut:
                self.level[sid] = 0.0
            else:
                step = system.capacity_bpd / self.params.ramp_days
                self.level[sid] = min(system.capacity_bpd, self.level[sid] + step)
        self.strain += (self._gap() - self.strain) / self.params.strain_days
        self.hardship = self.params.hardship_weight * self.strain
        for f in self.model.factions.values():  # lost revenue strains every coalition
            f.cohesion = max(0.0, f.cohesion - self.params.hardship_cohesion * self.hardship)

    def record(self, day: int) -> None:
        """Output and hardship of the day."""
        self.model.series["oil_output_bpd"][day] = self.output()
        self.model.series["hardship"][day] = self.hardship

    def outcomes(self) -> dict[str, float]:
        """Final output, the day the blockade was lifted and the drawn resolve."""
        return {
            "oil_output_final_bpd": self.output(),
            "blockade_lifted_day": self.lifted_day,
            "blockade_resolve": self.resolve,
        }


MECHANISM = OilEconomy
