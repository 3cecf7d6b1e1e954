"""Background jobs on the Huey queue; tasks are thin and call services."""
