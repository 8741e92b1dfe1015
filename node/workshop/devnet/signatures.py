"""Who signed a fulfilment, read back from the chain: the signatures a fulfilment transaction carries, each
recovered over what the contract checks it against (the demo's and the quorum tests' evidence that k distinct
enclaves signed).

EVM: the transaction's calldata decoded (chains/evm/calldata.py), each signature recovered over the assessment's
EIP-712 digest as the oracle computes it (`assessmentDigest`). Solana: the `fulfil` or `fulfil_quorum`
instruction's args, each signature recovered over keccak-256 of the payload rebuilt from those args and the
instruction's accounts (docs/solana.md).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from solana.rpc.api import Client
from solders.pubkey import Pubkey
from solders.signature import Signature
from web3 import Web3

from chains.base import AssessmentFacts
from chains.core.errors import AuraError
from chains.core.secp256k1 import recover_address, to_checksum_address
from chains.evm.artifacts import contract
from chains.evm.calldata import decode
from chains.evm.signature import expand
from chains.solana import payload as solana_payload
from chains.solana import program as prog


@dataclass(frozen=True)
class Signed:
    """One signature a fulfilment carries and the signer it recovers to (checksummed)."""

    signer: str
    signature: str

    def as_json(self) -> dict[str, str]:
        return {"signer": self.signer, "signature": self.signature}


def evm_signers(w3: Web3, oracle: str, tx_hash: str, request_id: str) -> list[Signed]:
    """The signatures of `request_id`'s item in the fulfilment transaction `tx_hash`, in calldata order.

    Raises:
        AuraError: the transaction is no fulfilment call, or fulfils no such request.
    """
    tx = w3.eth.get_transaction(tx_hash)  # type: ignore[arg-type]
    items = decode(bytes(tx["input"]))
    if items is None:
        raise AuraError(f"transaction {tx_hash} is not a fulfilment call")
    oracle_c = contract(w3, "AuraOracle", oracle)
    for req, assessment, signatures in items:
        if "0x" + bytes(req[0]).hex() == request_id.lower():
            request = (req[0], Web3.to_checksum_address(req[1]), Web3.to_checksum_address(req[2]), *req[3:])
            digest = bytes(oracle_c.functions.assessmentDigest(request, assessment).call())
            out = []
            for r, y_parity_and_s in signatures:
                full = expand(bytes(r), bytes(y_parity_and_s))
                out.append(Signed(recover_address(digest, full), "0x" + full.hex()))
            return out
    raise AuraError(f"transaction {tx_hash} does not fulfil {request_id}")


def solana_signers(client: Client, cluster_id: int, tx_signature: str, request: str,
                   subject: str) -> list[Signed]:
    """The signatures of the `fulfil` or `fulfil_quorum` of `request` (whose subject is `subject`) in the
    transaction `tx_signature`, in instruction order; each is the 65-byte `r || s || recovery id`.

    Raises:
        AuraError: the transaction carries no top-level fulfilment of `request`.
    """
    tx = client.get_transaction(Signature.from_string(tx_signature), encoding="base64",
                                max_supported_transaction_version=0).value
    if tx is None:
        raise AuraError(f"Solana transaction {tx_signature} is not known to the endpoint")
    message: Any = tx.transaction.transaction.message  # type: ignore[union-attr]  # base64: a VersionedTransaction
    keys = list(message.account_keys)
    program = prog.idl_address()
    sighashes = prog.coder().instruction.sighashes
    for ix in message.instructions:
        data, accounts = bytes(ix.data), bytes(ix.accounts)
        if keys[ix.program_id_index] != program or len(accounts) < 2 or str(keys[accounts[1]]) != request:
            continue
        if data[:8] not in (sighashes["fulfil"], sighashes["fulfil_quorum"]):
            continue
        args = prog.coder().instruction.parse(data).data
        signatures = [args.signature] if data[:8] == sighashes["fulfil"] else list(args.signatures)
        digest = solana_payload.digest(_payload(args, cluster_id, program, keys[accounts[0]], request, subject))
        out = []
        for sig in signatures:
            raw = bytes(sig)
            address = solana_payload.address_of(solana_payload.recover_public_key(digest, raw))
            out.append(Signed(to_checksum_address(address), "0x" + raw.hex()))
        return out
    raise AuraError(f"Solana transaction {tx_signature} carries no fulfilment of {request}")


def _payload(args: Any, cluster_id: int, program: Pubkey, oracle: Pubkey, request: str, subject: str) -> bytes:
    """The 320-byte payload the fulfilment's signatures cover, rebuilt from its args and accounts."""
    facts = AssessmentFacts(score=args.score, tier=args.tier, pd_bps=args.pd_bps, flags=args.flags,
                            measurement=bytes(args.measurement), commitment=bytes(args.commitment),
                            block_number=args.slot, block_hash=bytes(args.slot_hash),
                            features_hash=bytes(args.features_hash), timestamp=args.timestamp, expiry=args.expiry)
    return solana_payload.Assessment(cluster_id=cluster_id, program=bytes(program), oracle=bytes(oracle),
                                     request=bytes(Pubkey.from_string(request)),
                                     subject=bytes(Pubkey.from_string(subject)), facts=facts).payload()


def check_signers(what: str, signed: list[Signed], threshold: int, registered: Callable[[str], bool]) -> None:
    """That `signed` holds at least `threshold` signatures of distinct signers, each registered and active.

    Raises:
        AuraError: naming `what` (the fulfilment) and the first thing wrong.
    """
    seen: set[str] = set()
    for s in signed:
        if s.signer in seen:
            raise AuraError(f"{what}: {s.signer} signed twice")
        if not registered(s.signer):
            raise AuraError(f"{what}: signed by {s.signer}, not an active registered signer")
        seen.add(s.signer)
    if len(seen) < threshold:
        raise AuraError(f"{what}: {len(seen)} signature(s), the threshold is {threshold}")


def evm_registered(w3: Web3, oracle: str) -> Callable[[str], bool]:
    """Whether a signer is registered and active on the EVM oracle (`signers(address).active`)."""
    oracle_c = contract(w3, "AuraOracle", oracle)
    return lambda signer: bool(oracle_c.functions.signers(signer).call()[1])


def solana_registered(client: Client, oracle: str) -> Callable[[str], bool]:
    """Whether a signer's enclave account exists on the Solana oracle and is active."""
    program, oracle_key = prog.idl_address(), Pubkey.from_string(oracle)

    def registered(signer: str) -> bool:
        address = prog.enclave_pda(program, oracle_key, bytes.fromhex(signer.removeprefix("0x")))[0]
        account = client.get_account_info(address).value
        return account is not None and account.owner == program and \
            bool(prog.decode_account("Enclave", bytes(account.data)).active)

    return registered
