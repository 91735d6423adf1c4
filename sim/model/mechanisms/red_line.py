"""A patron's red line: Egypt's Sirte-Jufra line.

Forces.md section 8: on 20 Jun 2020 (day 13) Sisi declared "The line of Sirte, al-Jufra is a red line
for Egypt and its national security" and ordered his forces to be ready to act "outside our borders";
Egypt's parliament authorised a combat deployment on 20 Jul 2020. From ``declared_day`` on, while the
patron's client's enemy holds any red-line place, the patron intervenes with daily probability
``intervene_prob_per_day``: its standby air assets join the war and its standby units deploy
(``PatronAgent.intervene``). Outcome: ``<patron>_intervened_day`` (the patron's first intervention, by
this or any other mechanism).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from sim.errors import ConfigError
from sim.model.mechanisms import Mechanism, Outcome
from sim.schema import days, prob

__all__ = ["MECHANISM", "RedLine"]


@dataclass
class Config:
    """A patron's red line: if its client's enemy holds any of ``places``, it may intervene.

    forces.md section 8 (not the seed, which predates it): on 20 Jun 2020 (day 13) Sisi declared "The
    line of Sirte, al-Jufra is a red line for Egypt"; Egypt's parliament authorised combat deployment
    on 20 Jul 2020.
    """

    enabled: bool = False
    # Theatre data (configs/theatre/*.yaml): the patron drawing the line, and the places it protects.
    patron: str = ""
    places: list[str] = field(default_factory=list)
    declared_day: int = days(13, 0)
    intervene_prob_per_day: float = prob(0.15)  # ASSUMPTION: a decision within about a week


class RedLine(Mechanism):
    """A red line drawn by one patron around some places."""

    key = "red_line"
    order = 40
    Config = Config

    @classmethod
    def check(cls, params, theatre) -> None:
        """The patron and at least one place exist."""
        if params.patron not in theatre.patrons:
            allowed = ", ".join(sorted(theatre.patrons)) or "(the theatre has no patrons)"
            raise ConfigError(f"mechanisms.red_line.patron: {params.patron!r}; allowed: {allowed}")
        if not params.places:
            raise ConfigError("mechanisms.red_line.places: name at least one place")
        for p in params.places:
            if p not in theatre.places:
                raise ConfigError(f"mechanisms.red_line.places: unknown place {p!r}")

    @classmethod
    def declare_outcomes(cls, params, theatre) -> tuple[Outcome, ...]:
        """The day the line was first crossed (the patron's intervention is a core outcome)."""
        return (Outcome("red_line_crossed_day", "day", unit="day", label="Red line crossed", contract=False),)

    def __init__(self, model) -> None:
        """Look up the patron and the red-line places."""
        super().__init__(model)
        self.patron = model.patrons[self.params.patron]
        self.places = [model.theatre.index(p) for p in self.params.places]
        self.crossed_day = float("nan")

    def crossed(self) -> bool:
        """Whether the client's enemy holds any red-line place."""
        client = self.patron.client
        return any(self.model.control[i] != client for i in self.places)

    def step(self) -> None:
        """Intervene with the daily probability once the line is drawn and crossed."""
        m, p = self.model, self.params
        if m.steps < p.declared_day or not self.crossed():
            return
        if math.isnan(self.crossed_day):
            self.crossed_day = float(m.steps)
        if not self.patron.intervened and m.rng.random() < p.intervene_prob_per_day:
            self.patron.intervene()

    def outcomes(self) -> dict:
        """The day the red line was first crossed (after it was drawn)."""
        return {"red_line_crossed_day": self.crossed_day}


MECHANISM = RedLine
