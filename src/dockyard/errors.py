"""Every exception dockyard raises.

The tree (names and parentage follow Dagster's, so ``except`` clauses written for it keep working)::

    Exception
    ├── CheckError                          an internal invariant or a context accessed in a way
    │                                       that cannot work (Dagster's name; not a DagsterError)
    ├── Failure                             raised by user code to fail a step with metadata
    ├── RetryRequested                      raised by user code to ask for a retry
    ├── ChildProcessCrashException          a process running a step died without reporting
    └── DagsterError
        ├── DagsterInvalidDefinitionError   definitions that cannot work (missing resource key,
        │                                   cycle, duplicate asset key, unknown input asset)
        ├── DagsterInvalidConfigError       config that does not match its schema
        ├── DagsterInvalidInvocationError   a definition called the wrong way
        ├── DagsterInvariantViolationError  a contract broken at run time
        ├── DagsterInvalidMetadata          a metadata value that cannot be stored
        ├── DagsterUnmetExecutorRequirementsError
        ├── DagsterTypeCheckDidNotPass      a value failed its DagsterType check
        ├── DagsterUnknownResourceError     a resource looked up that is not there
        ├── DagsterUnknownPartitionError    a partition key its definition does not hold
        ├── DatabaseLockTimeoutError        another process kept a database file locked too long
        ├── DagsterExecutionInterruptedError
        └── DagsterUserCodeExecutionError   user code raised; the original is ``__cause__``
            ├── DagsterExecutionStepExecutionError
            ├── DagsterExecutionHandleOutputError
            ├── DagsterExecutionLoadInputError
            └── DagsterResourceFunctionError
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class CheckError(Exception):
    """A precondition failed: usually a context property read where it has no value."""


class DagsterError(Exception):
    """Base class for the errors dockyard raises on purpose."""

    @property
    def is_user_code_error(self) -> bool:
        return False


class DagsterInvalidDefinitionError(DagsterError):
    """Definitions that cannot work together."""


class DagsterInvalidConfigError(DagsterError):
    """Config that does not match its schema. ``errors`` lists one message per bad field."""

    def __init__(self, preamble: str, errors: list[str] | None = None, config_value: Any = None):
        self.errors = list(errors or [])
        self.config_value = config_value
        msg = preamble
        if self.errors:
            msg += "\n" + "\n".join(f"    {e}" for e in self.errors)
        super().__init__(msg)


class DagsterInvalidInvocationError(DagsterError):
    """A definition was invoked with arguments it does not take."""


class DagsterInvariantViolationError(DagsterError):
    """A contract was broken at run time."""


class DagsterInvalidMetadata(DagsterError):
    """A metadata value that cannot be normalised."""


class DagsterUnmetExecutorRequirementsError(DagsterError):
    """The executor needs something the job does not provide (e.g. persistent outputs)."""


class DagsterTypeCheckDidNotPass(DagsterError):
    """A value did not pass the type check of the input or output it was given to."""

    def __init__(self, description: str | None = None, metadata: Mapping[str, Any] | None = None):
        super().__init__(description)
        self.description = description
        self.metadata = dict(metadata or {})


class DagsterUnknownResourceError(DagsterError, AttributeError):
    """A resource key that is not available in this context."""

    def __init__(self, resource_name: str, available: list[str] | None = None):
        self.resource_name = resource_name
        extra = ""
        if available is not None:
            names = ", ".join(repr(k) for k in sorted(available)) or "none"
            extra = f" Available resources: {names}. Add it to required_resource_keys or the function's parameters."
        super().__init__(f"Unknown resource '{resource_name}'.{extra}")


class DagsterUnknownPartitionError(DagsterError):
    """A partition key its partitions definition does not hold."""


class PartitionKeyFormatError(DagsterUnknownPartitionError, ValueError):
    """A time partition key that does not parse in its definition's format. Also a ``ValueError``,
    which is what Dagster's key parsing raises there, so ``except ValueError`` keeps working."""


class DatabaseLockTimeoutError(DagsterError):
    """A database file stayed locked by another process past the timeout (dockyard's own)."""

    def __init__(self, message: str, path: str | None = None, holder_pid: int | None = None):
        super().__init__(message)
        self.path = path
        self.holder_pid = holder_pid


class DagsterExecutionInterruptedError(DagsterError):
    """The run was interrupted."""


class DagsterUserCodeExecutionError(DagsterError):
    """User code raised. The original exception is ``__cause__`` and ``user_exception``."""

    def __init__(self, message: str, user_exception: BaseException | None = None):
        super().__init__(message)
        self.user_exception = user_exception
        self.original_exc_info = (
            (type(user_exception), user_exception, user_exception.__traceback__)
            if user_exception is not None
            else None
        )

    @property
    def is_user_code_error(self) -> bool:
        return True


class DagsterExecutionStepExecutionError(DagsterUserCodeExecutionError):
    """The compute function of a step raised."""


class DagsterExecutionHandleOutputError(DagsterUserCodeExecutionError):
    """``IOManager.handle_output`` raised."""


class DagsterExecutionLoadInputError(DagsterUserCodeExecutionError):
    """``InputManager.load_input`` raised."""


class DagsterResourceFunctionError(DagsterUserCodeExecutionError):
    """A resource's init function raised."""


class Failure(Exception):
    """Raise from user code to fail the step on purpose, with a description and metadata."""

    def __init__(
        self,
        description: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        allow_retries: bool | None = None,
    ):
        super().__init__(description)
        self.description = description
        self.metadata = dict(metadata or {})
        self.allow_retries = True if allow_retries is None else allow_retries


class RetryRequested(Exception):
    """Raise from user code to ask for the step to be retried."""

    def __init__(self, max_retries: int | None = 1, seconds_to_wait: float | None = None):
        super().__init__()
        self.max_retries = max_retries
        self.seconds_to_wait = seconds_to_wait


class ChildProcessCrashException(Exception):
    """A process running a step exited without reporting a result (killed, out of memory, crashed)."""

    def __init__(self, message: str, pid: int | None = None, exit_code: int | None = None):
        super().__init__(message)
        self.pid = pid
        self.exit_code = exit_code

    def __reduce__(self) -> Any:
        return (type(self), (str(self), self.pid, self.exit_code))
