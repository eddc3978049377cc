"""In-memory storage: values live in a dict for the life of one run (tests, fast local runs)."""

from __future__ import annotations

from typing import Any

from dockyard.io.base import IOManager, IOManagerDefinition


class InMemoryIOManager(IOManager):
    """Keeps every output in ``values``, keyed by the output identifier."""

    def __init__(self) -> None:
        self.values: dict[tuple[str, ...], Any] = {}

    def handle_output(self, context: Any, obj: Any) -> None:
        self.values[tuple(context.get_identifier())] = obj

    def load_input(self, context: Any) -> Any:
        ident = tuple(context.get_identifier())
        try:
            return self.values[ident]
        except KeyError:
            raise KeyError(
                f"No value in memory for output {list(ident)!r}. In-memory values live only for the "
                "run that produced them; materialize the upstream in this run, or use a persistent "
                "I/O manager such as FilesystemIOManager."
            ) from None


def _new_in_memory_manager() -> InMemoryIOManager:
    return InMemoryIOManager()


mem_io_manager = IOManagerDefinition(
    _new_in_memory_manager,
    description="Stores outputs in memory for the duration of one run.",
)
mem_io_manager._dockyard_in_memory = True  # type: ignore[attr-defined]
