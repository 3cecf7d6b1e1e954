"""YouTube download jobs and their videos (one row per video, so progress and failures are
per video and the scheduler can take turns between people one video at a time)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from medianest.persistence.models.base import Base
from medianest.persistence.types import UTCDateTime, utcnow


class DownloadJob(Base):
    __tablename__ = "download_jobs"
    __table_args__ = (Index("ix_download_jobs_user_created", "user_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    url: Mapped[str] = mapped_column(String(2000))
    quality: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16))  # video | playlist
    source_id: Mapped[str] = mapped_column(String(2000))  # playlist or video id from yt-dlp
    title: Mapped[str] = mapped_column(String(500))
    state: Mapped[str] = mapped_column(String(24), default="queued", index=True)
    # The folder of the files, relative to the download root ("alice/Cozy Cooking [PL1]").
    folder: Mapped[str] = mapped_column(String(1000))
    # Deferred: loaded only where the image is served, not with every job read.
    thumbnail: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True, deferred=True)
    thumbnail_type: Mapped[str | None] = mapped_column(String(40), nullable=True)
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    wait_reason: Mapped[str | None] = mapped_column(String(300), nullable=True)
    error: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    plex_state: Mapped[str] = mapped_column(String(16), default="none")
    plex_message: Mapped[str | None] = mapped_column(String(500), nullable=True)
    plex_collection_key: Mapped[str | None] = mapped_column(String(32), nullable=True)
    plex_collection_title: Mapped[str | None] = mapped_column(String(500), nullable=True)
    plex_attempts: Mapped[int] = mapped_column(Integer, default=0)
    # Who is looking at Plex for this job right now ("<host>:<pid>:<instance>"), so recovery
    # re-queues a Plex step only when its holder died, never while it runs.
    plex_claimed_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    items: Mapped[list[DownloadItem]] = relationship(
        back_populates="job",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="DownloadItem.position",
    )


class DownloadItem(Base):
    __tablename__ = "download_items"
    __table_args__ = (Index("ix_download_items_state", "state", "job_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("download_jobs.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)  # 1-based playlist index
    video_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    title: Mapped[str] = mapped_column(String(500))
    state: Mapped[str] = mapped_column(String(16), default="pending")
    bytes_done: Mapped[int] = mapped_column(BigInteger, default=0)
    bytes_total: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    speed: Mapped[float | None] = mapped_column(Float, nullable=True)  # bytes per second
    eta: Mapped[int | None] = mapped_column(Integer, nullable=True)  # seconds
    file_name: Mapped[str | None] = mapped_column(String(500), nullable=True)  # in the folder
    archive_key: Mapped[str | None] = mapped_column(String(300), nullable=True)
    error: Mapped[str | None] = mapped_column(String(500), nullable=True)
    # Who runs it: "<host>:<pid>:<instance>", and when it last said so (crash detection).
    claimed_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    resumes: Mapped[int] = mapped_column(Integer, default=0)
    # The playlist entry as listed when the job started (yt-dlp info, JSON), so each video is
    # downloaded without fetching the playlist page again. Deferred: only the worker reads it.
    source: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True, deferred=True)

    job: Mapped[DownloadJob] = relationship(back_populates="items")
