"""`aura prove` (docs/operations.md): a threshold proof of a stored assessment's score, for its subject only.

`--print-message` prints the text the subject signs (node/enclave/open.py), with a fresh nonce and an expiry
MESSAGE_TTL_S ahead; with the text and its signature, the enclave opens the commitment (its `open`), and snarkjs
proves `score >= threshold` against it. The host reads the score and commitment from its store; the enclave
refuses them unless they are the ones it committed to.
"""

from __future__ import annotations

import os
import secrets
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from chains.core.errors import AuraError, InvalidParams
from chains.registry import FAMILIES
from node.enclave.open import MESSAGE_TITLE, message_text
from node.enclave.params import parse_request
from node.zk import snarkjs
from node.zk.threshold_proof import circuit_inputs, prove

MESSAGE_TTL_S = 300
PER_REQUEST_FIELDS = ("family", "chain_id", "contract", "request_id", "requester", "subject")


def stored_request(row: dict[str, Any]) -> dict[str, Any]:
    """The `request` object of the assessment's `assess` call, from the store's request row: its base fields,
    and the family's own target key (a Solana program, a Sui package) from the row's `program`."""
    base = {**{k: row[k] for k in PER_REQUEST_FIELDS}, "fee": str(row["fee"]), "expires_at": row["expires_at"],
            "block_number": row["block_number"]}
    return {**base, **{k: row["program"] for k in FAMILIES[row["family"]].codec.target_keys if k not in base}}


def fresh_message(request: dict[str, Any], now: int, nonce: str | None = None,
                  sign_in_domain: str | None = None) -> str:
    """The text to sign for this request, with a random nonce (unless given) and an expiry MESSAGE_TTL_S on: in
    the chain's sign-in standard for the site `sign_in_domain` when given (`Family.sign_in`), else Aura's text.

    Raises:
        InvalidParams: a sign-in was asked for a family without one.
    """
    family, bound = parse_request(request)
    nonce = nonce or secrets.token_hex(16)
    if sign_in_domain is None:
        return message_text(family, bound, nonce, now + MESSAGE_TTL_S)
    load = FAMILIES[family].sign_in
    if load is None:
        raise InvalidParams(f"--sign-in: the {family} family has no sign-in standard; sign Aura's text instead")
    return load().sign_in_text(bound, MESSAGE_TITLE, domain=sign_in_domain, uri=f"https://{sign_in_domain}",
                               nonce=nonce, issued_at=_rfc3339(now), expiration_time=_rfc3339(now + MESSAGE_TTL_S))


def _rfc3339(unix: int) -> str:
    return datetime.fromtimestamp(unix, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def read_message(path: Path) -> str:
    """The signed text from a file, without the one newline `--print-message` (or an editor) ends it with."""
    try:
        text = path.read_text()
    except OSError as exc:
        raise AuraError(f"cannot read the message file {path}: {exc.strerror}") from None
    return text.removesuffix("\n")


def open_params(request: dict[str, Any], assessment: dict[str, Any], message: str, signature: str) -> dict[str, Any]:
    """The enclave's `open` params: the request, the stored score and commitment, the text and its signature."""
    return {"request": request, "score": assessment["score"], "commitment": assessment["commitment"],
            "message": message, "signature": signature}


def proof_of_opening(build: snarkjs.ZkBuild, request: dict[str, Any], opening: dict[str, Any], threshold: int,
                     scope: int) -> dict[str, Any]:
    """The proof for the enclave's opening, with the opened commitment, threshold, scope and nullifier.

    Raises:
        AuraError: the score is below the threshold (no proof exists), or snarkjs failed.
    """
    family, bound = parse_request(request)
    try:
        inputs = circuit_inputs(opening["score"], int(opening["blinding"], 16), int(opening["commitment"], 16),
                                bound.subject, threshold, scope)
    except ValueError as exc:
        raise AuraError(str(exc)) from None
    if opening["score"] < threshold:
        raise AuraError(f"the score is below the threshold {threshold}: no proof exists")
    try:
        out = prove(build, family, inputs)
    except snarkjs.ZkError as exc:
        raise AuraError(f"snarkjs: {exc}") from None
    return {"request_id": request["request_id"], "subject": request["subject"], "threshold": threshold,
            "scope": str(scope), "nullifier": str(inputs["nullifier"]), "commitment": opening["commitment"], **out}


async def open_with_enclave(cfg: Any, params: dict[str, Any]) -> dict[str, Any]:
    """The enclave's opening: through the configured socket when an enclave serves it, else a process started for
    this call (as `aura attest` does)."""
    from node.enclave.client import EnclaveClient, EnclaveProcess  # noqa: PLC0415

    enc = cfg.enclave
    proc = None
    if enc.socket is None or not Path(enc.socket).exists():
        proc = EnclaveProcess(data_dir=enc.data_dir, passphrase_file=enc.passphrase_file,
                              scoring_config=enc.scoring_config,
                              socket_path=cfg.node.data_dir / f"prove-{os.getpid()}.sock")
        await proc.start(timeout=enc.start_timeout_s)
        sock = proc.socket_path
    else:
        sock = enc.socket
    client = EnclaveClient(sock)
    try:
        await client.connect()
        return await client.open_commitment(params)
    finally:
        await client.close()
        if proc is not None:
            await proc.stop()

