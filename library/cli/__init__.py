"""The photodesk command line: one module per command group."""
