"""The Solana half of `aura demo`: wallets with different histories on the local endpoint, assessment
requests sent as a consumer would, and each stored Score account read back with anchorpy and checked
against the enclave-signed payload."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

from anchorpy import Program, Provider, Wallet
from coincurve import PublicKey
from solana.rpc.api import Client
from solana.rpc.async_api import AsyncClient
from solana.rpc.commitment import Commitment
from solders.account import Account
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.system_program import TransferParams, transfer

from chains.core.errors import AuraError
from chains.core.secp256k1 import address_from_public_key, keccak256
from chains.solana import payload as solana_payload
from chains.solana import program as prog
from node.workshop.devnet.quorum import Operator, QuorumDevnet
from node.workshop.devnet.signatures import check_signers, solana_registered, solana_signers
from node.workshop.devnet.solana_setup import CLUSTER_ID, SolanaDevnet, airdrop, new_fulfilments, send
from node.workshop.devnet.stored import stored_assessment

TIERS = ("Basic", "Standard", "Premium")
CHAIN = "solana-local"


@dataclass(frozen=True)
class SolanaPersona:
    label: str
    transfers: int  # transactions the wallet sends before it asks
    lamports: int


PERSONAS = (
    SolanaPersona("active trader", 24, 40 * 10**9),
    SolanaPersona("light user", 4, 2 * 10**9),
    SolanaPersona("fresh wallet", 0, 0),
)


def build_wallets(client: Client) -> list[tuple[SolanaPersona, Keypair]]:
    """Fund each persona and have it send its transfers, so the endpoint's history holds them."""
    out = []
    for p in PERSONAS:
        kp = Keypair()
        if p.lamports:
            airdrop(client, kp.pubkey(), p.lamports + 10**9)
        sink = Keypair().pubkey()
        for k in range(p.transfers):
            send(client, [kp], [transfer(TransferParams(from_pubkey=kp.pubkey(), to_pubkey=sink,
                                                        lamports=1_000_000 + k))])
        out.append((p, kp))
    return out


def send_requests(client: Client, dev: SolanaDevnet,
                  wallets: list[tuple[SolanaPersona, Keypair]]) -> list[dict[str, Any]]:
    """One `request_assessment` per wallet: the wallet asks for itself (the fresh one through the requester)."""
    program, oracle = Pubkey.from_string(dev.program), Pubkey.from_string(dev.oracle)
    rows = []
    for p, kp in wallets:
        payer = kp if p.lamports else dev.keypair("requester")
        counter = client.get_account_info(prog.counter_pda(program, oracle, payer.pubkey())[0]).value
        ix, request_key = prog.next_request_ix(program, oracle, payer.pubkey(), kp.pubkey(), counter)
        started = time.time()
        sig = send(client, [payer], [ix])
        request = str(request_key)
        status = client.get_signature_statuses([sig], search_transaction_history=True).value[0]
        if status is None:
            raise AuraError(f"request transaction {sig} is not known to the endpoint")
        slot = status.slot
        rows.append({"label": p.label, "subject": str(kp.pubkey()), "via": "self" if p.lamports else "requester",
                     "request": request, "request_tx": str(sig), "request_slot": slot, "sent_at": started,
                     "status": "pending"})
    return rows


def wait_fulfilled(client: Client, transmitters: list[str], rows: list[dict[str, Any]], timeout: float,
                   node: Any) -> None:
    """Until every request's account is closed by a fulfilment, read from the operators' transmitters'
    transactions (a quorum fulfilment is in each signer's payee's history too: counted once); AuraError when a
    request is fulfilled twice."""
    by_id = {r["request"]: r for r in rows}
    deadline = time.monotonic() + timeout
    known: set[str] = set()
    while time.monotonic() < deadline:
        for transmitter in transmitters:
            for f in new_fulfilments(client, Pubkey.from_string(transmitter), known, limit=100):
                row = by_id.get(f.request)
                if row is not None and row["status"] == "fulfilled":
                    raise AuraError(f"{row['label']}: Solana request {f.request} fulfilled twice "
                                    f"({row['fulfil_tx']} and {f.signature})")
                if row is not None:
                    row.update(status="fulfilled", fulfil_tx=f.signature, fulfil_slot=f.slot,
                               latency_slots=f.slot - row["request_slot"],
                               latency_ms=round((time.time() - row["sent_at"]) * 1000))
        if all(r["status"] == "fulfilled" for r in rows):
            return
        node.check_alive()
        time.sleep(0.1)
    missing = [r["label"] for r in rows if r["status"] != "fulfilled"]
    raise AuraError(f"Solana requests not fulfilled within {timeout:.0f} s: {', '.join(missing)}; "
                    f"node log:\n{node.tail()}")


def add_signers(client: Client, quorum: QuorumDevnet, rows: list[dict[str, Any]]) -> None:
    """Each fulfilment's signatures read back from its instruction data, recovered over the payload rebuilt from
    it, and checked against the Score account's signers; AuraError unless they are at least k of distinct
    active registered enclaves."""
    registered = solana_registered(client, quorum.devnet.solana["oracle"])
    for r in rows:
        what = f"{r['label']} ({r['request']})"
        signed = solana_signers(client, CLUSTER_ID, r["fulfil_tx"], r["request"], r["subject"])
        check_signers(what, signed, quorum.threshold, registered)
        stored = sorted(r["stored"]["signers"])
        if sorted(s.signer.lower() for s in signed) != stored:
            raise AuraError(f"{what}: the Score account keeps signers {stored}, the fulfilment carries "
                            f"{[s.signer for s in signed]}")
        r["signatures"] = [s.as_json() for s in signed]


def _data(account: Account | None) -> bytes:
    if account is None:
        raise AuraError("the oracle account is not on the endpoint")
    return bytes(account.data)


async def _read_scores(dev: SolanaDevnet, rows: list[dict[str, Any]]) -> None:
    program_id, oracle = Pubkey.from_string(dev.program), Pubkey.from_string(dev.oracle)
    async with AsyncClient(dev.rpc_url, commitment=Commitment("confirmed")) as conn:
        program = Program(prog.idl(), program_id, Provider(conn, Wallet(Keypair())))
        for r in rows:
            address, _ = prog.score_pda(program_id, oracle, Pubkey.from_string(r["subject"]))
            acct = await program.account["Score"].fetch(address)
            raw = await conn.get_account_info(address)
            assert raw.value is not None
            r["score_account"] = str(address)
            r["stored"] = {"score": acct.score, "tier": acct.tier, "pd_bps": acct.pd_bps, "flags": acct.flags,
                           "measurement": "0x" + bytes(acct.measurement).hex(),
                           "commitment": "0x" + bytes(acct.commitment).hex(), "signer": "0x" + bytes(acct.signer).hex(),
                           "request": str(prog.pubkey(acct.request)), "slot": acct.slot,
                           "slot_hash": "0x" + bytes(acct.slot_hash).hex(),
                           "features_hash": "0x" + bytes(acct.features_hash).hex(), "assessed_at": acct.assessed_at,
                           "expiry": acct.expiry, "version": acct.version,
                           "signers": ["0x" + a.hex() for a in prog.score_signers(bytes(raw.value.data)).signers]}


def read_scores(dev: SolanaDevnet, rows: list[dict[str, Any]]) -> None:
    """Each subject's Score account, fetched and decoded by anchorpy from the IDL."""
    asyncio.run(_read_scores(dev, rows))


def add_signed(operators: list[Operator], dev: SolanaDevnet, rows: list[dict[str, Any]]) -> None:
    """The payload and signature the enclave made for each request, from the store of an operator that scored
    it; the signature is recovered over keccak-256 of the payload, and the payload (docs/solana.md) checked
    against the cluster, the accounts and the stored Score account."""
    for r in rows:
        found = stored_assessment(operators, f"{CHAIN}:{r['request']}", f"Solana request {r['request']}")
        signed = found.signed
        payload = bytes.fromhex(signed["payload"].removeprefix("0x"))
        signature = bytes.fromhex(signed["signature"].removeprefix("0x"))
        recovered = PublicKey.from_signature_and_message(signature, keccak256(payload), hasher=None)
        stored = r["stored"]
        r.update(payload=signed["payload"], digest=signed["digest"], signature=signed["signature"],
                 stored_by=found.operator, score=stored["score"], tier=stored["tier"],
                 tier_name=TIERS[stored["tier"]], pd_bps=stored["pd_bps"], flags=stored["flags"],
                 flag_names=signed.get("flag_names"), rules=signed.get("rules"), reasons=signed.get("reasons"),
                 dimensions=signed.get("dimensions"))
        a = solana_payload.parse_payload(payload)
        r["signature_verified"] = (
            address_from_public_key(recovered.format()) == found.signer
            and a.cluster_id == CLUSTER_ID
            and a.program == bytes(Pubkey.from_string(dev.program))
            and a.oracle == bytes(Pubkey.from_string(dev.oracle))
            and a.request == bytes(Pubkey.from_string(r["request"]))
            and a.subject == bytes(Pubkey.from_string(r["subject"]))
            and a.facts.score == stored["score"]
            and (a.facts.block_number, "0x" + a.facts.block_hash.hex()) == (stored["slot"], stored["slot_hash"])
            and "0x" + a.facts.features_hash.hex() == stored["features_hash"]
            and (stored["signer"] == found.signer.lower() or len(stored["signers"]) > 1))  # a quorum's: add_signers
