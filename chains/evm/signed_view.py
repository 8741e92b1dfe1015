"""An EVM envelope read back from its EIP-712 typed data (chains/core/signed_view.py): the digest recomputed from the
domain and the `Assessment` message, and what they bind (chain id, oracle, request, subject)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chains.core.signed_view import SignedView, facts_of, is_offchain, read_offchain
from chains.core.typed_data import read_typed_data
from chains.evm import payload as eip712


def read_signed(envelope: Mapping[str, Any]) -> SignedView:
    """Raises ValueError naming the first key of `typed_data` that is not as the enclave signs it."""
    if is_offchain(envelope):
        return read_offchain(envelope, "evm")
    domain, values = read_typed_data(envelope.get("typed_data"), eip712.DOMAIN_FIELDS,
                                     {"name": eip712.DOMAIN_NAME, "version": eip712.DOMAIN_VERSION}, "Assessment",
                                     eip712.ASSESSMENT_FIELDS)
    facts = facts_of(values)
    signed = eip712.digest(eip712.Domain(domain["chainId"], domain["verifyingContract"]),
                           eip712.Assessment(request_id=values["requestId"], subject=values["subject"], facts=facts))
    bound = {"chain_id": domain["chainId"], "contract": domain["verifyingContract"], "request_id": values["requestId"],
             "subject": values["subject"]}
    return SignedView(signed, bound, facts)
