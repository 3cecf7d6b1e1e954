"""Live updates: the event bus (in-process or Redis pub/sub) and Server-Sent Events."""
