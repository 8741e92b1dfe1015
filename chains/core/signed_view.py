"""A signed envelope read back from its own payload (docs/api.md, "Checking a signed assessment"): what the
signature is over, taken from the bytes or typed data that were signed, never from the fields printed beside them.

Each family reads its payload (`Family.read_signed`, chains/<family>/signed_view.py); an off-chain assessment is the
same typed data for every family (`read_offchain`). The reader recomputes the digest from the payload and answers
what the payload binds: the request (its id, subject and, as the payload names them, the chain and contract) and
the facts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from chains.core import offchain
from chains.core.assessment import AssessmentFacts
from chains.core.typed_data import read_typed_data


@dataclass(frozen=True)
class SignedView:
    """`digest`: recomputed from the payload. `bound`: what the payload binds the signature to, each under the name
    of the `BoundRequest` attribute it must equal (`chain_id`, `contract`, `request_id`, `subject`, and a family's
    own such as `program`), as raw bytes or integers. `offchain`: signed under the off-chain domain."""

    digest: bytes
    bound: Mapping[str, Any]
    facts: AssessmentFacts
    offchain: bool = False


def facts_of(values: Mapping[str, Any]) -> AssessmentFacts:
    """The facts of typed data whose message names them as the EIP-712 `Assessment` does (camel case)."""
    return AssessmentFacts(
        score=values["score"], tier=values["tier"], pd_bps=values["pdBps"], flags=values["flags"],
        measurement=values["measurement"], commitment=values["commitment"], block_number=values["blockNumber"],
        block_hash=values["blockHash"], features_hash=values["featuresHash"], timestamp=values["timestamp"],
        expiry=values["expiry"],
    )  # fmt: skip


def is_offchain(envelope: Mapping[str, Any]) -> bool:
    """Whether the envelope's typed data names the off-chain domain."""
    typed = envelope.get("typed_data")
    domain = typed.get("domain") if isinstance(typed, Mapping) else None
    return isinstance(domain, Mapping) and domain.get("name") == offchain.DOMAIN_NAME


def read_offchain(envelope: Mapping[str, Any], family: str) -> SignedView:
    """An off-chain assessment's typed data (chains/core/offchain.py) for a chain of `family`.

    Raises:
        ValueError: the typed data is not the off-chain assessment's, or names another family.
    """
    domain, values = read_typed_data(envelope.get("typed_data"), offchain.DOMAIN_FIELDS,
                                     {"name": offchain.DOMAIN_NAME, "version": offchain.DOMAIN_VERSION},
                                     offchain.PRIMARY_TYPE, offchain.FIELDS)
    if values["family"] != family:
        raise ValueError(f"typed_data message family: {values['family'][:32]!r}, not {family}")
    bound = {"chain_id": values["chainId"], "request_id": values["requestId"], "subject": values["subject"]}
    return SignedView(offchain.digest(values), bound, facts_of(values), offchain=True)


__all__ = ["SignedView", "facts_of", "is_offchain", "read_offchain"]
