"""Conformance suites third parties can run against their own I/O managers and storages."""

from dockyard.testing.io_manager_suite import IOManagerSuite

__all__ = ["IOManagerSuite"]
