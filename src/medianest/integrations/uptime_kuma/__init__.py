"""Integration with uptime_kuma."""
