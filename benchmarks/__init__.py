"""Benchmarks: each figure of licensesmith against the floor of its own work.

Run ``python benchmarks/run.py`` (or ``--quick``) from the repository root;
``benchmarks/README.md`` says what each figure measures and why.
"""
