"""Protected (encrypted) personal fields: their wire format, and how to read them.

An event whose contract sets ``protects_personal_data`` carries each personal field (see
``trellis_contracts.personal``) encrypted with the data key of the person it is about, so that
erasing that person (deleting their key) leaves every copy unreadable: in the service's store, in
backups, on the topic and downstream. Everything else in the event stays in the clear.

A protected field's value is a JSON Web Encryption (RFC 7516) in the flattened JSON
serialization, with direct encryption under the person's 256-bit data key and AES-GCM::

    "title": {
      "protected": "eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIiwidHlwIjoidHJlbGxpcy5wcm90ZWN0ZWQudjEi...",
      "iv": "q2NZ3yE4rT8f1bQe",
      "ciphertext": "x6dK0Yf1vN2Q",
      "tag": "V3v0s6Jr3n3pV4kQn9m7dA"
    }

- ``protected``: BASE64URL of the header ``{"alg": "dir", "enc": "A256GCM", "typ":
  "trellis.protected.v1", "cty": "json", "kid": <data key id>}``, registered header parameters
  only. ``typ`` versions this shape; ``kid`` is what you ask the publishing service's key
  endpoint for (it answers whose key it is).
- ``iv``: the 96-bit nonce, ``ciphertext`` and ``tag`` (128 bits): AES-256-GCM output, with
  the ASCII of ``protected`` as additional authenticated data, all BASE64URL without padding.
- The plaintext is the field's value as UTF-8 JSON: a JSON string for text, a JSON array of
  strings for a list of texts.

Any JOSE library that reads flattened JWE JSON with ``dir``/``A256GCM`` opens it with the key;
so does :func:`open_value`. :func:`reveal` opens every protected field of an event's data for
its contract, giving the fields whose key is gone or not given ``ERASED``, so the result
validates against the contract's model. Opening needs the ``cryptography`` package (install
``trellis-contracts[protected]``); reading the header and revealing without keys do not.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from pydantic import BaseModel, ConfigDict, Field

from trellis_contracts.base import EventContract
from trellis_contracts.personal import ERASED, personal_values

__all__ = [
    "ERASED",
    "KEY_BYTES",
    "PROTECTED_TYPE",
    "KeySource",
    "ProtectedHeader",
    "ProtectedValue",
    "ProtectedValueError",
    "erased_data",
    "header_of",
    "is_protected_value",
    "key_ids",
    "open_value",
    "reveal",
    "seal",
]

PROTECTED_TYPE: Final = "trellis.protected.v1"
"""The ``typ`` header of the current shape; a change of shape gets a new one."""
ALGORITHM: Final = "dir"
ENCRYPTION: Final = "A256GCM"
CONTENT_TYPE: Final = "json"
KEY_BYTES: Final = 32
NONCE_BYTES: Final = 12
TAG_BYTES: Final = 16
_MEMBERS: Final = frozenset({"protected", "iv", "ciphertext", "tag"})
_BASE64URL: Final = r"^[A-Za-z0-9_-]*$"


class ProtectedValueError(ValueError):
    """A protected value is malformed, of an unknown shape, or does not open with the key."""


class ProtectedValue(BaseModel):
    """A personal field encrypted with the data key of the person it is about: a JWE (RFC 7516)
    in flattened JSON serialization, alg ``dir``, enc ``A256GCM``, typ ``trellis.protected.v1``.
    Its protected header names the data key (``kid``); the publishing service's key endpoint
    gives it to an authorised integrator."""

    model_config = ConfigDict(frozen=True, extra="forbid", title="ProtectedValue")

    protected: str = Field(
        pattern=_BASE64URL,
        description="BASE64URL of the JWE protected header (JSON): alg, enc, typ, cty, kid.",
    )
    iv: str = Field(pattern=_BASE64URL, description="BASE64URL of the 96-bit AES-GCM nonce.")
    ciphertext: str = Field(
        pattern=_BASE64URL, description="BASE64URL of the encrypted UTF-8 JSON of the field's value."
    )
    tag: str = Field(pattern=_BASE64URL, description="BASE64URL of the 128-bit AES-GCM tag.")


@dataclass(frozen=True)
class ProtectedHeader:
    """Which key a protected value needs, read without any key."""

    key_id: str


KeySource = Mapping[str, bytes] | Callable[[ProtectedHeader], bytes | None]
"""Data keys by key id (``kid``), or a function giving the key for a header (None: not
available, the field reads as erased)."""


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: Any, member: str) -> bytes:
    if not isinstance(text, str):
        raise ProtectedValueError(f"the protected value's {member} is not a string")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise ProtectedValueError(f"the protected value's {member} is not BASE64URL") from None


def _aesgcm(key: bytes) -> Any:
    try:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    except ImportError:  # pragma: no cover - depends on the installation
        raise ImportError(
            "opening or sealing protected values needs the cryptography package: "
            "pip install 'trellis-contracts[protected]'"
        ) from None
    if len(key) != KEY_BYTES:
        raise ProtectedValueError(f"a data key is {KEY_BYTES} bytes, not {len(key)}")
    return AESGCM(key)


def is_protected_value(value: Any) -> bool:
    """True for a JSON object shaped like a protected value (checks the shape, not the header)."""
    return isinstance(value, Mapping) and set(value) == _MEMBERS


def header_of(value: Mapping[str, Any]) -> ProtectedHeader:
    """The key id of a protected value; refuses another shape."""
    if not is_protected_value(value):
        raise ProtectedValueError(f"a protected value has exactly the members {sorted(_MEMBERS)}")
    protected = value["protected"]
    if not isinstance(protected, str):
        raise ProtectedValueError("the protected value's protected header is not a string")
    return _parse_header(protected)


@functools.lru_cache(maxsize=4096)
def _parse_header(protected: str) -> ProtectedHeader:
    # Cached: every value sealed with one key has the same header.
    try:
        header = json.loads(_b64decode(protected, "protected header"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ProtectedValueError("the protected header is not JSON") from None
    if not isinstance(header, dict):
        raise ProtectedValueError("the protected header is not a JSON object")
    expected = {"alg": ALGORITHM, "enc": ENCRYPTION, "typ": PROTECTED_TYPE}
    for name, wanted in expected.items():
        if header.get(name) != wanted:
            raise ProtectedValueError(f"the protected header's {name} is {header.get(name)!r}, not {wanted!r}")
    if "crit" in header:
        raise ProtectedValueError("the protected header lists critical extensions this version does not know")
    key_id = header.get("kid")
    if not isinstance(key_id, str) or not key_id:
        raise ProtectedValueError("the protected header names no key (kid)")
    return ProtectedHeader(key_id=key_id)


def seal(value: Any, *, key: bytes, key_id: str) -> dict[str, str]:
    """``value`` (a JSON value) encrypted with the person's data key, as a protected value."""
    # Random 96-bit nonces: safe while one key encrypts fewer than 2**32 values, and a key
    # belongs to one person.
    return _seal(value, key=key, key_id=key_id, nonce=os.urandom(NONCE_BYTES))


def _seal(value: Any, *, key: bytes, key_id: str, nonce: bytes) -> dict[str, str]:
    """seal() with a given nonce: only for the schemas' reproducible examples. A nonce must never
    be used twice with one key."""
    header = {
        "alg": ALGORITHM,
        "enc": ENCRYPTION,
        "typ": PROTECTED_TYPE,
        "cty": CONTENT_TYPE,
        "kid": key_id,
    }
    protected = _b64encode(json.dumps(header, separators=(",", ":")).encode("utf-8"))
    plaintext = json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    sealed: bytes = _aesgcm(key).encrypt(nonce, plaintext, protected.encode("ascii"))
    return {
        "protected": protected,
        "iv": _b64encode(nonce),
        "ciphertext": _b64encode(sealed[:-TAG_BYTES]),
        "tag": _b64encode(sealed[-TAG_BYTES:]),
    }


def open_value(value: Mapping[str, Any], key: bytes) -> Any:
    """The JSON value a protected value holds, opened with the data key its header names.

    Raises ProtectedValueError when the value is malformed or the key does not open it (a wrong
    key, or a value altered in transit).
    """
    header_of(value)
    return _open_checked(value, key)


def _open_checked(value: Mapping[str, Any], key: bytes) -> Any:
    nonce = _b64decode(value["iv"], "iv")
    ciphertext = _b64decode(value["ciphertext"], "ciphertext")
    tag = _b64decode(value["tag"], "tag")
    if len(nonce) != NONCE_BYTES or len(tag) != TAG_BYTES:
        raise ProtectedValueError("the protected value's iv or tag has the wrong length")
    from cryptography.exceptions import InvalidTag

    try:
        plaintext: bytes = _aesgcm(key).decrypt(
            nonce, ciphertext + tag, str(value["protected"]).encode("ascii")
        )
    except InvalidTag:
        raise ProtectedValueError(
            "the key does not open this protected value (wrong key, or altered)"
        ) from None
    return json.loads(plaintext.decode("utf-8"))


def _copy_json(value: Any) -> Any:
    """A copy of a JSON value (dicts and lists copied, the rest shared: it is immutable)."""
    if isinstance(value, dict):
        return {name: _copy_json(item) for name, item in value.items()}
    if isinstance(value, list):
        return [_copy_json(item) for item in value]
    return value


def _key_for(keys: KeySource | None, header: ProtectedHeader) -> bytes | None:
    if keys is None:
        return None
    if isinstance(keys, Mapping):
        return keys.get(header.key_id)
    return keys(header)


def key_ids(contract: type[EventContract], data: Mapping[str, Any]) -> set[str]:
    """The ids of the data keys that open an event's protected fields (none for a contract that
    does not protect personal data): what to fetch before :func:`reveal`."""
    if not contract.protects_personal_data:
        return set()
    return {
        header_of(personal.value).key_id
        for personal in personal_values(contract, dict(data))
        if is_protected_value(personal.value)
    }


def reveal(
    contract: type[EventContract], data: Mapping[str, Any], keys: KeySource | None = None
) -> dict[str, Any]:
    """A copy of an event's ``data`` with its protected fields opened.

    A field whose key ``keys`` does not give (the person was erased, or you may not read their
    data) becomes ``ERASED`` (``[ERASED]`` for a list of texts), so that the result validates
    against ``contract`` with every non-personal fact intact::

        event = contract.model_validate(reveal(contract, data, keys))

    For a contract that does not protect personal data, the copy is unchanged.
    """
    revealed: dict[str, Any] = _copy_json(dict(data))
    if not contract.protects_personal_data:
        return revealed
    for personal in personal_values(contract, revealed):
        if not is_protected_value(personal.value):
            raise ProtectedValueError(
                f"{contract.event_type()} field {personal.field.dotted} is not a protected value"
            )
        key = _key_for(keys, header_of(personal.value))
        personal.replace(personal.field.erased() if key is None else _open_checked(personal.value, key))
    return revealed


def erased_data(contract: type[EventContract], data: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``data`` with every personal value read as erased (whatever its form)."""
    erased: dict[str, Any] = _copy_json(dict(data))
    for personal in personal_values(contract, erased):
        personal.replace(personal.field.erased())
    return erased
