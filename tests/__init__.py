"""photodesk test suite."""
