"""A Solana quorum fulfilment (docs/solana.md, "Quorum"): how many signatures one `fulfil_quorum` transaction of the
adapter carries, and each signer's part of it, a cosigner the program would not count named by its address.

Each transaction carries two compute-budget instructions and one request. Each signature brings 65 bytes of data
and two accounts, its enclave and that enclave's payee: 131 bytes when every payee is its own account, so a legacy
transaction fits four signatures in the 1232-byte packet (1,118 bytes; five take 1,249). A larger fulfilment goes
as a v0 transaction whose address lookup table (the transmitter's, chains/solana/lookup_table.py) holds the
enclaves and payees, one byte each: eight signatures, the most the program takes, fit (1,182 bytes).
"""

from __future__ import annotations

from functools import lru_cache

from solders.address_lookup_table_account import AddressLookupTableAccount
from solders.compute_budget import set_compute_unit_limit, set_compute_unit_price
from solders.hash import Hash
from solders.keypair import Keypair
from solders.message import Message, MessageV0
from solders.pubkey import Pubkey
from solders.transaction import Transaction, VersionedTransaction

from chains.base import SignedAssessment, SignerStatus
from chains.core.assessment import AssessmentFacts
from chains.core.errors import CosignerRefused
from chains.core.secp256k1 import parse_address, to_checksum_address
from chains.solana import payload
from chains.solana import program as prog

PACKET_SIZE = 1232
"""The most bytes a serialized transaction may have."""
REFUSALS = {SignerStatus.UNREGISTERED: "UnknownSigner", SignerStatus.REVOKED: "EnclaveRevoked",
            SignerStatus.OTHER_MEASUREMENT: "MeasurementMismatch"}
"""The program's error for a signer its Enclave account does not count (an unregistered one's is the recovered
key's: no enclave holds it)."""


def transaction_size(signatures: int) -> int:
    """The serialized size of the largest fulfilment transaction the adapter builds with `signatures` signatures:
    every signer with its own payee, no key shared with another account; a legacy transaction while one fits the
    packet, else a v0 one looking the signers' accounts up in a table. Every argument and the compute-budget
    instructions' values are fixed-width, so their values do not change the size."""
    transmitter = Keypair.from_seed(bytes(32))
    facts = AssessmentFacts(score=0, tier=0, pd_bps=0, flags=0, measurement=bytes(32), commitment=bytes(32),
                            block_number=0, block_hash=bytes(32), features_hash=bytes(32), timestamp=0, expiry=0)
    parts = [prog.QuorumSignature(i.to_bytes(20, "big"), Pubkey.new_unique(), bytes(65)) for i in range(signatures)]
    fulfil = prog.fulfil_quorum_ix(Pubkey.new_unique(), Pubkey.new_unique(), Pubkey.new_unique(), Pubkey.new_unique(),
                                   Pubkey.new_unique(), transmitter.pubkey(), facts, parts)
    instructions = [set_compute_unit_limit(0), set_compute_unit_price(0), fulfil]
    message = Message.new_with_blockhash(instructions, transmitter.pubkey(), Hash.default())
    legacy = len(bytes(Transaction([transmitter], message, Hash.default())))
    if legacy <= PACKET_SIZE:
        return legacy
    table = AddressLookupTableAccount(Pubkey.new_unique(), prog.signer_accounts(fulfil))
    v0 = MessageV0.try_compile(transmitter.pubkey(), instructions, [table], Hash.default())
    return len(bytes(VersionedTransaction(v0, [transmitter])))


@lru_cache(maxsize=1)
def max_signatures() -> int:
    """The most signatures one fulfilment carries: at most the program's MAX_QUORUM_SIGNERS, and no more than the
    largest transaction (`transaction_size`) still fits in a packet."""
    most = 1
    while most < prog.MAX_QUORUM_SIGNERS and transaction_size(most + 1) <= PACKET_SIZE:
        most += 1
    return most


def too_many(count: int) -> str:
    """The ValueError message for an assessment carrying `count` signatures, over `max_signatures()`."""
    return f"{count} signatures on one assessment; a Solana fulfilment carries at most {max_signatures()}"


def refusal(chain: str, cosigner: SignedAssessment, status: SignerStatus) -> CosignerRefused | None:
    """Why the program would not count `cosigner`'s signature: its enclave is not active with the signed
    measurement (`status`, from its Enclave account), or its signature does not recover its signer's key (over
    another payload, or not its signer's); None when it counts. The error's message is the program's error with
    the cosigner's checksummed address, `<chain>: fulfilment would fail: EnclaveRevoked(0x...)`."""
    signer = to_checksum_address(parse_address(cosigner.signer))
    name = REFUSALS.get(status)
    if name is None and not _recovers(cosigner):
        name = "UnknownSigner"
    if name is None:
        return None
    return CosignerRefused(signer, f"{chain}: fulfilment would fail: {name}({signer})")


def _recovers(a: SignedAssessment) -> bool:
    """Whether `a`'s signature over its digest is its signer's, as `sol_secp256k1_recover` checks it."""
    try:
        recovered = payload.recover_public_key(a.digest, a.signature)
    except ValueError:
        return False
    return payload.address_of(recovered) == parse_address(a.signer)


def quorum_signature(a: SignedAssessment, payee: Pubkey) -> prog.QuorumSignature:
    """`a`'s part of a `fulfil_quorum`: its signer's address, the payee its Enclave account names, its signature."""
    return prog.QuorumSignature(parse_address(a.signer), payee, a.signature)
