"""The interactive viewer (``python -m sim.viz``; needs the viz extra: ``pip install -e ".[viz]"``).

:mod:`sim.viz.live` steps one model, :mod:`sim.viz.browse` opens a finished experiment, :mod:`sim.viz.figures`
draws them, and :mod:`sim.viz.app` lays them out as a Solara page. Only ``app`` imports Solara: the rest is
plain Python and tested without a page.
"""
