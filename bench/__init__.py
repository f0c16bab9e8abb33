"""Benchmarks of idlib-gold: whole commands timed against floors measured in the same run.

`python -m bench.run` (or `python bench/run.py`) writes the report; `synth` generates corpora of
1x … 1000x the real one; `floor`, `peer`, `hfload` and `predictions` are the floors, the peer and the
inputs the steps are compared with; `timing` measures a process, `report` renders the figures.
"""
