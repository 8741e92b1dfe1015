"""Checking a signed assessment for a caller (docs/api.md, "Checking a signed assessment"): whether what it shows
is what an enclave registered on the chain signed, bound to that chain's request. Each check reads the envelope's
payload itself (chains/core/signed_view.py), never the fields printed beside it:

- `payload`: the payload reads as the family's, and its hash is the envelope's `digest`;
- `signature`: the signature over that digest is the envelope's `signer`'s, checked as the chain checks it;
- `facts`: every signed field printed beside the payload says what the payload says;
- `request`: the payload is bound to a request of this chain's contract, to its id and subject: one this node read
  from the chain, or else one the chain shows fulfilled (read back from its fulfilment, as `aura verify` reads it);
  an off-chain assessment: to this chain's id and the off-chain request id of its subject and block;
- `signer`: the chain's contract counts the signer with the payload's enclave measurement (read from the chain now).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from coincurve import PublicKey

from chains.base import SignerStatus
from chains.core.assessment import AssessmentFacts
from chains.core.offchain import offchain_request_id
from chains.core.secp256k1 import address_from_public_key, recover_address
from chains.core.signed_view import SignedView
from chains.registry import FAMILIES
from node.enclave.params import parse_request
from node.fulfilled import Fulfilments, read_back
from node.verdicts import Check

StatedFields = ("score", "tier", "pd_bps", "flags", "measurement", "commitment", "block_number", "block_hash",
                "features_hash", "timestamp", "expiry")
"""The facts an envelope may print beside its payload (the API prints all but the first three)."""


class BadEnvelope(ValueError):
    """The envelope cannot be read at all: its family has no reader, or its payload is not one the family signs."""


@dataclass(frozen=True)
class SignedVerdict:
    offchain: bool
    request_id: str
    subject: str
    signer: str
    signer_status: str | None
    facts: dict[str, Any]
    checks: tuple[Check, ...]

    @property
    def valid(self) -> bool:
        return all(c.ok for c in self.checks)


StoredRequest = Callable[[str], Mapping[str, Any] | None]
"""The `assess` request object of a request this node read, by its key `<chain>:<request id>`; None if unknown."""
ChainRequest = Callable[[str], Awaitable[Mapping[str, Any] | None]]
"""The `assess` request object of a request the chain shows fulfilled, by its id; None if it shows none. Raises
RetryLater when the chain cannot be read."""
SignerLookup = Callable[[str, str, bytes | None], Awaitable[SignerStatus | None]]
"""The chain contract's view of (signer, measurement), given the signer's public key when the envelope shows it (an
adapter's `signer_status`); raises RetryLater when the chain cannot be read."""


async def check_signed(chain: str, family: str, chain_id: int, envelope: Mapping[str, Any],
                       stored_request: StoredRequest, signer_status: SignerLookup,
                       chain_request: ChainRequest | None = None) -> SignedVerdict:
    """Every check of `envelope` (a signed payload as the API or the enclave answers it) for the chain `chain`; a
    request this node never read is looked for on the chain with `chain_request` when given.

    Raises:
        BadEnvelope: the payload cannot be read. RetryLater: the chain could not be read.
    """
    known = FAMILIES[family]
    if known.read_signed is None or known.owner_message is None:
        raise BadEnvelope(f"the {family} family has no reader of signed envelopes")
    try:
        view = known.read_signed(envelope)
    except (ValueError, KeyError) as exc:
        raise BadEnvelope(str(exc)) from None
    id_text = known.owner_message().id_text
    digest_hex = "0x" + view.digest.hex()
    stated_digest = envelope.get("digest")
    checks = [Check("payload", stated_digest == digest_hex,
                    f"its hash is the envelope's digest {digest_hex}" if stated_digest == digest_hex else
                    f"its hash is {digest_hex}, not the envelope's digest {str(stated_digest)[:80]}")]
    signer = envelope.get("signer")
    signature = _signature(view, family, envelope, signer)
    checks.append(signature)
    checks.append(_facts(view.facts, envelope))
    request_id = id_text(view.bound["request_id"])
    checks.append(await _request(view, family, chain, chain_id, request_id, stored_request, chain_request))
    measurement = "0x" + view.facts.measurement.hex()
    key = _public_key(envelope, str(signer)) if signature.ok else None
    status = await signer_status(signer, measurement, key) if isinstance(signer, str) else None
    checks.append(_signer(status, measurement))
    return SignedVerdict(offchain=view.offchain, request_id=request_id, subject=id_text(view.bound["subject"]),
                         signer=str(signer), signer_status=None if status is None else status.value,
                         facts=_facts_json(view.facts), checks=tuple(checks))


def _signature(view: SignedView, family: str, envelope: Mapping[str, Any], signer: Any) -> Check:
    """Recovered over the recomputed digest, as the chain recovers it (the off-chain form: as EIP-712 clients do)."""
    signed = {**envelope, "digest": "0x" + view.digest.hex()}
    try:
        if view.offchain:
            raw = bytes.fromhex(str(envelope.get("signature", ""))[2:])
            by = recover_address(view.digest, raw)
        else:
            by = FAMILIES[family].codec.signer_address(signed)
    except ValueError as exc:
        return Check("signature", False, str(exc))
    if not isinstance(signer, str) or by.lower() != signer.lower():
        return Check("signature", False, f"made by {by}, not the envelope's signer {str(signer)[:64]}")
    return Check("signature", True, f"made by the envelope's signer {by} over the digest")


def _public_key(envelope: Mapping[str, Any], signer: str) -> bytes | None:
    """The envelope's `public_key` (Solana's shows it as x || y, Sui's compressed), compressed, when it is the key
    of `signer`, whose signature the `signature` check found; else None."""
    text = envelope.get("public_key")
    if not isinstance(text, str) or not text.startswith("0x"):
        return None
    try:
        raw = bytes.fromhex(text[2:])
        key = PublicKey(b"\x04" + raw if len(raw) == 64 else raw).format(compressed=True)
    except ValueError:
        return None
    return key if address_from_public_key(key).lower() == signer.lower() else None


def _facts(facts: AssessmentFacts, envelope: Mapping[str, Any]) -> Check:
    """A private assessment's enclave answer prints its real score, tier and PD for the operator beside a payload
    that signs score 0, tier 255 and PD 0 (docs/protocol.md, "Private assessments"): those three are not compared."""
    said = _facts_json(facts)
    hidden = ("score", "tier", "pd_bps") if envelope.get("private") is True else ()
    for name in (n for n in StatedFields if n not in hidden):
        if name in envelope and envelope[name] != said[name]:
            return Check("facts", False, f"{name}: the envelope says {str(envelope[name])[:80]}, the payload "
                                         f"{said[name]}")
    return Check("facts", True, "every field printed beside the payload is the payload's")


async def _request(view: SignedView, family: str, chain: str, chain_id: int, request_id: str,
                   stored_request: StoredRequest, chain_request: ChainRequest | None) -> Check:
    if view.offchain:
        f = view.facts
        want = offchain_request_id(family, chain_id, view.bound["subject"], f.block_number, f.block_hash)
        if view.bound["chain_id"] != chain_id:
            return Check("request", False, f"signed off-chain for chain id {view.bound['chain_id']}, not {chain}'s "
                                           f"{chain_id}")
        if view.bound["request_id"] != want:
            return Check("request", False, "its request id is not the off-chain id of its subject and block")
        return Check("request", True, f"an off-chain assessment for {chain}: no contract takes it")
    request, where = stored_request(f"{chain}:{request_id}"), ""
    if request is None and chain_request is not None:
        request, where = await chain_request(request_id), " (read from its fulfilment on the chain)"
    if request is None:
        shown = " or fulfilled on the chain" if chain_request is not None else ""
        return Check("request", False, f"no request {request_id} of {chain}'s contract is known to this node{shown}")
    _, bound = parse_request(dict(request))
    for name, value in view.bound.items():
        if getattr(bound, name) != value:
            return Check("request", False, f"{name}: the payload's is not that of request {request_id} on {chain}")
    return Check("request", True, f"bound to request {request_id} of {chain}'s contract{where}, and to its subject")


def _signer(status: SignerStatus | None, measurement: str) -> Check:
    if status is SignerStatus.ACTIVE:
        return Check("signer", True, f"the chain's contract counts it, with measurement {measurement}")
    if status is None:
        return Check("signer", False, "the chain cannot tell whether it counts this signer")
    return Check("signer", False, f"the chain's contract does not count it: {status.value}")


def _facts_json(facts: AssessmentFacts) -> dict[str, Any]:
    return {name: "0x" + v.hex() if isinstance(v, bytes) else v for name, v in
            ((name, getattr(facts, name)) for name in StatedFields)}




class RequestRows(Protocol):
    """The store's requests (node/store.py), by key."""

    def request(self, key: str) -> dict[str, Any] | None: ...


class SignedDesk:
    """Checks of signed assessments for the API: over the node's store (the requests it read) and its chains'
    adapters (`signer_status`, and `fulfilments` for requests the node never read), for the chains `chains` names
    (name -> (family, chain id))."""

    def __init__(self, store: RequestRows, chains: Mapping[str, tuple[str, int]],
                 signer_status: Mapping[str, SignerLookup], fulfilments: Mapping[str, Fulfilments] | None = None
                 ) -> None:
        self.store, self.chains, self.signer_status = store, chains, signer_status
        self.fulfilments = fulfilments or {}

    def _stored(self, key: str) -> Mapping[str, Any] | None:
        from node.zk.prove_cli import stored_request  # noqa: PLC0415 - the request object as the enclave took it

        row = self.store.request(key)
        return None if row is None else stored_request(row)

    async def check(self, chain: str, envelope: Mapping[str, Any]) -> SignedVerdict:
        """check_signed for the configured chain `chain` (KeyError when there is none)."""
        family, chain_id = self.chains[chain]
        read = self.fulfilments.get(chain)
        return await check_signed(chain, family, chain_id, envelope, self._stored, self.signer_status[chain],
                                  None if read is None else _from_fulfilment(read))


def _from_fulfilment(read: Fulfilments) -> ChainRequest:
    """The `assess` request object of a request the chain shows fulfilled, as `read` (an adapter's
    `read_fulfilment`) reads it back; None for an id the chain does not read or a family that cannot read back."""
    async def on_chain(request_id: str) -> Mapping[str, Any] | None:
        found = await read_back(read, request_id)
        return None if found is None else found.request

    return on_chain


__all__ = ["BadEnvelope", "SignedDesk", "SignedVerdict", "check_signed"]
