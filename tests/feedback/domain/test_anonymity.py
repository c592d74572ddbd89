"""Pseudonyms and the release of anonymous answers."""

from __future__ import annotations

import pytest

from trellis_contracts.feedback import ReleasedAnswer
from trellis_feedback.domain.anonymity import SealedAnswer, release, respondent_token

KEY = bytes(range(32))


def test_a_token_is_the_same_for_the_same_person_in_the_same_request() -> None:
    token = respondent_token(KEY, "req_1", "emp_1")
    assert token == respondent_token(KEY, "req_1", "emp_1")
    assert len(token) == 32 and int(token, 16) >= 0


def test_a_token_differs_per_person_per_request_and_per_key() -> None:
    tokens = {
        respondent_token(KEY, "req_1", "emp_1"),
        respondent_token(KEY, "req_1", "emp_2"),
        respondent_token(KEY, "req_2", "emp_1"),
        respondent_token(bytes(reversed(KEY)), "req_1", "emp_1"),
    }
    assert len(tokens) == 4


def test_ids_cannot_run_together_into_the_same_token() -> None:
    assert respondent_token(KEY, "req_1", "1emp") != respondent_token(KEY, "req_11", "emp")


def test_a_key_has_at_least_sixteen_bytes() -> None:
    with pytest.raises(ValueError, match="16"):
        respondent_token(b"x" * 15, "req_1", "emp_1")
    assert respondent_token(b"x" * 16, "req_1", "emp_1")


def test_released_answers_keep_no_token_and_follow_their_content_not_their_arrival() -> None:
    sealed = [
        SealedAnswer("c" * 32, "upward", "recipient_only", "Zeal"),
        SealedAnswer("a" * 32, "upward", "recipient_only", "Attention"),
        SealedAnswer("b" * 32, "upward", "recipient_and_manager", "Method"),
    ]
    assert [a.content for a in release(sealed)] == ["Attention", "Method", "Zeal"]
    assert release(reversed(sealed)) == release(sealed)
    assert set(ReleasedAnswer.model_fields) == {"kind", "visibility", "content"}
