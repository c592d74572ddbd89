"""An organisation's retention of feedback text: HR sets it in years; a day's run lets go the
calendar years wholly older than the horizon."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from trellis_contracts.feedback import FeedbackRetentionSet, FeedbackTextExpired
from trellis_feedback.domain.retention import ExpireText, SetRetention, expiry, retention_decider
from trellis_kernel.decider import DomainError
from trellis_kernel.testing import given

NOW = datetime(2029, 3, 2, 9, 0, tzinfo=UTC)


def set_to(years: int) -> SetRetention:
    return SetRetention(organisation_id="org_1", years=years, set_by="hr_1", now=NOW)


def test_hr_sets_the_years_and_a_change_names_the_rule_before() -> None:
    [first] = given(retention_decider).when(set_to(3))
    assert first == FeedbackRetentionSet(organisation_id="org_1", years=3, set_by="hr_1", set_at=NOW)
    [changed] = given(retention_decider, first).when(set_to(2))
    assert (changed.years, changed.previous_years) == (2, 3)
    assert given(retention_decider, first).when(set_to(3)) == []


def test_a_run_that_shredded_says_so_under_the_rule_and_only_with_a_rule() -> None:
    [rule] = given(retention_decider).when(set_to(3))
    before = datetime(2026, 1, 1, tzinfo=UTC)
    expire = ExpireText(organisation_id="org_1", before=before, now=NOW)
    [expired] = given(retention_decider, rule).when(expire)
    assert expired == FeedbackTextExpired(organisation_id="org_1", before=before, years=3, expired_at=NOW)
    assert retention_decider.fold([rule, expired]) == 3
    with pytest.raises(DomainError, match="no retention rule"):
        given(retention_decider).when(expire)


@pytest.mark.parametrize("years", [0, 51])
def test_the_years_are_between_one_and_fifty(years: int) -> None:
    with pytest.raises(DomainError, match="between 1 and 50"):
        given(retention_decider).when(set_to(years))


def test_only_years_wholly_older_than_the_horizon_go() -> None:
    scopes = {"2024", "2025", "2026", "2027", "default"}
    gone = expiry(3, NOW, scopes)  # horizon 2026-03-02: 2026 is not wholly older yet
    assert gone.scopes == ("2024", "2025")
    assert gone.before == datetime(2026, 1, 1, tzinfo=UTC)
    assert expiry(3, datetime(2030, 1, 1, tzinfo=UTC), scopes).scopes == ("2024", "2025", "2026")
    assert expiry(3, datetime(2029, 12, 31, 23, 59, tzinfo=UTC), scopes).scopes == ("2024", "2025")


def test_the_year_is_utcs_whatever_the_clocks_zone() -> None:
    new_year_in_tokyo = datetime(2030, 1, 1, 3, 0, tzinfo=timezone(timedelta(hours=9)))  # 2029 in UTC
    assert expiry(3, new_year_in_tokyo, {"2026"}).scopes == ()
