"""Integration with youtube."""
