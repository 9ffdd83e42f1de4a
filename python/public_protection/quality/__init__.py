"""Data-quality suites (Great Expectations) and their results in ``dq``."""
