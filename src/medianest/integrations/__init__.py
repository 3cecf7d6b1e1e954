"""Clients and protocol-faithful fakes of the external services MediaNest talks to."""
