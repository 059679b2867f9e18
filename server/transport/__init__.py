"""Transports: thin adapters from the wire to the service layer."""
