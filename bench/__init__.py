"""Benchmarks of the study harness: `python -m bench` (what `make bench` runs). Not part of `study`."""
