"""Analysis of results: scenario discovery (PRIM), sensitivity, comparisons. Never imports matplotlib."""
