"""`aura request` on a Solana cluster: what a consuming protocol does. One `request_assessment` instruction on
the `aura_oracle` program for the oracle's next nonce (the program takes the fee from the requester), or
`request_private_assessment` for a private assessment, signed with the requester's keypair; then, if asked, the
wait for the subject's Score account to name that request.

The requester's keypair (a Solana CLI keypair file) is the file `--requester-key` names, else the one
AURA_SOLANA_REQUESTER_KEYPAIR names, else `keys/solana-requester.json` next to the config (where a workshop
devnet writes one).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from solders.keypair import Keypair

from chains.core.errors import AuraError, ChainError, InvalidParams, RetryLater
from chains.requester import requester_key_path
from chains.solana.config import SolanaChain
from chains.solana.keypair import load_keypair

REQUESTER_KEYPAIR_ENV = "AURA_SOLANA_REQUESTER_KEYPAIR"
REQUESTER_KEYPAIR_FILE = Path("keys/solana-requester.json")


def requester_keypair(requester_key: Path | None, config_dir: Path) -> Keypair:
    """The requester's keypair, from the first of: `requester_key`, AURA_SOLANA_REQUESTER_KEYPAIR, the keypair
    file next to the config.

    Raises:
        ConfigError: none of them names a file, or the file is not an owner-only Solana CLI keypair.
    """
    return load_keypair(requester_key_path(requester_key, REQUESTER_KEYPAIR_ENV, REQUESTER_KEYPAIR_FILE, config_dir,
                                           "the requesting account's keypair file"))


async def request_assessment(cfg: SolanaChain, *, subject: str, params: bytes, requester_key: Path | None,
                             config_dir: Path, wait: bool, timeout: float, private: bool = False) -> dict[str, Any]:
    """Send one request (a private one when `private`: the Score then holds the commitment to the score, score 0,
    PD 0 and tier PRIVATE_TIER, and a protocol learns the score only from the subject's threshold proof;
    docs/protocol.md, "Private assessments"); with `wait`, poll for its score for up to `timeout` seconds.

    Returns:
        `request_id` (the request account), `subject`, `tx`, `block` (slot), `fee` (lamports); with `wait`,
        `status` ("fulfilled" or "not fulfilled yet") and, once fulfilled, `score`, `tier`, `pd_bps`, `flags`
        and `score_account`.

    Raises:
        ConfigError: no usable keypair. InvalidParams: `subject` is not a public key.
        ChainError: the RPC is unreachable, there is no such program or oracle, or the request fails.
    """
    from solana.rpc.core import RPCException  # noqa: PLC0415 - solana-py only when a consumer asks
    from solana.rpc.types import TxOpts  # noqa: PLC0415
    from solders.message import Message  # noqa: PLC0415
    from solders.pubkey import Pubkey  # noqa: PLC0415
    from solders.transaction import Transaction  # noqa: PLC0415
    from solders.transaction_status import TransactionConfirmationStatus as Level  # noqa: PLC0415

    from chains.solana import program as prog  # noqa: PLC0415
    from chains.solana.adapter import SolanaAdapter, explain, wait_for  # noqa: PLC0415

    payer = requester_keypair(requester_key, config_dir)
    try:
        subject_key = Pubkey.from_string(subject)
    except ValueError:
        raise InvalidParams(f"subject {subject!r} is not a base58 Solana public key") from None
    adapter = SolanaAdapter(cfg, payer)
    await adapter.connect()
    client, program, oracle = adapter.client, adapter.program, adapter.oracle
    confirmed = (Level.Confirmed, Level.Finalized)

    async def score(at: Pubkey) -> Any:
        account = (await client.get_account_info(at)).value
        return None if account is None else prog.decode_account("Score", bytes(account.data))

    try:
        oracle_account = (await client.get_account_info(oracle)).value
        if oracle_account is None:
            raise ChainError(f"{cfg.name}: no oracle account {oracle}")
        state = prog.decode_account("Oracle", bytes(oracle_account.data))
        counter = (await client.get_account_info(prog.counter_pda(program, oracle, payer.pubkey())[0])).value
        ix, request_key = prog.next_request_ix(program, oracle, payer.pubkey(), subject_key, counter, params,
                                               private=private)
        blockhash = (await client.get_latest_blockhash()).value.blockhash
        message = Message.new_with_blockhash([ix], payer.pubkey(), blockhash)
        sig = (await client.send_raw_transaction(bytes(Transaction([payer], message, blockhash)),
                                                 opts=TxOpts(skip_preflight=True))).value
        landed = (await wait_for(lambda: client.get_signature_statuses([sig], search_transaction_history=True),
                                 lambda r: r.value[0] is not None and r.value[0].confirmation_status in confirmed,
                                 timeout)).value[0]
        if landed is None or landed.confirmation_status not in confirmed:
            raise RetryLater(f"{cfg.name}: request transaction {sig} not confirmed within {timeout:.0f} s")
        if landed.err is not None:
            raise ChainError(f"{cfg.name}: request transaction {sig} failed: {explain(landed.err)}")
        request = str(request_key)
        out: dict[str, Any] = {"request_id": request, "subject": str(subject_key), "tx": str(sig),
                               "block": landed.slot, "fee": int(state.fee_lamports)}
        if not wait:
            return out
        score_at = prog.score_pda(program, oracle, subject_key)[0]

        def answers(stored: Any) -> bool:
            return stored is not None and str(prog.pubkey(stored.request)) == request

        stored = await wait_for(lambda: score(score_at), answers, timeout)
        out["status"] = "not fulfilled yet"
        if answers(stored):
            out.update(status="fulfilled", score=stored.score, tier=stored.tier, pd_bps=stored.pd_bps,
                       flags=stored.flags, score_account=str(score_at))
        return out
    except AuraError:
        raise
    except RPCException as e:
        raise ChainError(f"{cfg.name}: the RPC refused the request: {e}") from None
    finally:
        await adapter.close()
