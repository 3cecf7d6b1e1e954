"""Integration with plextv."""
