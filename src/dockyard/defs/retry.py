"""``RetryPolicy``: how often, and after how long, a failed step is run again.

A policy is a declaration attached to an op or asset (``@op(retry_policy=...)``) or to every op of
a job (``@job(op_retry_policy=...)``); executors read it when a step fails. Jitter draws from
``random`` when the delay is computed, so two retries of one policy may wait different times.
"""

from __future__ import annotations

import enum
import random
from dataclasses import dataclass

from dockyard.errors import DagsterInvalidDefinitionError


class Backoff(enum.Enum):
    """How the delay grows with each attempt (``delay`` is the base)."""

    LINEAR = "LINEAR"            # delay * attempt
    EXPONENTIAL = "EXPONENTIAL"  # delay * (2 ** attempt - 1): delay, 3*delay, 7*delay, ...


class Jitter(enum.Enum):
    """Randomness added to the computed delay, to spread retries of many steps."""

    FULL = "FULL"              # uniform in [0, computed]
    PLUS_MINUS = "PLUS_MINUS"  # computed +/- up to ``delay``, never below 0


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Retry a failed step up to ``max_retries`` times.

    Args:
        max_retries: how many times to run the step again after a failure (0: never).
        delay: seconds to wait before a retry (``None``: retry at once).
        backoff: how the wait grows with each attempt; needs ``delay``.
        jitter: randomness added to the wait; needs ``delay``.
    """

    max_retries: int = 1
    delay: float | None = None
    backoff: Backoff | None = None
    jitter: Jitter | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.max_retries, int) or isinstance(self.max_retries, bool) or self.max_retries < 0:
            raise DagsterInvalidDefinitionError(
                f"RetryPolicy(max_retries={self.max_retries!r}): expected a whole number >= 0, e.g. max_retries=3."
            )
        if self.delay is not None and (not isinstance(self.delay, (int, float)) or self.delay < 0):
            raise DagsterInvalidDefinitionError(
                f"RetryPolicy(delay={self.delay!r}): expected seconds >= 0 (a number) or None."
            )
        if self.delay is None and (self.backoff is not None or self.jitter is not None):
            raise DagsterInvalidDefinitionError(
                f"RetryPolicy(backoff={self.backoff}, jitter={self.jitter}) needs a delay to scale; "
                "add delay=<seconds>."
            )
        if self.backoff is not None and not isinstance(self.backoff, Backoff):
            raise DagsterInvalidDefinitionError(f"RetryPolicy(backoff={self.backoff!r}): expected Backoff.LINEAR or Backoff.EXPONENTIAL.")
        if self.jitter is not None and not isinstance(self.jitter, Jitter):
            raise DagsterInvalidDefinitionError(f"RetryPolicy(jitter={self.jitter!r}): expected Jitter.FULL or Jitter.PLUS_MINUS.")

    def calculate_delay(self, attempt_num: int) -> float:
        """Seconds to wait before retry number ``attempt_num`` (1 for the first retry)."""
        if not self.delay:
            return 0.0
        base = float(self.delay)
        if self.backoff is Backoff.LINEAR:
            wait = base * attempt_num
        elif self.backoff is Backoff.EXPONENTIAL:
            wait = base * (2**attempt_num - 1)
        else:
            wait = base
        if self.jitter is Jitter.FULL:
            wait = random.uniform(0.0, wait)
        elif self.jitter is Jitter.PLUS_MINUS:
            wait = max(0.0, wait + random.uniform(-base, base))
        return wait
