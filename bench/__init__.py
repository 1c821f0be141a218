"""Benchmarks (``make bench``): each ``bench/bench_*.py`` module is one benchmark."""
