"""Deterministic synthetic source-system deliveries: vehicles, service history, contracts, campaigns (DOMAIN §7.5)."""
