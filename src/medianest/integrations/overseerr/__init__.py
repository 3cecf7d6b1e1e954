"""Integration with overseerr."""
