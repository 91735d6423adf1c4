"""A patron's red line: Egypt's Sirte-Jufra line.

Forces.md section 8: on 20 Jun 2020 (day 13) Sisi declared "The line of Sirte, al-Jufra is a red line
for Egypt and its national security" and ordered his forces to be ready to act "outside our borders";
Egypt's parliament authorised a combat deployment on 20 Jul 2020. From ``declared_day`` on, while the
patron's client's enemy holds any red-line place, the patron intervenes with daily probability
``intervene_prob_per_day``: its standby air assets join the war and its standby units deploy
(``PatronAgent.intervene``). Outcome: ``egypt_intervened_day`` (the patron's first intervention, by
this or any other mechanism).
"""

from __future__ import annotations

import math

from sim.model.mechanism import Mechanism

__all__ = ["RedLine"]


class RedLine(Mechanism):
    """A red line drawn by one patron around some places."""

    def __init__(self, model) -> None:
        """Look up the patron and the red-line places."""
        super().__init__(model)
        self.params = model.params.red_line
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
