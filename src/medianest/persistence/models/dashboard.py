"""The dashboard: monitored services (last known state), their history, quick links, and who
wants no down/up notices for which service."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from medianest.persistence.models.base import Base
from medianest.persistence.types import UTCDateTime, utcnow


class MonitoredService(Base):
    """One Uptime Kuma monitor as last seen; the dashboard renders from these rows alone."""

    __tablename__ = "monitored_services"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # "kuma:<id>", or "kuma-name:<name>" for 1.23 metrics that carry no monitor id.
    source_key: Mapped[str] = mapped_column(String(300), unique=True)
    kuma_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    name: Mapped[str] = mapped_column(String(255))
    group_name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    present: Mapped[bool] = mapped_column(Boolean, default=True)  # still in Kuma's list
    status: Mapped[str] = mapped_column(String(16), default="unknown")
    since: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    ping_ms: Mapped[float | None] = mapped_column(Float, nullable=True)
    last_beat_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    message: Mapped[str] = mapped_column(String(300), default="")
    last_notice: Mapped[str | None] = mapped_column(String(8), nullable=True)
    last_down_notice_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Time of the newest history row: its status (``status``) holds from here, for the rollups.
    recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # Kuma's own uptime figures (0..1) where it publishes them: shown instead of ours.
    kuma_uptime_24h: Mapped[float | None] = mapped_column(Float, nullable=True)
    kuma_uptime_30d: Mapped[float | None] = mapped_column(Float, nullable=True)


class ServiceRecord(Base):
    """A status change or a periodic sample: uptime and the history bar are computed from these."""

    __tablename__ = "service_history"
    __table_args__ = (Index("ix_service_history_service_at", "service_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("monitored_services.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    status: Mapped[str] = mapped_column(String(16))
    ping_ms: Mapped[float | None] = mapped_column(Float, nullable=True)
    source: Mapped[str] = mapped_column(String(16))  # beat, poll, webhook


class ServiceRollup(Base):
    """Seconds spent in each status (and the pings) per service and hour or day, kept as history
    arrives, so uptime over 24 h, 7 d and 30 d never needs the raw history."""

    __tablename__ = "service_rollups"
    __table_args__ = (Index("ix_service_rollups_period_start", "period", "start"),)

    service_id: Mapped[int] = mapped_column(
        ForeignKey("monitored_services.id", ondelete="CASCADE"), primary_key=True
    )
    period: Mapped[str] = mapped_column(String(8), primary_key=True)  # "hour" or "day"
    start: Mapped[datetime] = mapped_column(UTCDateTime(), primary_key=True)
    up_s: Mapped[float] = mapped_column(Float, default=0.0)
    degraded_s: Mapped[float] = mapped_column(Float, default=0.0)
    down_s: Mapped[float] = mapped_column(Float, default=0.0)
    maintenance_s: Mapped[float] = mapped_column(Float, default=0.0)
    unknown_s: Mapped[float] = mapped_column(Float, default=0.0)
    ping_sum: Mapped[float] = mapped_column(Float, default=0.0)
    ping_count: Mapped[int] = mapped_column(Integer, default=0)


class QuickLink(Base):
    """An admin-defined link on the dashboard, optionally tied to the monitor of its service."""

    __tablename__ = "quick_links"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(80))
    url: Mapped[str] = mapped_column(String(500))
    icon: Mapped[str] = mapped_column(String(24))
    service_id: Mapped[int | None] = mapped_column(
        ForeignKey("monitored_services.id", ondelete="SET NULL"), nullable=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ServiceNoticeMute(Base):
    """A person who does not want down/up notices for one service (default: everyone gets them)."""

    __tablename__ = "service_notice_mutes"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    service_id: Mapped[int] = mapped_column(
        ForeignKey("monitored_services.id", ondelete="CASCADE"), primary_key=True
    )
