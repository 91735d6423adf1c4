"""Epstein (2002) civil violence, Model I (generalised rebellion), compiled with numba.

Rules as in ../shared/reference/epstein.md and NetLogo's "Rebellion" (Wilensky 2004). On a W x H torus live
*citizens* and *cops*, at most one per site:

* a citizen has hardship H ~ U(0,1) and risk aversion R ~ U(0,1), fixed; grievance G = H (1 - L) with the
  regime's legitimacy L (H is shifted by an external ``hardship_shift`` and clipped to [0, 1]);
* Rule A: with C cops and A actives within vision (the citizen counts himself, so A >= 1), the estimated
  arrest probability is P = 1 - exp(-k floor(C / A)) -- NetLogo's floor, without which there is no
  punctuated equilibrium -- and the citizen is active iff G - R P > T;
* Rule C: a cop arrests one random active citizen within his vision and steps onto his site; the arrestee
  goes to jail (off the grid) for a term J ~ U{0, ..., J_max - 1} counted down at the end of each step as
  in NetLogo (he misses max(J - 1, 0) steps), and comes back quiet and exactly as aggrieved as before, on
  a random empty site;
* Rule M: every cop, and every citizen not in jail (if ``movement``), moves to a random empty site within
  his vision, or stays if there is none. Vision is the disc of Euclidean radius v (NetLogo ``in-radius``)
  on the torus.

**Schedule.** As in Epstein and NetLogo: each step activates every agent once, one at a time, in a fresh
random order (asynchronous random activation). A free citizen moves, then applies rule A; a cop moves,
then applies rule C. A citizen arrested before his turn does not act. After all turns, jail terms count
down and the citizens whose term is over come back. So a citizen sees the statuses others have at his
turn, and a cop sees a citizen's new status only if the citizen's turn came first.

**Speed.** The step is one numba-compiled function over flat arrays (some 800 times faster per step than
Mesa's one-object-per-agent example; see ``benchmarks/bench_unrest.py``). Its random numbers come from a
SplitMix64 stream whose 64-bit state is drawn from the owning model's ``numpy`` generator when the grid is
built, so every draw still derives from the model's seed. Several independent tori (*blocks*, one per
city) can share one grid and step in one call.

**State.** Citizen ``i`` is entry ``i`` of ``hardship``, ``risk_aversion``, ``active`` (bool), ``free_at``
(the step at whose end he leaves jail) and ``loc`` (flat site y*W + x, -1 while jailed); cop ``j`` is
entry ``n_citizens + j`` of ``loc``. ``pos`` and ``cop_pos`` are views of the two parts of ``loc``.
``occ`` maps each site to its occupant: -1 empty, ``i`` citizen i, ``n_citizens + j`` cop j; ``kind`` to
what stands there (``EMPTY``, ``QUIET``, ``ACTIVE`` or ``COP``); ``near[0]`` and ``near[1]`` to the cops
and actives within citizen vision of it. Discs are a cached table (sites x offsets).
"""

from __future__ import annotations

import functools

import mesa
import numpy as np

from sim.model.epstein_kernels import (  # noqa: F401 (_below, EMPTY: the tests read them here)
    ACTIVE,
    COP,
    EMPTY,
    QUIET,
    _active_per_block,
    _below,
    _count_jailed,
    _fill_near,
    _release,
    _step,
    _turns,
    neighbourhood,
)
from sim.model.epstein_params import EpsteinParams

__all__ = ["CityUnrest", "CivilViolence", "EpsteinModel", "EpsteinParams", "neighbourhood"]


class CivilViolence:
    """Citizens and cops on ``blocks`` independent tori of one geometry (one per city, say).

    The arrays are flat over all blocks (see the module docstring): block ``b`` holds sites
    ``b * S ... (b + 1) * S - 1`` (S = width x height) and citizens ``b * n ... (b + 1) * n - 1``; cops
    are numbered after all citizens, and a cop belongs to the block of his site. Nobody sees, moves or is
    released across blocks, so each block is a grid of its own; stepping them together is one compiled
    call instead of one per block. Legitimacy and the hardship shift apply to every block; cops are set per
    block.

    Args:
        params: the geometry and parameters of each block.
        rng: the generator the initial state and the kernel's random stream come from.
        blocks: number of blocks (>= 1).

    Attributes:
        legitimacy: regime legitimacy L, may be changed between steps.
        hardship_shift: added to every citizen's hardship (result clipped to [0, 1]); 0 by default.
        t: steps done.
    """

    def __init__(self, params: EpsteinParams, rng: np.random.Generator, blocks: int = 1) -> None:
        if isinstance(blocks, bool) or not isinstance(blocks, int | np.integer) or blocks < 1:
            raise ValueError(f"blocks: got {blocks!r}; allowed: an integer >= 1")
        self.params, self.rng, self.blocks = params, rng, int(blocks)
        self.legitimacy = params.legitimacy
        self.hardship_shift = 0.0
        self.t = 0
        p = params
        self.block_sites = p.width * p.height
        self.n_sites = self.blocks * self.block_sites
        self.block_citizens = round(p.citizen_density * self.block_sites)
        n_cop = min(round(p.cop_density * self.block_sites), self.block_sites - self.block_citizens)
        self.hardship = rng.random(self.blocks * self.block_citizens)
        self.risk_aversion = rng.random(self.blocks * self.block_citizens)
        disc = functools.partial(neighbourhood, p.width, p.height, blocks=self.blocks)
        self._nbr_cit = disc(float(p.citizen_vision))[0]
        self._nbr_cop = disc(float(p.cop_vision))[0]
        self._stream = rng.integers(0, 2**64, size=1, dtype=np.uint64)  # the kernel's SplitMix64 counter
        cit, cop = [], []
        for b in range(self.blocks):
            sites = rng.permutation(self.block_sites) + b * self.block_sites
            cit.append(sites[: self.block_citizens])
            cop.append(sites[self.block_citizens : self.block_citizens + n_cop])
        self.place(np.concatenate(cit), np.concatenate(cop))

    def place(self, citizen_sites, cop_sites) -> None:
        """Put every citizen (quiet, free) and ``len(cop_sites)`` cops on the given distinct sites.

        Citizen ``i`` must stand in his block (``i // block_citizens``).
        """
        cit = np.asarray(citizen_sites, dtype=np.int64)
        loc = np.concatenate([cit, np.asarray(cop_sites, dtype=np.int64)])
        if len(cit) != len(self.hardship) or len(np.unique(loc)) != len(loc):
            raise ValueError("place: need one distinct site per citizen and per cop")
        if len(loc) and not (0 <= loc.min() and loc.max() < self.n_sites):
            raise ValueError(f"place: sites must lie in 0 ... {self.n_sites - 1}")
        if np.any(cit // self.block_sites != np.arange(len(cit)) // max(self.block_citizens, 1)):
            raise ValueError("place: citizen i must stand in block i // block_citizens")
        self.loc = loc
        self.active = np.zeros(len(self.hardship), dtype=bool)
        self.free_at = np.zeros(len(self.hardship), dtype=np.int64)
        self.sync()

    def sync(self) -> None:
        """Rebuild the site maps ``occ``, ``kind`` and ``near`` from ``loc`` and ``active``.

        The step keeps them up to date; call this after changing ``loc`` or ``active`` by hand.
        """
        self.occ = np.full(self.n_sites, -1, dtype=np.int64)
        on = np.flatnonzero(self.loc >= 0)
        self.occ[self.loc[on]] = on
        self.kind = np.zeros(self.n_sites, dtype=np.uint8)
        n = self.n_citizens
        cit = on[on < n]
        self.kind[self.loc[cit]] = np.where(self.active[cit], ACTIVE, QUIET)
        self.kind[self.loc[on[on >= n]]] = COP
        self.near = np.zeros((2, self.n_sites), dtype=np.int32)
        _fill_near(self.kind, self._nbr_cit, self.near)

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
        """Citizens of all blocks, jailed included (fixed)."""
        return len(self.hardship)

    @property
    def n_cops(self) -> int:
        """Cops on the grid (all blocks)."""
        return len(self.loc) - len(self.hardship)

    @property
    def max_cops(self) -> int:
        """Most cops a block can hold next to all its citizens (jailed ones keep a site free)."""
        return self.block_sites - self.block_citizens

    @property
    def n_active(self) -> int:
        """Active citizens."""
        return int(np.count_nonzero(self.active))

    @property
    def n_jailed(self) -> int:
        """Citizens in jail."""
        return int(_count_jailed(self.loc, len(self.hardship)))  # compiled: read daily, after the step

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

    def active_shares(self) -> np.ndarray:
        """Actives / citizens of each block."""
        counts = _active_per_block(self.active, self.blocks)  # compiled: read daily, after the step
        return counts / max(self.block_citizens, 1)

    def cops_per_block(self) -> np.ndarray:
        """Cops in each block."""
        return np.bincount(self.cop_pos // self.block_sites, minlength=self.blocks)

    @property
    def grievance(self) -> np.ndarray:
        """G = H' (1 - L) per citizen, H' the shifted, clipped hardship."""
        return np.clip(self.hardship + self.hardship_shift, 0.0, 1.0) * (1.0 - self.legitimacy)

    def counts_in_vision(self) -> tuple[np.ndarray, np.ndarray]:
        """C (cops) and A (actives, himself counted once) in vision of every citizen (0 and 1 in jail)."""
        free = self.pos >= 0
        c, a = np.zeros(self.n_citizens, dtype=np.int64), np.ones(self.n_citizens, dtype=np.int64)
        c[free] = self.near[0, self.pos[free]]
        a[free] += self.near[1, self.pos[free]] - self.active[free]
        return c, a

    def arrest_probability(self) -> np.ndarray:
        """P = 1 - exp(-k floor(C / A)) of every citizen (0 in jail: C = 0 there)."""
        c, a = self.counts_in_vision()
        return 1.0 - np.exp(-self.params.k * (c // a))

    def set_cops(self, n: int, block: int = 0) -> None:
        """Remove random cops of ``block``, or add cops on its random empty sites, until it has n.

        At most ``max_cops``.

        Raises:
            ValueError: if ``n`` < 0 or ``block`` is not one of the blocks.
        """
        if n < 0:
            raise ValueError(f"set_cops: got {n}; must be >= 0")
        if not 0 <= block < self.blocks:
            raise ValueError(f"set_cops: block must lie in 0 ... {self.blocks - 1}; got {block}")
        n = min(int(n), self.max_cops)
        mine = np.flatnonzero(self.cop_pos // self.block_sites == block)
        if n == len(mine):
            return
        if n < len(mine):
            drop = self.rng.choice(mine, len(mine) - n, replace=False)
            self.loc = np.delete(self.loc, self.n_citizens + drop)
        else:
            lo = block * self.block_sites
            empty = np.flatnonzero(self.occ[lo : lo + self.block_sites] < 0) + lo
            self.loc = np.concatenate([self.loc, self.rng.choice(empty, n - len(mine), replace=False)])
        self.sync()

    # -- the step ----------------------------------------------------------------------------------

    def _args(self) -> tuple:
        p = self.params
        return (
            self.t, self.loc, self.occ, self.kind, self.active, self.near, self.free_at, self.hardship,
            self.risk_aversion, self.n_citizens, float(self.legitimacy), float(self.hardship_shift),
            float(p.k), float(p.threshold), int(p.max_jail_term), bool(p.movement), self._nbr_cit,
            self._nbr_cop, self._stream,
        )  # fmt: skip

    def step(self) -> None:
        """One period: every agent takes a turn in random order, then jail terms count down."""
        _step(*self._args(), self.block_sites)
        self.t += 1

    def act(self, agent: int) -> None:
        """The turn of citizen ``i`` or cop ``n_citizens + j`` within step ``t``: rule M, then A or C."""
        if not 0 <= agent < len(self.loc):
            raise ValueError(f"act: agent must lie in 0 ... {len(self.loc) - 1}; got {agent}")
        _turns(np.array([agent]), *self._args())

    def release(self) -> None:
        """End of step ``t``: citizens whose jail term is over come back quiet to random empty sites."""
        _release(self.t, self.loc, self.occ, self.kind, self.free_at, self.n_citizens, self._stream,
                 self.block_sites)  # fmt: skip


class CityUnrest(mesa.Agent):
    """A Mesa agent owning a :class:`CivilViolence` grid (a city, or a block per city); draws from its model.

    Args:
        model: the owning model.
        name: label (e.g. the city's id).
        params: the grid's (each block's) parameters.
        blocks: number of independent blocks (cities) of the grid.

    Attributes:
        grid: the :class:`CivilViolence` state; set ``grid.legitimacy``, ``grid.hardship_shift`` and
            ``grid.set_cops(n, block)`` from outside before each step, read ``grid.active_share``,
            ``grid.active_shares()`` etc. after it.
    """

    def __init__(self, model: mesa.Model, name: str, params: EpsteinParams, blocks: int = 1) -> None:
        super().__init__(model)
        self.name = name
        self.grid = CivilViolence(params, model.rng, blocks)

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
