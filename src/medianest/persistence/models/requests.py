"""Media requests as MediaNest remembers them, and who each person is in Overseerr.

MediaNest keeps its own copy so "My requests" works while Overseerr is down; Overseerr stays
the authority on status (webhooks and reconciliation bring the copy up to date).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from medianest.persistence.models.base import Base
from medianest.persistence.types import UTCDateTime, utcnow


class MediaRequest(Base):
    __tablename__ = "media_requests"
    __table_args__ = (
        Index("ix_media_requests_user_created", "user_id", "created_at"),
        Index("ix_media_requests_media", "media_type", "tmdb_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    media_type: Mapped[str] = mapped_column(String(8))  # movie | tv
    tmdb_id: Mapped[int] = mapped_column(Integer)
    tvdb_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    title: Mapped[str] = mapped_column(String(300))
    year: Mapped[int | None] = mapped_column(Integer, nullable=True)
    poster_path: Mapped[str | None] = mapped_column(String(200), nullable=True)  # TMDB path
    seasons: Mapped[list[int] | None] = mapped_column(JSON, nullable=True)  # shows only
    overseerr_request_id: Mapped[int | None] = mapped_column(Integer, unique=True, nullable=True)
    status: Mapped[str] = mapped_column(String(24), default="pending", index=True)
    # What Overseerr last said, as sent, when it was a value MediaNest does not know.
    status_detail: Mapped[str | None] = mapped_column(String(80), nullable=True)
    rating_key: Mapped[str | None] = mapped_column(String(32), nullable=True)  # Plex item
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    synced_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class OverseerrAccount(Base):
    """The Overseerr user a MediaNest user acts as (matched by Plex account id).

    ``overseerr_user_id`` is None while Overseerr has no such user; ``checked_at`` says when we
    last looked, so the answer is re-checked after a while (the admin may import them).
    """

    __tablename__ = "overseerr_accounts"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    plex_id: Mapped[int] = mapped_column(BigInteger)
    overseerr_user_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    overseerr_name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
