"""Download jobs: states and their transitions, qualities, fair scheduling, progress throttling.

Plain rules, no I/O: the services decide *when* things happen, this module decides what may.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from medianest.domain.errors import Conflict, InvalidInput


class JobState(StrEnum):
    QUEUED = "queued"
    DOWNLOADING = "downloading"
    PROCESSING = "processing"  # files are done; Plex scan and collection
    COMPLETED = "completed"
    PARTIALLY_COMPLETED = "partially_completed"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()

    @property
    def finished(self) -> bool:
        return self in FINISHED


FINISHED = frozenset(
    {JobState.COMPLETED, JobState.PARTIALLY_COMPLETED, JobState.FAILED, JobState.CANCELLED}
)
ACTIVE = frozenset({JobState.QUEUED, JobState.DOWNLOADING, JobState.PROCESSING})

_TRANSITIONS: dict[JobState, frozenset[JobState]] = {
    JobState.QUEUED: frozenset({JobState.DOWNLOADING, JobState.PROCESSING, JobState.CANCELLED}),
    JobState.DOWNLOADING: frozenset(
        {JobState.QUEUED, JobState.PROCESSING, JobState.CANCELLED, JobState.FAILED}
    ),
    JobState.PROCESSING: frozenset(
        {JobState.COMPLETED, JobState.PARTIALLY_COMPLETED, JobState.FAILED, JobState.CANCELLED}
    ),
    # Retry starts a finished job again; a Plex retry re-runs only the processing step.
    JobState.COMPLETED: frozenset({JobState.PROCESSING}),
    JobState.PARTIALLY_COMPLETED: frozenset({JobState.QUEUED, JobState.PROCESSING}),
    JobState.FAILED: frozenset({JobState.QUEUED}),
    JobState.CANCELLED: frozenset({JobState.QUEUED}),
}


def check_transition(old: str, new: str) -> JobState:
    """The new state, or Conflict when the job cannot go there from where it is."""
    source, target = JobState(old), JobState(new)
    if source == target:
        return target
    if target not in _TRANSITIONS[source]:
        raise Conflict(f"A {source.label.lower()} download cannot become {target.label.lower()}.")
    return target


class ItemState(StrEnum):
    PENDING = "pending"
    DOWNLOADING = "downloading"
    DONE = "done"
    SKIPPED = "skipped"  # already in the folder's download archive
    FAILED = "failed"
    CANCELLED = "cancelled"


ITEM_OPEN = frozenset({ItemState.PENDING, ItemState.DOWNLOADING})
ITEM_GOOD = frozenset({ItemState.DONE, ItemState.SKIPPED})


class PlexState(StrEnum):
    """Where the job's files are in Plex (independent of the download state)."""

    NONE = "none"  # not there yet (download still running)
    WAITING = "waiting"  # scan requested, waiting for the items
    DONE = "done"  # in Plex (collection made or updated)
    MISSING = "missing"  # "not yet in Plex": Plex down, not configured, or the scan never ended


class Quality(StrEnum):
    BEST = "best"
    P1080 = "1080p"
    P720 = "720p"
    P480 = "480p"
    AUDIO = "audio"

    @property
    def label(self) -> str:
        return {"best": "Best available", "audio": "Audio only"}.get(self.value, self.value)

    @property
    def max_height(self) -> int | None:
        return {"1080p": 1080, "720p": 720, "480p": 480}.get(self.value)


def parse_quality(value: str | None) -> Quality:
    try:
        return Quality((value or Quality.BEST).strip().lower())
    except ValueError:
        choices = ", ".join(q.value for q in Quality)
        raise InvalidInput(f"Pick a quality: {choices}.", field="quality") from None


def settle(states: Iterable[str], *, cancel_requested: bool) -> JobState | None:
    """The job's state once no item is open, from its items' states; None while one is open.

    All good → completed; some good → partially completed; none good → failed (or cancelled
    when the person asked for it).
    """
    seen = [ItemState(s) for s in states]
    if any(s in ITEM_OPEN for s in seen):
        return None
    good = sum(1 for s in seen if s in ITEM_GOOD)
    if cancel_requested:
        return JobState.CANCELLED
    if seen and good == len(seen):
        return JobState.COMPLETED
    return JobState.PARTIALLY_COMPLETED if good else JobState.FAILED


@dataclass(frozen=True)
class Candidate:
    """A pending item the scheduler could start next."""

    item_id: int
    job_id: int
    user_id: int
    job_created: datetime
    position: int


def pick_fair(
    candidates: Sequence[Candidate],
    running_by_user: Mapping[int, int],
    last_start_by_user: Mapping[int, datetime],
) -> Candidate | None:
    """Round robin between people: whoever has the fewest running items goes next, ties go to
    whoever started something longest ago; within one person, oldest job first, in order.

    So one person's 300-video playlist takes a turn per video, and a second person's single
    video starts as soon as any slot frees instead of after the playlist.
    """
    if not candidates:
        return None
    epoch = datetime.min.replace(tzinfo=candidates[0].job_created.tzinfo)

    def rank(c: Candidate) -> tuple[int, datetime, datetime, int, int]:
        return (
            running_by_user.get(c.user_id, 0),
            last_start_by_user.get(c.user_id, epoch),
            c.job_created,
            c.job_id,
            c.position,
        )

    return min(candidates, key=rank)


class Throttle:
    """At most one update per ``interval`` seconds, except the ones that must go through."""

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self._last: float | None = None

    def ready(self, now: float, *, force: bool = False) -> bool:
        if force or self._last is None or now - self._last >= self.interval:
            self._last = now
            return True
        return False


def percent(done: int, total: int | None) -> float | None:
    if not total or total <= 0:
        return None
    return max(0.0, min(100.0, 100.0 * done / total))


def plex_delay(attempt: int, budget: float) -> float | None:
    """Seconds to wait before looking at Plex again after look number ``attempt`` (0-based):
    0.5, 1, 2, 4 … capped at 30; None once the waits would exceed ``budget`` seconds."""
    delays = [min(0.5 * 2**k, 30.0) for k in range(attempt + 1)]
    return None if sum(delays) > budget else delays[-1]
