"""Benchmarks that print figures. Run all: `make bench` (or `python -m bench [name ...]`)."""
