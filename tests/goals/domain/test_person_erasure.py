"""A person's erasure is said once: PersonErased the first time, nothing after."""

from __future__ import annotations

from datetime import datetime

import pytest

from tests.goals.domain.builders import EMPLOYEE, NOW, ORG
from trellis_contracts.goals import PersonErased
from trellis_goals.domain.person import ErasePerson, person_decider
from trellis_kernel.decider import DomainError
from trellis_kernel.testing import given, replay


def erase(by: str = "hr_1", erasure_id: str = "era_1", now: datetime = NOW) -> ErasePerson:
    return ErasePerson(organisation_id=ORG, person_id=EMPLOYEE, erasure_id=erasure_id, erased_by=by, now=now)


def test_erasing_a_person_says_so_with_who_did_it_and_never_why() -> None:
    assert given(person_decider).when(erase()) == [
        PersonErased(
            employee_id=EMPLOYEE, organisation_id=ORG, erasure_id="era_1", erased_by="hr_1", occurred_at=NOW
        )
    ]


def test_a_person_erased_before_is_not_erased_again() -> None:
    history = replay(person_decider, erase())
    assert given(person_decider, *history).when(erase(by="hr_2", erasure_id="era_2")) == []


def test_the_moment_must_carry_its_offset() -> None:
    with pytest.raises(DomainError):
        given(person_decider).when(erase(now=NOW.replace(tzinfo=None)))
