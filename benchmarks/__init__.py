"""Ratio benchmarks (see README "Benchmarks"): every figure against a floor of the same run."""
