"""Epstein (2002) civil violence, Model I (generalised rebellion), vectorised with numpy.

Rules as in ../shared/reference/epstein.md and NetLogo's "Rebellion" (Wilensky 2004). On a W x H torus live
*citizens* and *cops*, at most one per site:

* a citizen has hardship H ~ U(0,1) and risk aversion R ~ U(0,1), fixed; grievance G = H (1 - L) with the
  regime's legitimacy L (H is shifted by an external ``hardship_shift`` and clipped to [0, 1]);
* Rule A: with C cops and A actives within vision (the citizen counts himself, so A >= 1), the estimated
  arrest probability is P = 1 - exp(-k floor(C / A)) -- NetLogo's floor, without which there is no
  punctuated equilibrium -- and the citizen is active iff G - R P > T;
* Rule C: every cop arrests one random active citizen within its vision and steps onto his site; the
  arrestee goes to jail (off the grid) for a term J ~ U{0, ..., J_max - 1} counted down at the end of each
  step as in NetLogo (he misses max(J - 1, 0) steps), and comes back quiet and exactly as aggrieved as
  before, on a random empty site;
* Rule M: every cop, and every citizen not in jail (if ``movement``), moves to a random empty site within
  its vision. Vision is the disc of Euclidean radius v (NetLogo ``in-radius``) on the torus.

**Schedule.** Epstein and NetLogo activate agents one at a time in random order. Here a step runs in
phases, each vectorised over all agents: :meth:`~CivilViolence.move`, :meth:`~CivilViolence.decide`
(synchronous: every citizen sees the statuses of the previous step), :meth:`~CivilViolence.arrest`,
:meth:`~CivilViolence.release`. Conflicts are resolved by random priority:

* movement is driven by the vacancies, shuffled once per step: in each of ``MOVE_ROUNDS`` rounds every
  vacancy draws up to ``_TRIES`` random sites of its disc and takes the first not-yet-moved agent found
  there; an agent drawn by several vacancies goes to the latest in the shuffled order, and the site he
  leaves is a vacancy in the next round (about three quarters of the agents move each step; the
  destination of a mover is close to uniform over the empty sites in his vision);
* arrests keep the one feature of the asynchronous order that the dynamics need: each agent gets a random
  turn within the step, and a cop sees a citizen's new status only if the citizen's turn came first (else
  his previous one), so a citizen who turns active can survive the step in which he did so. Each cop
  picks a random suspect in vision; a suspect picked by several cops goes to the earliest, and the others
  pick again among the suspects left.

With this schedule Run 2 gives outbursts of the size, frequency and variability that a slow one-agent-at-a-
time re-implementation of NetLogo's rules gave when checked by hand (peaks ~300 actives, mean ~30,
coefficient of variation ~2), and the jump of Run 4 a spike of ~15 actives as there; with fully synchronous
arrests that jump would leave no actives at all at the end of the step.

**State.** Citizen ``i`` is entry ``i`` of ``hardship``, ``risk_aversion``, ``active`` (bool),
``was_active`` (the status before the latest :meth:`~CivilViolence.decide`), ``free_at`` (the step at whose
end he leaves jail) and ``loc`` (flat site y*W + x, -1 while jailed); cop ``j`` is entry ``n_citizens + j``
of ``loc``. ``pos`` and ``cop_pos`` are views of the two parts of ``loc``. ``occ`` maps each site to its
occupant: -1 empty, ``i`` citizen i, ``n_citizens + j`` cop j. Discs are a cached table (sites x offsets).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import mesa
import numpy as np

__all__ = ["MOVE_ROUNDS", "CityUnrest", "CivilViolence", "EpsteinModel", "EpsteinParams", "neighbourhood"]

MOVE_ROUNDS = 3  # rounds of the movement conflict resolution
_TRIES = 3  # draws per vacancy and movement round


@dataclass(frozen=True)
class EpsteinParams:
    """Parameters of one grid; defaults are Epstein's Run 2 / NetLogo's defaults except cop density.

    Attributes:
        width: torus width in sites.
        height: torus height in sites.
        citizen_density: initial share of sites holding citizens.
        cop_density: initial share of sites holding cops (Run 2: 0.04; Runs 3-5 and Mesa: 0.074).
        citizen_vision: citizens' vision radius v (sites, Euclidean).
        cop_vision: cops' vision radius v*.
        legitimacy: initial regime legitimacy L.
        k: arrest-probability constant (ln 10 ~ 2.3: P = 0.9 with one cop and one active).
        threshold: activation threshold T.
        max_jail_term: J_max; jail terms are uniform on 0 ... J_max - 1 (use a large value for "infinite").
        movement: whether citizens move (cops always move, as in NetLogo).
    """

    width: int = 40
    height: int = 40
    citizen_density: float = 0.7
    cop_density: float = 0.074
    citizen_vision: float = 7.0
    cop_vision: float = 7.0
    legitimacy: float = 0.82
    k: float = 2.3
    threshold: float = 0.1
    max_jail_term: int = 30
    movement: bool = True

    def __post_init__(self) -> None:
        """Check every field; raise ``ValueError`` naming the first bad one."""

        def bad(name: str, allowed: str) -> ValueError:
            return ValueError(f"{name}: got {getattr(self, name)!r}; allowed: {allowed}")

        for name in ("width", "height", "max_jail_term"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int | np.integer) or v < 1:
                raise bad(name, "an integer >= 1")
        for name in ("citizen_density", "cop_density", "legitimacy"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise bad(name, "[0, 1]")
        for name in ("citizen_vision", "cop_vision"):
            if not 0.0 < getattr(self, name) < math.inf:
                raise bad(name, "a finite number > 0")
        if not 0.0 <= self.k < math.inf:
            raise bad("k", "a finite number >= 0")
        if not -math.inf < self.threshold < math.inf:
            raise bad("threshold", "a finite number")
        if self.citizen_density + self.cop_density > 1.0 + 1e-12:
            raise bad("cop_density", f"<= 1 - citizen_density = {1.0 - self.citizen_density}")
        if not isinstance(self.movement, bool | np.bool_):
            raise bad("movement", "True or False")


@functools.lru_cache(maxsize=32)
def neighbourhood(width: int, height: int, vision: float) -> tuple[np.ndarray, np.ndarray]:
    """Disc neighbourhoods on a torus, shared by all grids of one geometry (read-only arrays).

    Returns:
        ``(table, dist2)``: ``table[s, j]`` is the j-th distinct site within ``vision`` of site ``s`` (``s``
        itself included) and ``dist2[j]`` its squared torus distance from ``s``.
    """
    r = math.floor(vision)
    dy, dx = np.mgrid[-r : r + 1, -r : r + 1]
    disc = dy**2 + dx**2 <= vision**2 + 1e-9
    oy, ox = np.unique(np.stack([dy[disc] % height, dx[disc] % width]), axis=1)  # distinct on small tori
    y, x = np.divmod(np.arange(width * height), width)
    table = ((y[:, None] + oy) % height) * width + (x[:, None] + ox) % width
    dist2 = np.minimum(oy, height - oy) ** 2 + np.minimum(ox, width - ox) ** 2
    out = (table.astype(np.int32), dist2)
    for a in out:
        a.flags.writeable = False
    return out


class CivilViolence:
    """One torus of citizens and cops (pure numpy; see the module docstring for the arrays).

    Args:
        params: grid parameters.
        rng: the generator every random draw comes from.

    Attributes:
        legitimacy: regime legitimacy L, may be changed between steps.
        hardship_shift: added to every citizen's hardship (result clipped to [0, 1]); 0 by default.
    """

    def __init__(self, params: EpsteinParams, rng: np.random.Generator) -> None:
        self.params, self.rng = params, rng
        self.legitimacy = params.legitimacy
        self.hardship_shift = 0.0
        self.t = 0  # steps done
        p = params
        self.n_sites = p.width * p.height
        n_cit = round(p.citizen_density * self.n_sites)
        n_cop = min(round(p.cop_density * self.n_sites), self.n_sites - n_cit)
        self.hardship = rng.random(n_cit)
        self.risk_aversion = rng.random(n_cit)
        disc = functools.partial(neighbourhood, p.width, p.height)
        self._nbr_cit = disc(float(p.citizen_vision))[0]
        self._nbr_cop = disc(float(p.cop_vision))[0]
        self._nbr_move, self._dist2 = disc(float(max(p.citizen_vision, p.cop_vision)))
        self._claim = np.empty(self.n_sites, dtype=np.intp)  # scratch for conflict resolution, by agent id
        sites = rng.permutation(self.n_sites)
        self.place(sites[:n_cit], sites[n_cit : n_cit + n_cop])

    def place(self, citizen_sites: np.ndarray, cop_sites: np.ndarray) -> None:
        """Put every citizen (quiet, free) and ``len(cop_sites)`` cops on the given distinct sites."""
        loc = np.concatenate([citizen_sites, cop_sites]).astype(np.intp)
        if len(citizen_sites) != len(self.hardship) or len(np.unique(loc)) != len(loc):
            raise ValueError("place: need one distinct site per citizen and per cop")
        self.loc = loc
        self.active = np.zeros(len(self.hardship), dtype=bool)
        self.was_active = self.active.copy()  # statuses before the latest decide()
        self.free_at = np.zeros(len(self.hardship), dtype=np.int64)
        self._rebuild_occ()

    def _rebuild_occ(self) -> None:
        self.occ = np.full(self.n_sites, -1, dtype=np.intp)
        on = np.flatnonzero(self.loc >= 0)
        self.occ[self.loc[on]] = on

    # -- state and counts ---------------------------------------------------------------------------

    @property
    def pos(self) -> np.ndarray:
        """Citizens' sites (-1 while jailed); a view of ``loc``."""
        return self.loc[: len(self.hardship)]

    @property
    def cop_pos(self) -> np.ndarray:
        """Cops' sites; a view of ``loc``."""
        return self.loc[len(self.hardship) :]

    @property
    def n_citizens(self) -> int:
        """Citizens, jailed included (fixed)."""
        return len(self.hardship)

    @property
    def n_cops(self) -> int:
        """Cops on the grid."""
        return len(self.loc) - len(self.hardship)

    @property
    def max_cops(self) -> int:
        """Most cops the grid can hold next to all citizens (jailed ones keep a site free)."""
        return self.n_sites - self.n_citizens

    @property
    def n_active(self) -> int:
        """Active citizens."""
        return int(np.count_nonzero(self.active))

    @property
    def n_jailed(self) -> int:
        """Citizens in jail."""
        return int(np.count_nonzero(self.pos < 0))

    @property
    def active_share(self) -> float:
        """Actives / all citizens (jailed included)."""
        return self.n_active / max(self.n_citizens, 1)

    @property
    def jailed_share(self) -> float:
        """Jailed / all citizens."""
        return self.n_jailed / max(self.n_citizens, 1)

    @property
    def quiet_share(self) -> float:
        """Quiet citizens on the grid / all citizens."""
        return 1.0 - self.active_share - self.jailed_share if self.n_citizens else 0.0

    @property
    def grievance(self) -> np.ndarray:
        """G = H' (1 - L) per citizen, H' the shifted, clipped hardship."""
        return np.clip(self.hardship + self.hardship_shift, 0.0, 1.0) * (1.0 - self.legitimacy)

    def set_cops(self, n: int) -> None:
        """Remove random cops, or add cops on random empty sites, until there are n (at most ``max_cops``).

        Raises:
            ValueError: if ``n`` < 0.
        """
        if n < 0:
            raise ValueError(f"set_cops: got {n}; must be >= 0")
        n = min(int(n), self.max_cops)
        if n < self.n_cops:
            keep = np.sort(self.rng.choice(self.n_cops, n, replace=False))
            self.loc = np.concatenate([self.pos, self.cop_pos[keep]])
        elif n > self.n_cops:
            new = self.rng.choice(np.flatnonzero(self.occ < 0), n - self.n_cops, replace=False)
            self.loc = np.concatenate([self.loc, new])
        self._rebuild_occ()

    # -- the step ----------------------------------------------------------------------------------

    def step(self) -> None:
        """One period: move, decide, arrest, count down jail terms."""
        self.move()
        self.decide()
        self.arrest()
        self.release()
        self.t += 1

    def counts_in_vision(self) -> tuple[np.ndarray, np.ndarray]:
        """C (cops) and A (actives, himself counted as one) within vision of every citizen (0 and 1 in jail).

        Every cop and every active marks the sites of its disc: one bincount over the neighbourhood table,
        cops in bins 0 ... S-1, actives in bins S+1 ... 2S (bins S and 2S+1 stay 0, read for site -1).
        """
        table, n = self._nbr_cit, self.n_sites
        marks = [table.take(self.cop_pos, axis=0).ravel(), table[self.pos[self.active]].ravel() + (n + 1)]
        counts = np.bincount(np.concatenate(marks), minlength=2 * n + 2)
        return counts[self.pos], 1 + counts[self.pos + (n + 1)] - self.active

    def arrest_probability(self) -> np.ndarray:
        """P = 1 - exp(-k floor(C / A)) of every citizen (0 in jail)."""
        c, a = self.counts_in_vision()
        return 1.0 - np.exp(-self.params.k * (c // a))

    def decide(self) -> None:
        """Rule A for all free citizens at once (each sees the statuses of the previous step)."""
        net_risk = self.risk_aversion * self.arrest_probability()
        self.was_active = self.active
        self.active = (self.pos >= 0) & (self.grievance - net_risk > self.params.threshold)

    def move(self) -> None:
        """Rule M, driven by the vacancies (see the module docstring).

        A vacancy draws from the disc of the larger vision; a drawn agent accepts only if the vacancy lies
        within his own vision.
        """
        n, table, size, p = self.n_citizens, self._nbr_move, self._nbr_move.shape[1], self.params
        can_move = np.ones(len(self.loc) + 1, dtype=bool)  # indexed by occupant id; [-1] is "empty"
        np.greater_equal(self.pos, 0 if p.movement else self.n_sites, out=can_move[:n])  # free citizens
        can_move[-1] = False
        if p.citizen_vision != p.cop_vision:
            reach = np.full(len(self.loc) + 1, p.cop_vision**2 + 1e-9)
            reach[:n] = p.citizen_vision**2 + 1e-9
        vac = self.rng.permutation((self.occ < 0).nonzero()[0])  # random order = priority in conflicts
        draws = self.rng.integers(0, size, (MOVE_ROUNDS, len(vac), _TRIES))
        offsets = np.arange(0, len(vac) * _TRIES, _TRIES)
        for j in draws:
            cand = table.take(vac[:, None] * size + j)
            who = self.occ.take(cand)
            ok = can_move.take(who)
            if p.citizen_vision != p.cop_vision:
                ok &= self._dist2.take(j) <= reach.take(who)
            flat = ok.argmax(axis=1) + offsets  # each vacancy's first acceptable draw
            hit = ok.ravel().take(flat)
            slots, flat = hit.nonzero()[0], flat[hit]
            agent = who.ravel().take(flat)
            self._claim[agent] = slots  # the last write stays: the latest of the vacancies drawing an agent
            win = self._claim.take(agent) == slots
            agent, src, slots = agent[win], cand.ravel().take(flat[win]), slots[win]
            dest = vac.take(slots)
            self.occ[src] = -1
            self.occ[dest] = agent
            self.loc[agent] = dest
            can_move[agent] = False
            vac[slots] = src

    def arrest(self) -> None:
        """Rule C: each cop arrests a random active within vision (one cop per arrestee) and takes his site.

        As in the asynchronous original, every agent has a random turn within the step: a cop sees a
        citizen's new status if the citizen's turn came first, else his status of the previous step.
        The (cop, suspect) pairs within cop vision are listed from whichever side is smaller; each round
        every cop with a pair left picks one at random, a suspect picked twice goes to the earlier cop,
        and pairs of busy cops and of arrested citizens drop out.
        """
        n, table = self.n_citizens, self._nbr_cop
        suspects = np.flatnonzero(self.active | self.was_active)
        if not suspects.size or not self.n_cops:
            return
        turn = self.rng.random(len(self.loc))
        if suspects.size <= self.n_cops:
            seen = self.occ[table[self.pos[suspects]]]
            mask = seen >= n
            cops, cits = seen[mask] - n, np.broadcast_to(suspects[:, None], seen.shape)[mask]
        else:
            is_suspect = np.zeros(len(self.loc) + 1, dtype=bool)
            is_suspect[suspects] = True
            seen = self.occ[table[self.cop_pos]]
            mask = is_suspect[seen]
            cops, cits = np.broadcast_to(np.arange(self.n_cops)[:, None], seen.shape)[mask], seen[mask]
        ok = np.where(turn[n + cops] > turn[cits], self.active[cits], self.was_active[cits])
        cops, cits = cops[ok], cits[ok]
        pair_of_cop = np.empty(self.n_cops, dtype=np.intp)
        while cops.size:
            order = self.rng.permutation(cops.size)
            pair_of_cop[cops[order]] = order  # a random pair per cop (the last write stays)
            pick = pair_of_cop[np.unique(cops)]
            pc, pa = cops[pick], cits[pick]
            first = np.argsort(-turn[n + pc])  # the earliest cop writes last and wins
            self._claim[pa[first]] = pc[first]
            win = self._claim[pa] == pc
            pc, pa = pc[win], pa[win]
            sites = self.loc[pa]
            self.occ[self.cop_pos[pc]] = -1
            self.occ[sites] = n + pc
            self.cop_pos[pc] = sites
            self.loc[pa] = -1
            self.active[pa] = False
            term = self.rng.integers(0, self.params.max_jail_term, size=len(pa))
            self.free_at[pa] = self.t + np.maximum(term - 1, 0)  # NetLogo: the term counts down at step end
            done = np.zeros(len(self.loc), dtype=bool)
            done[pa] = done[n + pc] = True
            keep = ~(done[cits] | done[n + cops])
            cops, cits = cops[keep], cits[keep]

    def release(self) -> None:
        """Citizens whose term ends this step return quiet to random empty sites."""
        out = np.flatnonzero((self.loc[: self.n_citizens] < 0) & (self.free_at <= self.t))
        if out.size:
            sites = self.rng.choice(np.flatnonzero(self.occ < 0), out.size, replace=False)
            self.loc[out] = sites
            self.occ[sites] = out


class CityUnrest(mesa.Agent):
    """A Mesa agent owning one :class:`CivilViolence` grid (e.g. one city); draws only from ``model.rng``.

    Args:
        model: the owning model.
        name: label (e.g. the city's id).
        params: the grid's parameters.

    Attributes:
        grid: the :class:`CivilViolence` state; set ``grid.legitimacy``, ``grid.hardship_shift`` and
            ``grid.set_cops(n)`` from outside before each step, read ``grid.active_share`` etc. after it.
    """

    def __init__(self, model: mesa.Model, name: str, params: EpsteinParams) -> None:
        super().__init__(model)
        self.name = name
        self.grid = CivilViolence(params, model.rng)

    def step(self) -> None:
        """One day (period) of the grid."""
        self.grid.step()


class EpsteinModel(mesa.Model):
    """Standalone Epstein Model I: one :class:`CityUnrest`, recording actives and jailed each step.

    Args:
        params: grid parameters (default :class:`EpsteinParams`).
        rng: seed or generator.
    """

    def __init__(
        self, params: EpsteinParams | None = None, rng: int | np.random.Generator | None = None
    ) -> None:
        super().__init__(rng=rng)
        self.params = params if params is not None else EpsteinParams()
        self.city = CityUnrest(self, "city", self.params)
        self.active_history: list[int] = [self.city.grid.n_active]
        self.jailed_history: list[int] = [self.city.grid.n_jailed]

    def step(self) -> None:
        """Step the grid and record its counts."""
        self.city.step()
        self.active_history.append(self.city.grid.n_active)
        self.jailed_history.append(self.city.grid.n_jailed)
