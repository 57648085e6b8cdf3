"""IE Bank benchmarks: `python -m bench` (make bench) measures and writes docs/benchmarks.md."""
