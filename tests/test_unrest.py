"""Epstein civil-violence submodel: rules, invariants, Epstein's findings, determinism, external drivers.

Run parameters from ../shared/reference/epstein.md (Table 2): Run 2 = L 0.82, J_max 30, vision 7, cops 0.04;
Runs 3/4 = L 0.9, J_max "infinite" (1000 here), vision 7, cops 0.074; Run 5 = as 3/4 with L 0.8.
"""

import math
import random

import mesa
import numpy as np
import pytest
import scipy.stats

from sim.model.epstein import CityUnrest, CivilViolence, EpsteinModel, EpsteinParams, _below, neighbourhood

RUN2 = EpsteinParams(cop_density=0.04, legitimacy=0.82, max_jail_term=30)
RUN34 = EpsteinParams(cop_density=0.074, legitimacy=0.9, max_jail_term=1000)
P_ONE_COP = 1 - math.exp(-2.3)  # ~0.9: one cop, no other active in vision


def run(params, seed, steps, legitimacy=None):
    """Active and jailed counts of a standalone run; ``legitimacy(t)`` sets L before step t."""
    model = EpsteinModel(params, rng=seed)
    for t in range(steps):
        if legitimacy is not None:
            model.city.grid.legitimacy = legitimacy(t)
        model.step()
    return np.array(model.active_history), np.array(model.jailed_history)


def tiny(n_cit=2, n_cop=1, vision=2.0, size=20, seed=0, **kw):
    """A size x size grid with exactly ``n_cit`` citizens and ``n_cop`` cops, to be placed by hand."""
    n = size * size
    p = EpsteinParams(
        width=size, height=size, citizen_density=n_cit / n, cop_density=n_cop / n, citizen_vision=vision,
        cop_vision=vision, **kw,
    )  # fmt: skip
    return CivilViolence(p, np.random.default_rng(seed))


def site(y, x, width=20):
    return y * width + x


def check_invariants(g: CivilViolence):
    on = g.loc >= 0
    assert len(np.unique(g.loc[on])) == on.sum()  # no two agents on one site
    assert np.array_equal(g.occ[g.loc[on]], np.flatnonzero(on))
    assert (g.occ >= 0).sum() == on.sum()
    assert g.n_jailed + int(on[: g.n_citizens].sum()) == g.n_citizens
    assert (g.cops_per_block() + g.block_citizens <= g.block_sites).all()
    assert (g.cop_pos >= 0).all()
    assert not (g.active & (g.pos < 0)).any()  # the jailed are quiet
    assert g.active_share + g.jailed_share + g.quiet_share == pytest.approx(1.0)
    blocks = np.arange(g.n_citizens) // g.block_citizens
    assert (g.pos[on[: g.n_citizens]] // g.block_sites == blocks[on[: g.n_citizens]]).all()  # own block
    kind, near = g.kind.copy(), g.near.copy()
    g.sync()  # the maps kept up to date by the kernel equal maps rebuilt from scratch
    assert np.array_equal(kind, g.kind) and np.array_equal(near, g.near)


def torus_d2(a, b, width, height):
    """Squared torus distance between flat sites (arrays) of one width x height block."""
    (ya, xa), (yb, xb) = np.divmod(a % (width * height), width), np.divmod(b % (width * height), width)
    dy, dx = np.abs(ya - yb), np.abs(xa - xb)
    return np.minimum(dy, height - dy) ** 2 + np.minimum(dx, width - dx) ** 2


# -- rules -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("width", 0),
        ("height", 2.5),
        ("citizen_density", 1.2),
        ("cop_density", -0.1),
        ("citizen_vision", 0.0),
        ("cop_vision", math.nan),
        ("legitimacy", 1.5),
        ("k", -1.0),
        ("max_jail_term", 0),
        ("movement", "yes"),
    ],
)
def test_params_validation_names_the_field(field, value):
    with pytest.raises(ValueError, match=field):
        EpsteinParams(**{field: value})


def test_densities_must_fit_the_grid():
    with pytest.raises(ValueError, match="cop_density"):
        EpsteinParams(citizen_density=0.7, cop_density=0.4)
    EpsteinParams(citizen_density=0.9, cop_density=0.1)  # exactly full is allowed


def test_vision_is_a_disc_on_the_torus():
    assert neighbourhood(40, 40, 7.0)[0].shape == (1600, 149)  # Gauss circle N(7)
    assert neighbourhood(40, 40, 1.7)[0].shape[1] == 9  # Moore neighbourhood (Run 1)
    table, _ = neighbourhood(5, 5, 7.0)  # the disc covers a small torus once, without duplicates
    assert table.shape == (25, 25)
    assert all(sorted(row) == list(range(25)) for row in table)
    blocks, _ = neighbourhood(5, 5, 7.0, blocks=3)  # block b: the same discs, shifted by b * 25
    assert blocks.shape == (75, 25) and np.array_equal(blocks[50:], table + 50)


def test_stream_is_splitmix64():
    mask = 2**64 - 1

    def splitmix64(z):  # Steele, Lea & Flood (2014), reference arithmetic on Python ints
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & mask
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & mask
        return z ^ (z >> 31)

    for z in (1, 0x9E3779B97F4A7C15, 2**63 + 12345, mask):
        assert _below(np.uint64(z), 2**32) == splitmix64(z) >> 32  # floor(u 2^32) = the top 32 bits
    gamma = 0x9E3779B97F4A7C15  # the kernel advances the counter by this per draw
    draws = np.array([_below(np.uint64(k * gamma & mask), 37) for k in range(1, 100_001)])
    counts = np.bincount(draws, minlength=37)
    assert len(counts) == 37 and scipy.stats.chisquare(counts).pvalue > 1e-3  # uniform on 0 ... 36


def test_arrest_probability_and_rule_a_on_a_hand_made_state():
    g = tiny(n_cit=2, n_cop=1, legitimacy=0.82, movement=False)
    g.place([site(10, 10), site(0, 0)], [site(10, 11)])
    g.hardship[:] = 0.9  # G = 0.9 * 0.18 = 0.162
    g.risk_aversion[:] = 0.5
    c, a = g.counts_in_vision()
    assert c.tolist() == [1, 0] and a.tolist() == [1, 1]
    assert g.arrest_probability() == pytest.approx([P_ONE_COP, 0.0])
    assert g.grievance == pytest.approx([0.162, 0.162])
    g.act(0)  # citizen 0: 0.162 - 0.5 * 0.9 < 0.1, quiet
    g.act(1)  # citizen 1: no cop in sight, 0.162 > 0.1, active
    assert g.active.tolist() == [False, True]
    check_invariants(g)

    g.place([site(10, 10), site(10, 9)], [site(10, 11)])  # side by side, both active, one cop in sight
    g.active[:] = True
    g.sync()
    c, a = g.counts_in_vision()
    assert c.tolist() == [1, 1] and a.tolist() == [2, 2]  # A counts the citizen himself and the other active
    assert g.arrest_probability() == pytest.approx([0.0, 0.0])  # floor(C / A) = floor(1 / 2) = 0
    g.act(0)
    g.act(1)
    assert g.active.tolist() == [True, True]  # safety in numbers

    g.hardship_shift = -0.5  # external hardship: H' = 0.4, G = 0.072 < T
    g.act(0)
    g.act(1)
    assert g.grievance == pytest.approx([0.072, 0.072]) and not g.active.any()
    check_invariants(g)


def test_floor_of_cops_per_active():
    g = tiny(n_cit=1, n_cop=2)
    g.place([site(5, 5)], [site(5, 6), site(6, 5)])
    assert g.arrest_probability()[0] == pytest.approx(1 - math.exp(-2.3 * 2))


def test_counts_in_vision_match_brute_force():
    params = EpsteinParams(width=30, height=25, cop_density=0.05, citizen_vision=4.5, legitimacy=0.6)
    model = EpsteinModel(params, rng=3)
    for _ in range(30):
        model.step()
    g = model.city.grid
    assert g.n_active > 0
    c, a = g.counts_in_vision()
    for i in np.flatnonzero(g.pos >= 0)[:100]:
        near = torus_d2(np.arange(g.n_sites), g.pos[i], 30, 25) <= 4.5**2
        assert c[i] == np.isin(g.cop_pos, np.flatnonzero(near)).sum()
        assert a[i] == 1 + np.isin(g.pos[g.active], np.flatnonzero(near)).sum() - g.active[i]


def whole_torus(seed=0, **kw):
    """One citizen and one cop on a 5 x 5 torus that every disc covers: the cop always sees him."""
    g = tiny(n_cit=1, n_cop=1, vision=7.0, size=5, seed=seed, legitimacy=0.0, **kw)
    g.place([site(2, 2, 5)], [site(2, 3, 5)])
    g.hardship[:], g.risk_aversion[:] = 1.0, 0.0  # always active
    return g


def test_arrest_jail_and_release():
    g = whole_torus(max_jail_term=1)  # every term is 0: back at the end of the step
    g.act(0)
    assert g.active[0]
    arrest_site = g.pos[0]
    g.act(1)  # the cop moves, sees him, arrests him and steps onto his site
    assert g.n_jailed == 1 and not g.active.any()
    assert g.cop_pos[0] == arrest_site
    check_invariants(g)
    g.release()
    assert g.n_jailed == 0 and g.pos[0] >= 0 and g.pos[0] != arrest_site and not g.active[0]
    check_invariants(g)


def test_jail_terms_follow_netlogo():
    missed = []
    for seed in range(200):
        g = whole_torus(seed, max_jail_term=5)
        g.act(0)
        g.act(1)
        g.release()
        steps = 0
        while g.n_jailed:
            g.t += 1
            g.release()
            steps += 1
        missed.append(steps)
    # term J ~ U{0..4}; he misses max(J - 1, 0) whole steps: 0 (J = 0, 1), 1, 2, 3
    assert set(missed) == {0, 1, 2, 3}
    assert np.mean(np.array(missed) == 0) == pytest.approx(0.4, abs=0.1)


def test_a_citizen_turning_active_escapes_a_cop_whose_turn_came_first():
    arrested = {"new": 0, "old": 0}
    for seed in range(300):
        for case in arrested:
            g = whole_torus(seed, max_jail_term=10**6)  # no term ends within the step
            if case == "old":  # active since the previous step
                g.active[0] = True
                g.sync()
            g.step()  # the two turns in random order
            arrested[case] += g.n_jailed
    assert arrested["old"] == 300
    assert 100 < arrested["new"] < 200  # the cop's turn comes after his in half of the cases


def test_invariants_over_a_run():
    model = EpsteinModel(RUN2, rng=7)
    g = model.city.grid
    n_cops = g.n_cops
    for _ in range(150):
        model.step()
        check_invariants(g)
        assert g.n_cops == n_cops
    assert max(model.jailed_history) > 0 and max(model.active_history) > 0


@pytest.mark.parametrize(("v_cit", "v_cop"), [(7.0, 7.0), (2.5, 6.0)])
def test_each_agent_moves_within_its_own_vision(v_cit, v_cop):
    params = EpsteinParams(citizen_vision=v_cit, cop_vision=v_cop, legitimacy=1.0)  # nobody active
    g = EpsteinModel(params, rng=2).city.grid
    n = g.n_citizens
    moved, far = [], []
    for _ in range(20):
        before = g.loc.copy()
        g.step()
        d2 = torus_d2(g.loc, before, 40, 40)
        assert (d2[:n] <= v_cit**2).all() and (d2[n:] <= v_cop**2).all()
        moved.append(np.mean(g.loc != before))
        far.append((d2[n:] > min(v_cit, v_cop) ** 2).mean())
    assert np.mean(moved) > 0.9  # about a quarter of the sites are empty: almost everybody finds one
    if v_cop > v_cit:
        assert np.mean(far) > 0.5


def test_without_movement_only_cops_move():
    g = EpsteinModel(EpsteinParams(movement=False, legitimacy=1.0), rng=1).city.grid
    before = g.loc.copy()
    g.step()
    assert np.array_equal(g.pos, before[: g.n_citizens])
    assert (g.cop_pos != before[g.n_citizens :]).mean() > 0.5


def test_full_grid_steps_without_moving():
    params = EpsteinParams(width=10, height=10, citizen_density=0.9, cop_density=0.1, legitimacy=1.0)
    model = EpsteinModel(params, rng=0)
    g = model.city.grid
    before = g.loc.copy()
    model.step()
    assert np.array_equal(g.loc, before)
    g.legitimacy = 0.5  # actives are arrested, cops step onto their sites, terms end
    for _ in range(20):
        model.step()
        check_invariants(g)
    assert max(model.jailed_history) > 0


def test_blocks_are_independent_grids():
    params = EpsteinParams(width=20, height=20, citizen_vision=3.5, cop_vision=3.5, legitimacy=0.75)
    g = CivilViolence(params, np.random.default_rng(4), blocks=3)
    assert g.n_citizens == 3 * 280 and g.cops_per_block().tolist() == [30, 30, 30]
    g.set_cops(0, block=1)  # no police in the middle city
    g.set_cops(45, block=2)
    assert g.cops_per_block().tolist() == [30, 0, 45]
    shares = []
    for _ in range(100):
        g.step()
        check_invariants(g)
        shares.append(g.active_shares())
    shares = np.array(shares)
    assert shares[:, 1].mean() > 0.5  # without cops a large part of the city turns active
    assert shares[:, 1].mean() > 5 * shares[:, 2].mean()  # unrest does not leak across blocks
    assert g.active_shares() @ [1, 1, 1] / 3 == pytest.approx(g.active_share)
    with pytest.raises(ValueError, match="block"):
        g.set_cops(5, block=3)


# -- Epstein's findings -----------------------------------------------------------------------------


def outbursts(active, high=50, low=10):
    """Episodes with more than ``high`` actives, each ended by a quiet spell below ``low``."""
    count, armed = 0, True
    for a in active:
        if armed and a > high:
            count, armed = count + 1, False
        elif a < low:
            armed = True
    return count


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_punctuated_equilibrium_run2(seed):
    active, jailed = run(RUN2, seed, 1000)
    active = active[1:]
    assert outbursts(active) >= 10  # repeated outbursts; Epstein: waiting time 60 +- 55 between them
    assert np.mean(active < 10) > 0.5  # long quiescent periods in between
    assert active.max() > 150
    assert active.std() / active.mean() > 1.5  # bursty, not a steady level
    assert jailed.max() < 0.5 * 1120


def test_salami_tactics_versus_one_jump_runs_3_and_4():
    salami_peaks, jump_peaks = [], []
    for seed in range(4):
        salami, jailed = run(RUN34, seed, 100, lambda t: max(0.2, 0.9 - 0.01 * t))  # 1 % per step, to 0.2
        jump, _ = run(RUN34, seed, 100, lambda t: 0.9 if t < 77 else 0.7)
        salami_peaks.append(salami.max())
        jump_peaks.append(jump.max())
        assert 77 <= jump.argmax() <= 80  # the outburst follows the jump
        assert jump.max() >= salami.max()
        assert jailed[10] < jailed[40] < jailed[70] < jailed[100]  # salami: the jail fills smoothly instead
    # the jump is smaller (0.9 -> 0.7) than the salami reduction (0.9 -> 0.2) yet brings more actives at once
    # (under NetLogo's one-at-a-time rules the spike is ~10 actives: the first to turn active face ~11 cops)
    assert np.mean(jump_peaks) > 2 * np.mean(salami_peaks)


def test_fewer_cops_larger_outbursts():
    for seed in range(3):
        few, _ = run(RUN2, seed, 400)
        many, _ = run(EpsteinParams(cop_density=0.06, legitimacy=0.82, max_jail_term=30), seed, 400)
        assert few.max() > 2 * many.max()
        assert few.mean() > 10 * many.mean()


def test_cop_reductions_tip_society_into_rebellion_run5():
    for seed in range(2):
        steady = EpsteinModel(EpsteinParams(cop_density=0.074, legitimacy=0.8, max_jail_term=1000), rng=seed)
        reduced = EpsteinModel(steady.params, rng=seed)
        n0 = reduced.city.grid.n_cops
        for t in range(100):
            reduced.city.grid.set_cops(n0 - t)  # one cop fewer per step
            steady.step()
            reduced.step()
        assert max(steady.active_history) < 20
        assert max(reduced.active_history) > 100


# -- determinism, Mesa embedding, external drivers -------------------------------------------------


def test_same_seed_same_history_and_no_global_randomness():
    np_state, py_state = np.random.get_state()[1].copy(), random.getstate()  # noqa: NPY002 -- the globals
    a = run(RUN2, 5, 200)
    b = run(RUN2, 5, 200)
    c = run(RUN2, 6, 200)
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    assert not np.array_equal(a[0], c[0])
    assert np.array_equal(np.random.get_state()[1], np_state)  # noqa: NPY002
    assert random.getstate() == py_state


def test_city_unrest_inside_any_mesa_model():
    class Cities(mesa.Model):
        def __init__(self, seed):
            super().__init__(rng=seed)
            self.benghazi = CityUnrest(self, "benghazi", RUN2)
            self.derna = CityUnrest(self, "derna", EpsteinParams(width=20, height=20, cop_density=0.02))

        def step(self):
            self.agents.shuffle_do("step")

    runs = []
    for _ in range(2):
        model = Cities(11)
        for day in range(60):
            model.derna.grid.legitimacy = 0.82 - 0.002 * day
            model.step()
        runs.append((model.benghazi.grid.loc.copy(), model.derna.grid.loc.copy()))
    assert all(np.array_equal(x, y) for x, y in zip(*runs, strict=True))
    assert model.derna.grid.n_citizens == 280 and model.derna.name == "derna"


def test_default_model_runs():
    model = EpsteinModel(rng=0)
    model.step()
    assert model.params == EpsteinParams()
    assert len(model.active_history) == 2 and model.steps == 1


def test_lower_legitimacy_more_actives():
    for seed in range(2):
        high, _ = run(RUN2, seed, 150, lambda t: 0.9)
        low, _ = run(RUN2, seed, 150, lambda t: 0.6)
        assert low.mean() > 3 * high.mean() + 5


def test_hardship_shift_more_actives():
    for seed in range(2):
        base = EpsteinModel(RUN2, rng=seed)
        hard = EpsteinModel(RUN2, rng=seed)
        hard.city.grid.hardship_shift = 0.3
        for _ in range(150):
            base.step()
            hard.step()
        assert np.mean(hard.active_history) > 2 * np.mean(base.active_history)
        assert np.mean(hard.jailed_history) > 1.5 * np.mean(base.jailed_history)


def test_set_cops():
    model = EpsteinModel(RUN2, rng=4)
    g = model.city.grid
    assert g.n_cops == 64
    g.set_cops(100)
    assert g.n_cops == 100
    check_invariants(g)
    model.step()
    g.set_cops(10)
    assert g.n_cops == 10
    check_invariants(g)
    g.set_cops(10**6)  # capped: the grid holds every citizen (jailed ones keep a site) and the cops
    assert g.n_cops == g.max_cops == 1600 - 1120
    check_invariants(g)
    model.step()
    check_invariants(g)
    with pytest.raises(ValueError, match="set_cops"):
        g.set_cops(-1)
