"""Demo mode: MediaNest wired to its own fake services with seed data."""
