"""MediaNest: one portal for a shared Plex server."""

__version__ = "0.1.0"
