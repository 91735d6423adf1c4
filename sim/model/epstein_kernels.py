"""The compiled kernels of the Epstein civil-violence grid (:mod:`sim.model.epstein`), with numba.

Vision discs and one asynchronous step of every agent (rules A, C and M; jail terms).
Kept apart from the grid's classes so each module stays small; :mod:`sim.model.epstein` documents the
rules and the state these functions update.
"""

from __future__ import annotations

import functools
import math

import numpy as np
from numba import njit

__all__ = ["ACTIVE", "COP", "EMPTY", "QUIET", "neighbourhood"]

_TRIES = 16  # random draws from the disc before a mover lists its empty sites (the result is uniform)


@functools.lru_cache(maxsize=32)
def neighbourhood(width: int, height: int, vision: float, blocks: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Disc neighbourhoods on a torus, shared by all grids of one geometry (read-only arrays).

    Returns:
        ``(table, dist2)``: ``table[s, j]`` is the j-th distinct site within ``vision`` of site ``s`` (``s``
        itself included) and ``dist2[j]`` its squared torus distance from ``s``. With ``blocks`` > 1 the
        table covers that many tori of W x H sites each, site ``s`` of block ``b`` numbered
        ``b * W * H + s``, every disc within its block.
    """
    r = math.floor(vision)
    dy, dx = np.mgrid[-r : r + 1, -r : r + 1]
    disc = dy**2 + dx**2 <= vision**2 + 1e-9
    oy, ox = np.unique(np.stack([dy[disc] % height, dx[disc] % width]), axis=1)  # distinct on small tori
    y, x = np.divmod(np.arange(width * height), width)
    table = ((y[:, None] + oy) % height) * width + (x[:, None] + ox) % width
    dist2 = np.minimum(oy, height - oy) ** 2 + np.minimum(ox, width - ox) ** 2
    table = (table[None] + width * height * np.arange(blocks)[:, None, None]).reshape(-1, table.shape[1])
    out = (table.astype(np.int32), dist2)
    for a in out:
        a.flags.writeable = False
    return out


# -- the compiled kernel -------------------------------------------------------------------------------
# One function runs all the turns of a step, with the rules written out inline: numba's calls between
# functions that take arrays (inlined or not) cost reference counting in the inner loop, several times the
# work of a turn. Only scalar helpers are called. Rows of the disc tables are read by (site, j) index.
#
# Random numbers: SplitMix64 (Steele, Lea & Flood 2014; the generator of Java's SplittableRandom, which
# passes BigCrush): the state is one uint64 counter that advances by a fixed odd gamma per draw, and the
# draw is a mix of the counter. An integer in [0, n) is floor(u n) with a 53-bit uniform u (bias below
# n / 2^53). Every constant is a uint64: numba turns mixed uint64/int64 arithmetic into floats.

_GAMMA = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_U11, _U27, _U30, _U31 = (np.uint64(v) for v in (11, 27, 30, 31))
_TWO_M53 = 2.0**-53

# What stands on a site (``kind``).
EMPTY, QUIET, ACTIVE, COP = 0, 1, 2, 4


@njit(cache=True)
def _below(z, n):
    """An integer in [0, n) from the SplitMix64 counter value ``z`` (the caller advances the counter)."""
    z = (z ^ (z >> _U30)) * _M1
    z = (z ^ (z >> _U27)) * _M2
    z ^= z >> _U31
    return min(np.int64(float(z >> _U11) * _TWO_M53 * n), n - 1)


@njit(cache=True)
def _mark(near, which, table, site, delta):
    """Add ``delta`` to ``near[which]`` on the disc ``table[site]``."""
    for j in range(table.shape[1]):
        near[which, table[site, j]] += delta


@njit(cache=True)
def _fill_near(kind, table, near):
    """``near[0, s]``, ``near[1, s]``: cops and actives within citizen vision of site s, from scratch.

    Discs are symmetric (s' is on the disc of s iff s is on the disc of s'), so marking the disc of every
    cop and every active counts them for every site; the turns keep these counts up to date as agents
    move, turn active or quiet, and are arrested.
    """
    near[:] = 0
    for s in range(len(kind)):
        if kind[s] == COP:
            _mark(near, 0, table, s, 1)
        elif kind[s] == ACTIVE:
            _mark(near, 1, table, s, 1)


@njit(cache=True)
def _turns(order, t, loc, occ, kind, active, near, free_at, hardship, risk, n_cit, legitimacy, shift, k,
           threshold, max_jail_term, movement, nbr_cit, nbr_cop, stream):  # fmt: skip
    """The turns of the agents in ``order``, one at a time, within step ``t``.

    A jailed citizen does nothing. A free citizen moves if ``movement`` (rule M), then applies rule A. A
    cop moves (rule M), then applies rule C. ``near`` follows every move, change of status and arrest.
    """
    z = stream[0]
    same_disc = nbr_cop.shape[1] == nbr_cit.shape[1]  # nested discs of equal size are equal
    arrest_p = 1.0 - np.exp(-k * np.arange(nbr_cit.shape[1] + 1))  # P = 1 - exp(-k floor(C / A)) by floor
    for agent in order:
        here = loc[agent]
        if here < 0:
            continue
        is_cop = agent >= n_cit
        # Rule M: a uniform random empty site of the disc, by rejection sampling (the agent's own site is
        # never empty) and, after _TRIES misses, by listing the disc's empty sites; stay if there is none.
        if is_cop or movement:
            table = nbr_cop if is_cop else nbr_cit
            size = table.shape[1]
            dest = -1
            for _ in range(_TRIES):
                z += _GAMMA
                d = table[here, _below(z, size)]
                if kind[d] == EMPTY:
                    dest = d
                    break
            if dest < 0:
                n_empty = _count_of_kind(table[here], kind, EMPTY)
                if n_empty:
                    z += _GAMMA
                    dest = _nth_of_kind(table[here], kind, EMPTY, _below(z, n_empty))
            if dest >= 0:
                x = kind[here]
                occ[here], occ[dest] = -1, agent
                kind[here], kind[dest] = EMPTY, x
                loc[agent] = dest
                if x != QUIET:  # cops and actives carry their marks along
                    _mark(near, 0 if x == COP else 1, nbr_cit, here, -1)
                    _mark(near, 0 if x == COP else 1, nbr_cit, dest, 1)
                here = dest
        if not is_cop:
            # Rule A: C and A from the counts at his site (A counts him once).
            c = near[0, here]
            a = 1 + near[1, here] - active[agent]
            p = arrest_p[c // a] if c >= a else 0.0
            h = min(1.0, max(0.0, hardship[agent] + shift))
            now = h * (1.0 - legitimacy) - risk[agent] * p > threshold
            if now != active[agent]:
                active[agent] = now
                kind[here] = ACTIVE if now else QUIET
                _mark(near, 1, nbr_cit, here, 1 if now else -1)
        else:
            # Rule C: count the actives on the cop's disc, arrest the r-th, step onto his site. With one
            # disc for both (same width: discs grow with vision), the count is near[1, here], kept up to date.
            n = near[1, here] if same_disc else _count_of_kind(nbr_cop[here], kind, ACTIVE)
            if n:
                z += _GAMMA
                site = _nth_of_kind(nbr_cop[here], kind, ACTIVE, _below(z, n))
                suspect = occ[site]
                occ[here], occ[site] = -1, agent
                kind[here], kind[site] = EMPTY, COP
                loc[agent] = site
                loc[suspect] = -1
                active[suspect] = False
                _mark(near, 1, nbr_cit, site, -1)
                _mark(near, 0, nbr_cit, here, -1)
                _mark(near, 0, nbr_cit, site, 1)
                z += _GAMMA
                term = _below(z, max_jail_term)
                free_at[suspect] = t + max(term - 1, 0)  # NetLogo: terms count down at the end of each step
    stream[0] = z


@njit(cache=True)
def _count_of_kind(sites, kind, wanted):
    """How many of ``sites`` hold an agent of kind ``wanted`` (or are empty, for EMPTY)."""
    n = 0
    for j in range(sites.shape[0]):
        n += kind[sites[j]] == wanted
    return n


@njit(cache=True)
def _nth_of_kind(sites, kind, wanted, r):
    """The ``r``-th (from 0) of ``sites`` whose kind is ``wanted``, in their order; -1 if there are fewer."""
    for j in range(sites.shape[0]):
        site = sites[j]
        if kind[site] == wanted:
            if r == 0:
                return site
            r -= 1
    return -1


@njit(cache=True)
def _active_per_block(active, blocks):
    """Active citizens in each of ``blocks`` blocks (citizens are numbered block by block)."""
    counts = np.zeros(blocks, dtype=np.int64)
    per_block = len(active) // blocks
    if per_block == 0:
        return counts
    for i in range(len(active)):
        if active[i]:
            counts[i // per_block] += 1
    return counts


@njit(cache=True)
def _count_jailed(loc, n_cit):
    """Citizens in jail (site -1): citizens are the first ``n_cit`` entries of ``loc``."""
    n = 0
    for i in range(n_cit):
        n += loc[i] < 0
    return n


@njit(cache=True)
def _release(t, loc, occ, kind, free_at, n_cit, stream, block_sites):
    """Citizens whose term ends at step ``t`` come back quiet to uniform random empty sites of their block.

    Citizen order. A free site always exists: every jailed citizen left one in his block.
    """
    z = stream[0]
    per_block = n_cit * block_sites // len(kind)  # citizens per block
    for i in range(n_cit):
        if loc[i] < 0 and free_at[i] <= t:
            lo = (i // per_block) * block_sites
            dest = -1
            for _ in range(_TRIES):
                z += _GAMMA
                d = lo + _below(z, block_sites)
                if kind[d] == EMPTY:
                    dest = d
                    break
            if dest < 0:
                block = np.arange(lo, lo + block_sites)
                z += _GAMMA
                dest = _nth_of_kind(block, kind, EMPTY, _below(z, _count_of_kind(block, kind, EMPTY)))
            loc[i] = dest
            occ[dest] = i
            kind[dest] = QUIET
    stream[0] = z


@njit(cache=True)
def _step(t, loc, occ, kind, active, near, free_at, hardship, risk, n_cit, legitimacy, shift, k, threshold,
          max_jail_term, movement, nbr_cit, nbr_cop, stream, block_sites):  # fmt: skip
    """One step: every agent takes a turn in a random order (Fisher-Yates), then jail terms count down."""
    order = np.arange(len(loc))
    z = stream[0]
    for i in range(len(order) - 1, 0, -1):
        z += _GAMMA
        j = _below(z, i + 1)
        order[i], order[j] = order[j], order[i]
    stream[0] = z
    _turns(order, t, loc, occ, kind, active, near, free_at, hardship, risk, n_cit, legitimacy, shift, k,
           threshold, max_jail_term, movement, nbr_cit, nbr_cop, stream)  # fmt: skip
    _release(t, loc, occ, kind, free_at, n_cit, stream, block_sites)
