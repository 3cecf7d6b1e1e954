"""HTTP: JSON API, HTML pages, SSE. Turns requests into service calls; no business rules."""
