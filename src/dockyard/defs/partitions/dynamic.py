"""``DynamicPartitionsDefinition``: keys added and removed at run time, held by the instance.

The definition holds no keys. Every key read takes a ``dynamic_partitions_store`` (anything with
``get_dynamic_partitions(name)`` and ``has_dynamic_partition(name, key)``; the instance is one).
The legacy ``partition_fn(current_time)`` form is also accepted.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from dockyard.defs.partitions.base import (
    DynamicPartitionsStore,
    PartitionsDefinition,
    Store,
    key_tuple,
)
from dockyard.errors import CheckError, DagsterInvalidDefinitionError, DagsterInvalidInvocationError


@dataclass(frozen=True, slots=True)
class _DynamicPartitionsRequest:
    """Keys to change in the dynamic partitions definition named ``partitions_def_name``."""

    partitions_def_name: str
    partition_keys: Sequence[str] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        keys = key_tuple(self.partition_keys, type(self).__name__, DagsterInvalidInvocationError)
        object.__setattr__(self, "partition_keys", keys)


@dataclass(frozen=True, slots=True)
class AddDynamicPartitionsRequest(_DynamicPartitionsRequest):
    """A request to add keys to the dynamic partitions definition named ``partitions_def_name``."""


@dataclass(frozen=True, slots=True)
class DeleteDynamicPartitionsRequest(_DynamicPartitionsRequest):
    """A request to delete keys from the dynamic partitions definition ``partitions_def_name``."""


class DynamicPartitionsDefinition(PartitionsDefinition):
    """Partitions whose keys are stored on the instance under ``name``.

    Args:
        partition_fn: Legacy: a function of the current time returning the keys.
        name: The name the keys are stored under. Give exactly one of the two.
    """

    def __init__(
        self,
        partition_fn: Callable[[datetime | None], Sequence[str]] | None = None,
        name: str | None = None,
    ) -> None:
        if (partition_fn is None) == (name is None):
            raise DagsterInvalidDefinitionError(
                "DynamicPartitionsDefinition needs exactly one of name and partition_fn; got "
                f"name={name!r}, partition_fn={partition_fn!r}. "
                "Pass name='...' to keep the keys on the instance."
            )
        if name is not None and (not isinstance(name, str) or not name):
            raise DagsterInvalidDefinitionError(
                f"DynamicPartitionsDefinition name must be a non-empty string; got {name!r}."
            )
        self._partition_fn = partition_fn
        self._name = name

    @property
    def name(self) -> str | None:
        return self._name

    @property
    def partition_fn(self) -> Callable[[datetime | None], Sequence[str]] | None:
        return self._partition_fn

    def _store(self, store: DynamicPartitionsStore | None) -> DynamicPartitionsStore:
        if store is None:
            raise CheckError(
                f"{self} keeps its partition keys on the instance, but no "
                "dynamic_partitions_store was given. Pass dynamic_partitions_store=instance "
                "(e.g. context.instance or DagsterInstance.ephemeral())."
            )
        return store

    def get_partition_keys(
        self,
        current_time: datetime | None = None,
        dynamic_partitions_store: DynamicPartitionsStore | None = None,
    ) -> Sequence[str]:
        if self._partition_fn is not None:
            return list(self._partition_fn(current_time))
        assert self._name is not None  # guaranteed by __init__
        return list(self._store(dynamic_partitions_store).get_dynamic_partitions(self._name))

    def _has_key(self, key: str, current_time: datetime | None, store: Store) -> bool:
        if self._partition_fn is not None:
            return key in self._partition_fn(current_time)
        assert self._name is not None
        return bool(self._store(store).has_dynamic_partition(self._name, key))

    def _require_name(self, what: str) -> str:
        if self._name is None:
            raise DagsterInvalidInvocationError(
                f"{what} needs a named DynamicPartitionsDefinition; {self} has a partition_fn. "
                "Define it with DynamicPartitionsDefinition(name='...')."
            )
        return self._name

    def build_add_request(self, partition_keys: Sequence[str]) -> AddDynamicPartitionsRequest:
        """A request that adds ``partition_keys`` when returned from a sensor."""
        return AddDynamicPartitionsRequest(self._require_name("build_add_request"), partition_keys)

    def build_delete_request(self, partition_keys: Sequence[str]) -> DeleteDynamicPartitionsRequest:
        """A request that deletes ``partition_keys`` when returned from a sensor."""
        return DeleteDynamicPartitionsRequest(
            self._require_name("build_delete_request"), partition_keys
        )

    def _identity(self) -> tuple[Any, ...]:
        return (self._name, self._partition_fn)

    def __repr__(self) -> str:
        if self._name is not None:
            return f"DynamicPartitionsDefinition(name={self._name!r})"
        return f"DynamicPartitionsDefinition(partition_fn={self._partition_fn!r})"

    __str__ = __repr__
