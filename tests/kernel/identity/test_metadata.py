from __future__ import annotations

from uuid import uuid4

from trellis_kernel.identity import SharedSecretVerifier, event_metadata, mint_token

SECRET = "local-development-secret-of-32-bytes!"


async def test_the_verified_subject_is_what_events_record_as_principal() -> None:
    principal = await SharedSecretVerifier(SECRET).verify(
        mint_token(SECRET, "user-42", roles=["manager"], organisation_id="org-1")
    )
    correlation = uuid4()

    metadata = event_metadata(principal, correlation_id=correlation)

    assert metadata.principal == "user-42"
    assert metadata.correlation_id == correlation
