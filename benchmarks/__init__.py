"""Benchmarks: one command each, printing figures (see docs/benchmarks.md)."""
