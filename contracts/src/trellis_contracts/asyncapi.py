"""The AsyncAPI 3.0 document of every Trellis topic, operation and message.

Payload schemas are the same JSON Schemas as under ``contracts/schemas/``, moved into
``components/schemas`` with their ``$defs`` renamed ``<service>.<Name>`` so that one
document holds them all without clashes.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from trellis_contracts import __version__
from trellis_contracts.base import EventContract
from trellis_contracts.catalogue import EVENTS_BY_SERVICE
from trellis_contracts.envelope import (
    CONTENT_TYPE_HEADER,
    JSON_CONTENT_TYPE,
    SEQUENCE_DIGITS,
    EventTypeName,
    encode_binary,
    envelope_for,
    source_for,
)
from trellis_contracts.fields import OPAQUE_ID_PATTERN
from trellis_contracts.schemas import event_schema, wire_examples
from trellis_contracts.topics import TOPICS, Topic

ASYNCAPI_VERSION = "3.0.0"
KAFKA_BINDING_VERSION = "0.5.0"
HEADERS_COMPONENT = "CloudEventsKafkaHeaders"
EXAMPLE_EVENT_ID = "00000000-0000-4000-8000-000000000001"
EXAMPLE_TIME = datetime(2026, 1, 1, tzinfo=UTC)


def _summary(contract: type[EventContract]) -> str:
    first_line = (contract.__doc__ or contract.__name__).strip().splitlines()[0]
    return first_line.replace("``", "`")


def _message_key(contract: type[EventContract]) -> str:
    parsed = EventTypeName.parse(contract.event_type())
    return f"{parsed.service}.{parsed.name}.v{parsed.major}"


def _channel_id(service: str) -> str:
    return f"{service}Events"


def _channel_message_id(contract: type[EventContract]) -> str:
    """The message's id within its channel, e.g. ``GoalCreated.v1``."""
    return f"{contract.event_name()}.v{contract.major}"


def _rewrite_refs(node: Any, renames: dict[str, str]) -> Any:
    if isinstance(node, dict):
        rewritten = {key: _rewrite_refs(value, renames) for key, value in node.items()}
        ref = rewritten.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            rewritten["$ref"] = "#/components/schemas/" + renames[ref.removeprefix("#/$defs/")]
        return rewritten
    if isinstance(node, list):
        return [_rewrite_refs(item, renames) for item in node]
    return node


def _add_payload_schemas(contract: type[EventContract], schemas: dict[str, Any]) -> str:
    """Put the contract's schema (and its nested ones) into ``schemas``; return its key."""
    schema = dict(event_schema(contract))
    schema.pop("$schema")
    definitions: dict[str, Any] = schema.pop("$defs", {})
    # A protecting major shares its nested models with the plain one it supersedes, but on the
    # wire their personal fields are protected values: its nested schemas get their own names.
    namespace = f"{contract.service}.protected" if contract.protects_personal_data else contract.service
    renames = {name: f"{namespace}.{name}" for name in definitions}
    for name, definition in definitions.items():
        key = renames[name]
        rewritten = _rewrite_refs(definition, renames)
        if key in schemas and schemas[key] != rewritten:
            raise ValueError(f"two different nested schemas are both named {key}")
        schemas[key] = rewritten
    key = _message_key(contract)
    schemas[key] = _rewrite_refs(schema, renames)
    return key


def _headers_schema() -> dict[str, Any]:
    text = {"type": "string"}
    return {
        "type": "object",
        "description": "CloudEvents 1.0 attributes in Kafka binary content mode (UTF-8).",
        "required": [
            "ce_specversion",
            "ce_id",
            "ce_source",
            "ce_type",
            "ce_subject",
            "ce_time",
            CONTENT_TYPE_HEADER,
        ],
        "properties": {
            "ce_specversion": {**text, "const": "1.0"},
            "ce_id": {
                **text,
                "description": "Event id, unique per event: deduplicate on it (at-least-once).",
            },
            "ce_source": {**text, "description": "Publishing service, e.g. /trellis/goals."},
            "ce_type": {**text, "description": "dev.trellis.<service>.<EventName>.v<major>"},
            "ce_subject": {
                **text,
                "pattern": OPAQUE_ID_PATTERN,
                "description": "Aggregate id; the record key is the id of its stream.",
            },
            "ce_time": {**text, "format": "date-time", "description": "When it happened."},
            CONTENT_TYPE_HEADER: {**text, "const": JSON_CONTENT_TYPE},
            "ce_dataschema": {**text, "format": "uri", "description": "JSON Schema of data."},
            "ce_traceparent": {**text, "description": "W3C trace context (distributed tracing)."},
            "ce_tracestate": {**text, "description": "W3C trace state (distributed tracing)."},
            "ce_correlationid": {
                **text,
                "pattern": OPAQUE_ID_PATTERN,
                "description": "Id shared by every event of one business flow.",
            },
            "ce_causationid": {
                **text,
                "pattern": OPAQUE_ID_PATTERN,
                "description": "Id of the command or event that caused this one.",
            },
            "ce_sequence": {
                **text,
                "pattern": f"^[0-9]{{{SEQUENCE_DIGITS}}}$",
                "description": "Version of the event in its stream, zero-padded so that "
                "string order is stream order.",
            },
        },
    }


def _message(contract: type[EventContract], payload_key: str, topic: Topic) -> dict[str, Any]:
    event_type = contract.event_type()
    message: dict[str, Any] = {
        "name": event_type,
        "title": contract.event_name(),
        "summary": _summary(contract),
        "contentType": JSON_CONTENT_TYPE,
        "headers": {
            "type": "object",
            "allOf": [
                {"$ref": f"#/components/schemas/{HEADERS_COMPONENT}"},
                {
                    "type": "object",
                    "properties": {
                        "ce_type": {"type": "string", "const": event_type},
                        "ce_source": {"type": "string", "const": source_for(contract.service)},
                    },
                },
            ],
        },
        "payload": {"$ref": f"#/components/schemas/{payload_key}"},
        "correlationId": {"location": "$message.header#/ce_correlationid"},
        "bindings": {
            "kafka": {
                "key": {"type": "string", "description": topic.key_description},
                "bindingVersion": KAFKA_BINDING_VERSION,
            }
        },
    }
    examples = contract.model_json_schema().get("examples", [])
    if examples:
        message["examples"] = [
            _example(contract, number, payload, on_the_wire)
            for number, (payload, on_the_wire) in enumerate(
                zip(examples, wire_examples(contract), strict=True), 1
            )
        ]
    return message


def _example(contract: type[EventContract], number: int, payload: Any, on_the_wire: Any) -> dict[str, Any]:
    event = contract.model_validate(payload)
    # Contracts declare their aggregate id first.
    subject = str(getattr(event, next(iter(contract.model_fields))))
    envelope = envelope_for(event, id=EXAMPLE_EVENT_ID, subject=subject, time=EXAMPLE_TIME, sequence=1)
    record = encode_binary(envelope, on_the_wire)
    return {
        "name": f"{contract.event_name()}Example{number}",
        "headers": {name: value.decode() for name, value in record.headers},
        "payload": on_the_wire,
    }


def _channel(topic: Topic, contracts: tuple[type[EventContract], ...]) -> dict[str, Any]:
    config = topic.topic_config()
    return {
        "address": topic.name,
        "title": f"{topic.service} events",
        "description": f"Every event the {topic.service} service publishes, keyed by "
        "aggregate id so that one aggregate's events stay in order.",
        "messages": {
            _channel_message_id(contract): {"$ref": f"#/components/messages/{_message_key(contract)}"}
            for contract in contracts
        },
        "bindings": {
            "kafka": {
                "topic": topic.name,
                "partitions": topic.partitions,
                "replicas": topic.replication_factor,
                "topicConfiguration": {
                    "cleanup.policy": [config["cleanup.policy"]],
                    "retention.ms": int(config["retention.ms"]),
                },
                "bindingVersion": KAFKA_BINDING_VERSION,
            }
        },
    }


def _operation(topic: Topic, contracts: tuple[type[EventContract], ...]) -> dict[str, Any]:
    channel = _channel_id(topic.service)
    return {
        "action": "send",
        "title": f"Publish {topic.service} events",
        "summary": f"The {topic.service} service's outbox relay publishes each stored event "
        "once it is committed (at-least-once, in stream order per key).",
        "channel": {"$ref": f"#/channels/{channel}"},
        "messages": [
            {"$ref": f"#/channels/{channel}/messages/{_channel_message_id(contract)}"}
            for contract in contracts
        ],
        "bindings": {
            "kafka": {
                "clientId": {"type": "string", "const": f"trellis-{topic.service}-relay"},
                "bindingVersion": KAFKA_BINDING_VERSION,
            }
        },
    }


def asyncapi_document() -> dict[str, Any]:
    """The whole AsyncAPI 3.0 document, as a JSON-ready dict."""
    schemas: dict[str, Any] = {HEADERS_COMPONENT: _headers_schema()}
    messages: dict[str, Any] = {}
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    for service, contracts in EVENTS_BY_SERVICE.items():
        topic = TOPICS[service]
        for contract in contracts:
            payload_key = _add_payload_schemas(contract, schemas)
            messages[_message_key(contract)] = _message(contract, payload_key, topic)
        channels[_channel_id(service)] = _channel(topic, contracts)
        operations[f"publish{service.capitalize()}Events"] = _operation(topic, contracts)
    return {
        "asyncapi": ASYNCAPI_VERSION,
        "info": {
            "title": "Trellis events",
            "version": __version__,
            "description": "Domain events of the Trellis goals, feedback and recognition "
            "services as CloudEvents 1.0 on Kafka (binary content mode). Generated by "
            "`python -m trellis_contracts.generate`; do not edit by hand.",
            "license": {
                "name": "Apache-2.0",
                "url": "https://www.apache.org/licenses/LICENSE-2.0",
            },
        },
        "defaultContentType": JSON_CONTENT_TYPE,
        "channels": channels,
        "operations": operations,
        "components": {"schemas": schemas, "messages": messages},
    }
