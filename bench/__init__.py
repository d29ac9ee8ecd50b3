"""Benchmarks of qc (see bench/README.md); a package so tests can import bench.metrics."""
