"""The organisation's anonymity threshold k: 3 unless chosen, never below 3."""

from __future__ import annotations

import pytest

from tests.feedback.domain.builders import NOW, ORG
from trellis_contracts.feedback import AnonymityThresholdSet
from trellis_feedback.domain.settings import SetAnonymityThreshold, anonymity_threshold, settings_decider
from trellis_kernel.testing import given, replay


def set_k(threshold: int) -> SetAnonymityThreshold:
    return SetAnonymityThreshold(organisation_id=ORG, threshold=threshold, set_by="hr_1", now=NOW)


def test_k_is_three_until_an_organisation_chooses() -> None:
    assert anonymity_threshold(settings_decider.fold([])) == 3


def test_an_organisation_raises_k_and_the_event_says_what_it_was() -> None:
    assert given(settings_decider).when(set_k(5)) == [
        AnonymityThresholdSet(
            organisation_id=ORG, threshold=5, previous_threshold=3, set_by="hr_1", set_at=NOW
        )
    ]
    assert anonymity_threshold(settings_decider.fold(replay(settings_decider, set_k(5)))) == 5


@pytest.mark.parametrize(("threshold", "accepted"), [(2, False), (3, True), (50, True), (51, False)])
def test_k_is_between_three_and_fifty(threshold: int, accepted: bool) -> None:
    history = replay(settings_decider, set_k(5))
    if accepted:
        [event] = given(settings_decider, *history).when(set_k(threshold))
        assert isinstance(event, AnonymityThresholdSet) and event.threshold == threshold
    else:
        given(settings_decider, *history).when_rejected(set_k(threshold), field="threshold")


def test_setting_the_same_k_changes_nothing() -> None:
    assert given(settings_decider).when(set_k(3)) == []
    assert given(settings_decider, *replay(settings_decider, set_k(4))).when(set_k(4)) == []
