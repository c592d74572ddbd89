"""What reaches Kafka: the relay publishes the stored ciphertext, so a scan of the topic with the
CloudEvents SDK finds nobody's text, and after an erasure the person's records never open again;
on a real broker and PostgreSQL."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable

import pytest
from cloudevents.core.bindings import kafka as ce_kafka
from cloudevents.core.formats.json import JSONFormat

from tests.contracts.protected_contracts import PRIVACY_TEST_EVENTS
from tests.kernel.privacy.support import ORG
from tests.kernel.privacy.test_protecting_codec import (
    ADA,
    ADA_TEXT,
    BOB,
    BOB_TEXT,
    PRAISE_FOR_ADA,
    PRAISE_FOR_BOB,
    PrivacyFixtures,
)
from tests.kernel.relay.support import read_topic
from trellis_contracts.personal import ERASED
from trellis_contracts.protected import key_ids, reveal
from trellis_kernel.privacy import DataKeyStore
from trellis_kernel.relay import OutboxRelay, RelaySettings
from trellis_kernel.relay.cloudevents import encode_cloudevent
from trellis_kernel.store import EventStore

CONTRACTS = {contract.event_type(): contract for contract in PRIVACY_TEST_EVENTS}


class TestProtectedTopic(PrivacyFixtures):
    @pytest.mark.infra
    async def test_the_topic_holds_only_ciphertext_and_an_erased_persons_records_stay_shut(
        self,
        database_dsn: str,
        store: EventStore,
        keys: DataKeyStore,
        kafka_bootstrap: str,
        new_topic: Callable[..., Awaitable[str]],
        history: None,
    ) -> None:
        topic = await new_topic(3)
        relay = OutboxRelay(
            dsn=database_dsn,
            store=store,
            bootstrap_servers=kafka_bootstrap,
            topic_for=lambda _: topic,
            encode=encode_cloudevent,
            settings=RelaySettings(name="privacy-outbox", poll_interval=0.2),
        )
        async with relay:
            task = asyncio.create_task(relay.run())
            try:
                records = await read_topic(kafka_bootstrap, topic, 4, settle=0.5)
            finally:
                await relay.stop(task)
        assert len(records) == 4

        published = []
        for record in records:
            assert record.value is not None
            event = ce_kafka.from_kafka(
                ce_kafka.KafkaMessage(dict(record.headers), record.key, record.value), JSONFormat()
            )
            data = event.get_data()
            assert isinstance(data, dict)
            whole = json.dumps(data, ensure_ascii=False) + " ".join(
                str(v) for v in event.get_attributes().values()
            )
            for text in (*ADA_TEXT, *BOB_TEXT, PRAISE_FOR_ADA, PRAISE_FOR_BOB):
                assert text not in whole, f"{text!r} went onto the topic in the clear"
            published.append((CONTRACTS[event.get_type()], data))

        await keys.erase(ORG, ADA, erased_by="hr_1", reason="Asked to be forgotten")

        opened: dict[str, str] = {}
        for contract, data in published:
            available = await keys.keys_for_reading(key_ids(contract, data))
            revealed = contract.model_validate(
                reveal(contract, data, {kid: key for kid, key in available.items() if key is not None})
            )
            person = getattr(revealed, "employee_id", None) or revealed.recipient_id
            opened[person + ":" + type(revealed).__name__] = (
                getattr(revealed, "title", None) or revealed.message
            )
        assert opened == {
            f"{ADA}:GoalPlannedV2": ERASED,
            f"{BOB}:GoalPlannedV2": BOB_TEXT[0],
            f"{BOB}:PraiseGiven": PRAISE_FOR_BOB,
            f"{ADA}:PraiseGiven": ERASED,
        }
