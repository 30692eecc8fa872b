"""mfo's test suite."""
