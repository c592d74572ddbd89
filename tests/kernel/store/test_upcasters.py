"""Upcaster registry behaviour that needs no database."""

from __future__ import annotations

import pytest

from trellis_kernel.store import Upcasters


def test_upcasters_chain_until_no_more_are_registered() -> None:
    upcasters = Upcasters()

    @upcasters.upcaster("T", 1)
    def add_due(payload: dict[str, object]) -> dict[str, object]:
        return {**payload, "due": None}

    upcasters.register("T", 2, lambda payload: {**payload, "owner": "unknown"})

    assert upcasters.upcast("T", 1, {"title": "x"}) == (
        3,
        {"title": "x", "due": None, "owner": "unknown"},
    )
    assert upcasters.upcast("T", 2, {"title": "x"}) == (3, {"title": "x", "owner": "unknown"})
    assert upcasters.upcast("T", 3, {"title": "x"}) == (3, {"title": "x"})
    assert upcasters.upcast("Other", 1, {"a": 1}) == (1, {"a": 1})


def test_registering_the_same_step_twice_is_refused() -> None:
    upcasters = Upcasters()
    upcasters.register("T", 1, dict)
    with pytest.raises(ValueError, match="already registered"):
        upcasters.register("T", 1, dict)
