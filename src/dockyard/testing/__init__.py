"""Conformance suites third parties can run against their own I/O managers and storages."""
