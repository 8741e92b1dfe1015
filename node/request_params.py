"""The `params` bytes of an assessment request: what a consumer may ask for beyond the subject.

Empty params: a plain assessment. Otherwise exactly `abi.encode(uint8 version, bytes32 questionnaireHash,
uint256 loanAmount, uint32 loanDurationDays)` with version 1 (128 bytes):
- questionnaireHash: keccak-256 of the borrower's questionnaire in canonical JSON (node/scoring/
  questionnaire.py), submitted off-chain to the node (`POST /questionnaires`); zero for none;
- loanAmount, loanDurationDays: the loan asked for, for suggested terms; both zero for none.
Anything else is malformed and the request fails with that reason (it is never scored half-read).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eth_abi import decode as abi_decode
from eth_abi import encode as abi_encode

from chains.core.errors import AuraError

PARAMS_TYPES = ["uint8", "bytes32", "uint256", "uint32"]
PARAMS_LEN = 128
MAX_LOAN_DAYS = 3650


class MalformedParams(AuraError, ValueError):
    """Request params that are not the documented encoding."""


@dataclass(frozen=True)
class RequestExtras:
    questionnaire_hash: str | None  # 0x-hex, lower case
    loan_amount: int | None
    loan_duration_days: int | None


NONE = RequestExtras(None, None, None)


def encode_params(questionnaire_hash: bytes | None = None, loan_amount: int = 0, duration_days: int = 0) -> bytes:
    return abi_encode(PARAMS_TYPES, [1, questionnaire_hash or b"\0" * 32, loan_amount, duration_days])


def loan_param(extras: RequestExtras) -> dict[str, Any] | None:
    """The enclave's `loan` param for the request's loan, None when it asks for none."""
    if extras.loan_amount is None:
        return None
    return {"amount": str(extras.loan_amount), "duration_days": extras.loan_duration_days}


def decode_params(params_hex: str) -> RequestExtras:
    raw = bytes.fromhex(params_hex.removeprefix("0x")) if params_hex else b""
    if not raw:
        return NONE
    if len(raw) != PARAMS_LEN:
        raise MalformedParams(f"params are {len(raw)} bytes; expected 0 or {PARAMS_LEN}")
    if abi_encode(PARAMS_TYPES, list(abi_decode(PARAMS_TYPES, raw, strict=True))) != raw:
        raise MalformedParams("params are not in canonical ABI encoding")
    version, qhash, amount, days = abi_decode(PARAMS_TYPES, raw, strict=True)
    if version != 1:
        raise MalformedParams(f"params version {version} is not supported (expected 1)")
    if (amount == 0) != (days == 0):
        raise MalformedParams("loan amount and duration must both be zero or both be set")
    if days > MAX_LOAN_DAYS:
        raise MalformedParams(f"loan duration {days} days is over {MAX_LOAN_DAYS}")
    return RequestExtras(
        questionnaire_hash=None if qhash == b"\0" * 32 else "0x" + qhash.hex(),
        loan_amount=amount or None,
        loan_duration_days=days or None,
    )
