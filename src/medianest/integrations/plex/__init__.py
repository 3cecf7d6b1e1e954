"""Integration with plex."""
