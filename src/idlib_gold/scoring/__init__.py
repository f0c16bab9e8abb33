"""Stage 4, scoring (IG7xx): a system's predictions against the gold.

`predictions` reads and checks a predictions file, `evaluate` scores it, `report`
renders the scores, and `baselines` are the reference systems.
"""
