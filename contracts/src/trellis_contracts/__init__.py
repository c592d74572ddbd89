"""Trellis event contracts: the published language of the goals, feedback and recognition
services."""

from trellis_contracts.base import TYPE_PREFIX, EventContract, personal_data

__version__ = "1.0.0"

__all__ = ["TYPE_PREFIX", "EventContract", "personal_data"]
