"""Shared test settings: markers and Hypothesis profiles.

``make test`` runs everything but the ``slow`` marker, with 100 examples per fuzz test (the ``suite``
profile; the costliest fuzz tests take a fraction of that). ``make test-slow`` runs the ``slow`` and
``fuzz`` markers with the ``thorough`` profile: 1,000 examples.
"""

from hypothesis import settings

settings.register_profile("suite", max_examples=100)
settings.register_profile("thorough", max_examples=1000)


def pytest_configure(config):
    """A run selecting the slow or fuzz marker (``pytest -m "slow or fuzz"``) gets the thorough profile."""
    expr = config.getoption("markexpr") or ""
    wanted = [m for m in ("slow", "fuzz") if m in expr and f"not {m}" not in expr]
    settings.load_profile("thorough" if wanted else "suite")
