"""`aura request` on an EVM chain: what a consuming protocol does. `requestAssessment(subject, params)` on the
AuraOracle (`requestPrivateAssessment` for a private assessment: the chain then keeps the commitment to the score,
never the score; docs/protocol.md, "Private assessments"), paying its current fee, signed locally with the
requester's key; then, if asked, the wait for the `AssessmentFulfilled` log of that request.

The requester's key is a hex private key: in the file `--requester-key` names, else in AURA_REQUESTER_KEY,
else in `keys/evm-requester.key` next to the config (where a workshop devnet writes one).
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

from eth_account import Account
from eth_account.signers.local import LocalAccount

from chains.core.errors import AuraError, ChainError, ConfigError, InvalidParams, RetryLater
from chains.evm.config import EvmChain
from chains.evm.facts import unpack_facts
from chains.evm.keystore import read_secret_file

REQUESTER_KEY_ENV = "AURA_REQUESTER_KEY"
REQUESTER_KEY_FILE = Path("keys/evm-requester.key")
POLL_S = 0.2
CALLBACK_OUTCOMES = ("none", "succeeded", "reverted")
"""`AssessmentFulfilled.callback` (the oracle's `CallbackOutcome`), by its value."""


def requester_account(requester_key: Path | None, config_dir: Path) -> LocalAccount:
    """The requesting account, from the first of: the file `requester_key`, AURA_REQUESTER_KEY, the key file
    next to the config.

    Raises:
        ConfigError: none of them is there, or the key is not a 32-byte hex private key.
    """
    key = os.environ.get(REQUESTER_KEY_ENV, "") if requester_key is None else ""
    source = f"${REQUESTER_KEY_ENV}"
    if not key:
        path = requester_key or config_dir / REQUESTER_KEY_FILE
        if requester_key is None and not path.exists():
            raise ConfigError(f"set {REQUESTER_KEY_ENV} to the requesting account's private key, or pass "
                              "--requester-key FILE")
        key, source = read_secret_file(path).strip(), str(path)
    try:
        return Account.from_key(key)
    except ValueError:
        raise ConfigError(f"the requester key in {source} is not a hex secp256k1 private key") from None


async def request_assessment(cfg: EvmChain, *, subject: str, params: bytes, requester_key: Path | None,
                             config_dir: Path, wait: bool, timeout: float, private: bool = False) -> dict[str, Any]:
    """Send one request (for a private assessment when `private`); with `wait`, poll for its fulfilment for up to
    `timeout` seconds.

    Returns:
        `request_id`, `subject`, `private`, `tx`, `block`, `fee` (wei); with `wait`, `status` ("fulfilled" or "not
        fulfilled yet") and, once fulfilled, `score`, `tier`, `pd_bps`, `flags`, `timestamp`, `expiry`, `signer`,
        `signer_count`, `callback` (none, succeeded or reverted) and `fulfil_tx`: all from its one log (a private
        assessment's score 0, tier PRIVATE_TIER and PD 0, as the chain holds them).

    Raises:
        ConfigError: no usable requester key. InvalidParams: `subject` is not an address.
        ChainError: the RPC is unreachable, the chain is not the configured one, or the request reverts.
    """
    from aiohttp import ClientError  # noqa: PLC0415 - web3 and its transport only when a consumer asks
    from web3 import Web3  # noqa: PLC0415
    from web3.exceptions import ContractLogicError, TimeExhausted, Web3RPCError  # noqa: PLC0415
    from web3.logs import DISCARD  # noqa: PLC0415

    from chains.evm.adapter import EvmAdapter  # noqa: PLC0415

    account = requester_account(requester_key, config_dir)
    if not Web3.is_address(subject):
        raise InvalidParams(f"subject {subject!r} is not an EVM address")
    subject = Web3.to_checksum_address(subject)
    adapter = EvmAdapter(cfg.model_copy(update={"ws_url": None}), account)
    await adapter.connect()
    try:
        w3, oracle = adapter.w3, adapter.contract
        fee = await oracle.functions.fee().call()
        call = oracle.functions.requestPrivateAssessment if private else oracle.functions.requestAssessment
        tx = await call(subject, params).build_transaction({
            "from": account.address, "value": fee,
            "nonce": await w3.eth.get_transaction_count(account.address, "pending")})
        signed = account.sign_transaction(tx)  # type: ignore[arg-type]
        tx_hash = await w3.eth.send_raw_transaction(signed.raw_transaction)
        receipt = await w3.eth.wait_for_transaction_receipt(tx_hash, timeout=timeout, poll_latency=POLL_S)
        if receipt["status"] != 1:
            raise ChainError(f"{cfg.name}: request transaction 0x{bytes(tx_hash).hex()} reverted")
        event = oracle.events.AssessmentRequested().process_receipt(receipt, errors=DISCARD)[0]
        request_id = bytes(event["args"]["requestId"])
        out: dict[str, Any] = {"request_id": "0x" + request_id.hex(), "subject": subject,
                               "private": bool(event["args"]["isPrivate"]), "tx": "0x" + bytes(tx_hash).hex(),
                               "block": receipt["blockNumber"], "fee": fee}
        if not wait:
            return out
        out["status"] = "not fulfilled yet"
        deadline = asyncio.get_running_loop().time() + timeout
        while asyncio.get_running_loop().time() < deadline:
            logs = await oracle.events.AssessmentFulfilled().get_logs(
                from_block=receipt["blockNumber"], argument_filters={"requestId": request_id})
            if logs:
                a = logs[0]["args"]
                facts = unpack_facts(a["facts"])
                out.update(status="fulfilled", score=facts.score, tier=facts.tier, pd_bps=facts.pd_bps,
                           flags=facts.flags, timestamp=facts.timestamp, expiry=facts.expiry, signer=a["signer"],
                           signer_count=a["signerCount"], callback=CALLBACK_OUTCOMES[a["callback"]],
                           fulfil_tx="0x" + bytes(logs[0]["transactionHash"]).hex())
                break
            await asyncio.sleep(POLL_S)
        return out
    except AuraError:
        raise
    except (ContractLogicError, Web3RPCError) as e:
        name = "requestPrivateAssessment" if private else "requestAssessment"
        raise ChainError(f"{cfg.name}: {name} failed: {adapter.explain(e)}") from None
    except TimeExhausted:
        raise RetryLater(f"{cfg.name}: the request was not mined within {timeout:.0f} s") from None
    except (ClientError, OSError, TimeoutError) as e:
        raise RetryLater(f"{cfg.name}: RPC failed: {type(e).__name__}: {e}") from None
    finally:
        await adapter.close()
