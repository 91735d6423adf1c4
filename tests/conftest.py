"""Shared test settings: Hypothesis profiles (100 examples in the full suite, 1,000 for ``-m slow``)."""

from hypothesis import settings

settings.register_profile("suite", max_examples=100)
settings.register_profile("slow", max_examples=1000)


def pytest_configure(config):
    """The slow marker run on its own (``pytest -m slow``) gets the thorough profile."""
    expr = config.getoption("markexpr") or ""
    settings.load_profile("slow" if "slow" in expr and "not slow" not in expr else "suite")
