"""Benchmarks that run outside the test suite (`python -m bench.<name>`)."""
