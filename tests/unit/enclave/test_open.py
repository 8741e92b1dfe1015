"""The enclave's `open` in-process, for each family with a real wallet key: it opens an assessment's commitment for
the subject that signs the expected text, and refuses another wallet, a tampered text, an expired or too distant
expiry, a replayed nonce, a score that is not the committed one, and a signature made for another request."""

from __future__ import annotations

import base64
import json
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account
from eth_account.messages import encode_defunct
from pysui.sui.sui_crypto import keypair_from_keystring
from solders.keypair import Keypair

from chains.sui.keys import address_of
from node.enclave.commitment import blinding
from node.enclave.keys import EnclaveKey
from node.enclave.logs import JsonLog
from node.enclave.measurement import measure
from node.enclave.open import MAX_AHEAD_S, NonceBook, OpenRefused
from node.enclave.params import InvalidParams
from node.enclave.server import handle_body
from node.enclave.service import EnclaveService
from node.enclave.targets import Targets
from node.scoring import load_config
from node.scoring.engine import Engine
from node.zk.poseidon_commitment import commitment as poseidon_commitment

from .conftest import CONTRACT, features, params, request

NOW = 1_750_000_000
NONCE = "00112233445566778899aabbccddeeff"
VECTORS = Path(__file__).resolve().parents[2] / "vectors"
CLIENTS = Path(__file__).resolve().parents[2] / "clients"
SOLANA = json.loads((VECTORS / "solana.json").read_text())["accounts"]
SUI = json.loads((VECTORS / "sui.json").read_text())["cases"]["first"]["params"]["request"]


@dataclass(frozen=True)
class Wallet:
    """A subject's key: its address in the family's text form, and how its wallet signs a text."""

    family: str
    subject: str
    sign: Callable[[str], str]


def evm_wallet(seed: int) -> Wallet:
    account = Account.from_key(seed.to_bytes(32, "big"))
    return Wallet("evm", account.address,
                  lambda text: "0x" + bytes(account.sign_message(encode_defunct(text=text)).signature).hex())


def solana_wallet(seed: int) -> Wallet:
    keypair = Keypair.from_seed(seed.to_bytes(32, "big"))
    return Wallet("solana", str(keypair.pubkey()), lambda text: str(keypair.sign_message(text.encode())))


def sui_wallet(seed: int, flag: int = 0) -> Wallet:
    keypair = keypair_from_keystring(base64.b64encode(bytes([flag]) + seed.to_bytes(32, "big")).decode())
    address = address_of(flag, bytes(keypair.public_key.key_bytes))
    return Wallet("sui", address,
                  lambda text: keypair.sign_personal_message(base64.b64encode(text.encode()).decode()))


WALLETS: dict[str, Callable[[int], Wallet]] = {"evm": evm_wallet, "solana": solana_wallet, "sui": sui_wallet}


def family_request(wallet: Wallet, **overrides: Any) -> dict[str, Any]:
    """A request of the wallet's family whose subject is the wallet."""
    if wallet.family == "evm":
        base = request(NOW, subject=wallet.subject)
    elif wallet.family == "solana":
        base = {"family": "solana", "chain_id": 103, "program": SOLANA["program"]["pubkey"],
                "contract": SOLANA["oracle"]["pubkey"], "request_id": SOLANA["request"]["pubkey"],
                "requester": SOLANA["requester"]["pubkey"], "subject": wallet.subject, "fee": "5000000",
                "expires_at": NOW + 3600, "block_number": 123}
    else:
        base = {**SUI, "subject": wallet.subject, "expires_at": NOW + 3600, "block_number": 123}
    return {**base, **overrides}


def header(req: dict[str, Any], keys: tuple[str, ...]) -> str:
    return "\n".join(["Aura: open my score commitment", f"family: {req['family']}",
                      *(f"{k}: {req[k]}" for k in keys)])


def text(req: dict[str, Any], nonce: str = NONCE, expires_at: int = NOW + 300) -> str:
    """The text to sign, written out here as docs/protocol.md gives it (not by the enclave's own function)."""
    keys = {"evm": ("chain_id", "contract"), "solana": ("chain_id", "program", "contract"),
            "sui": ("chain_id", "package", "contract")}[req["family"]]
    return f"{header(req, (*keys, 'request_id', 'subject'))}\nnonce: {nonce}\nexpires_at: {expires_at}"


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> int:
        return self.now


@pytest.fixture(scope="module")
def key() -> EnclaveKey:
    return EnclaveKey(bytes.fromhex("4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"))


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def service(key: EnclaveKey, clock: Clock) -> EnclaveService:
    return EnclaveService(key, measure(), Engine.load(load_config()), clock=clock)


def assessed(service: EnclaveService, req: dict[str, Any]) -> dict[str, Any]:
    return service.assess(params(req, features(NOW)))


def open_params(req: dict[str, Any], result: dict[str, Any], message: str, signature: str,
                **overrides: Any) -> dict[str, Any]:
    return {"request": req, "score": result["score"], "commitment": result["commitment"], "message": message,
            "signature": signature, **overrides}


def owner_call(service: EnclaveService, family: str, seed: int = 7, **text_args: Any) -> tuple[Wallet, dict[str, Any]]:
    wallet = WALLETS[family](seed)
    req = family_request(wallet)
    message = text(req, **text_args)
    return wallet, open_params(req, assessed(service, req), message, wallet.sign(message))


@pytest.mark.parametrize("family", ["evm", "solana", "sui"])
def test_opens_for_the_owner(service: EnclaveService, key: EnclaveKey, family: str) -> None:
    wallet, call = owner_call(service, family)
    out = service.open(call)
    subject = _subject_bytes(family, wallet.subject)
    request_id = _subject_bytes(family, call["request"]["request_id"])
    expected_blinding = blinding(key.commitment_secret, request_id, subject)
    assert out == {"score": call["score"], "blinding": "0x" + expected_blinding.to_bytes(32, "big").hex(),
                   "commitment": call["commitment"]}
    assert poseidon_commitment(out["score"], expected_blinding, subject) == int(out["commitment"], 16)


def test_opens_for_a_sui_secp256k1_wallet(service: EnclaveService) -> None:
    wallet = sui_wallet(9, flag=1)
    req = family_request(wallet)
    message = text(req)
    result = assessed(service, req)
    assert service.open(open_params(req, result, message, wallet.sign(message)))["score"] == result["score"]


@pytest.mark.parametrize(("family", "error"), [
    ("evm", "signature: the EIP-191 personal_sign signature is by {other}, not the subject {subject}"),
    ("solana", "signature: the ed25519 signMessage signature is not by the subject {subject}"),
    ("sui", "signature: the Sui personal message signature is by {other}, not the subject {subject}"),
])
def test_refuses_another_wallets_signature(service: EnclaveService, family: str, error: str) -> None:
    wallet, call = owner_call(service, family)
    other = WALLETS[family](8)
    with pytest.raises(OpenRefused) as info:
        service.open({**call, "signature": other.sign(call["message"])})
    assert str(info.value) == error.format(other=other.subject, subject=wallet.subject)


def test_refuses_a_sui_signature_whose_key_is_the_subjects_but_over_another_text(service: EnclaveService) -> None:
    wallet, call = owner_call(service, "sui")
    with pytest.raises(OpenRefused) as info:
        service.open({**call, "signature": wallet.sign(call["message"] + " ")})
    assert str(info.value) == (f"signature: the Sui personal message signature does not verify for the subject "
                               f"{wallet.subject}")


@pytest.mark.parametrize("family", ["evm", "solana", "sui"])
def test_refuses_a_tampered_expiry(service: EnclaveService, family: str) -> None:
    """The host moves the signed expiry: the text is well formed, the owner's signature no longer covers it."""
    wallet, call = owner_call(service, family)
    tampered = call["message"].replace(f"expires_at: {NOW + 300}", f"expires_at: {NOW + 301}")
    with pytest.raises(OpenRefused) as info:
        service.open({**call, "message": tampered})
    assert str(info.value).startswith("signature: ")


def test_refuses_a_text_with_an_extra_line(service: EnclaveService) -> None:
    _, call = owner_call(service, "evm")
    with pytest.raises(OpenRefused) as info:
        service.open({**call, "message": call["message"] + "\nscore: 1000"})
    assert str(info.value) == "message line 9: expected the end of the text, got 'score: 1000'"


def test_refuses_a_signature_made_for_another_request(service: EnclaveService) -> None:
    """The owner signed to open request A; the host presents it with request B (another id) of the same subject."""
    wallet, call = owner_call(service, "evm")
    other = family_request(wallet, request_id="0x" + "cd" * 32)
    result = assessed(service, other)
    with pytest.raises(OpenRefused) as info:
        service.open(open_params(other, result, call["message"], call["signature"]))
    assert str(info.value) == (f"message line 5: expected 'request_id: 0x{'cd' * 32}', got "
                               f"'request_id: 0x{'ab' * 32}'")


def test_refuses_a_signature_made_for_another_chain(service: EnclaveService) -> None:
    wallet, call = owner_call(service, "solana")
    other = family_request(wallet, chain_id=101)
    with pytest.raises(OpenRefused) as info:
        service.open({**call, "request": other})
    assert str(info.value) == "message line 3: expected 'chain_id: 101', got 'chain_id: 103'"


def test_ids_are_written_in_the_familys_canonical_form(service: EnclaveService) -> None:
    """An EVM address given in lower case is still written EIP-55 in the text the subject signs."""
    wallet, call = owner_call(service, "evm")
    lower = {**call["request"], "contract": CONTRACT.lower(), "subject": wallet.subject.lower()}
    assert service.open({**call, "request": lower})["score"] == call["score"]


def test_refuses_an_expired_message(service: EnclaveService, clock: Clock) -> None:
    _, call = owner_call(service, "evm")
    clock.now = NOW + 300
    with pytest.raises(OpenRefused) as info:
        service.open(call)
    assert str(info.value) == f"message expired at {NOW + 300}; the enclave clock is {NOW + 300}"


def test_refuses_an_expiry_too_far_ahead(service: EnclaveService) -> None:
    _, call = owner_call(service, "sui", expires_at=NOW + MAX_AHEAD_S + 1)
    with pytest.raises(OpenRefused) as info:
        service.open(call)
    assert str(info.value) == (f"message expires_at {NOW + MAX_AHEAD_S + 1} is more than {MAX_AHEAD_S} s after the "
                               f"enclave clock {NOW}")
    _, call = owner_call(service, "sui", expires_at=NOW + MAX_AHEAD_S)
    assert service.open(call)["commitment"] == call["commitment"]


@pytest.mark.parametrize("family", ["evm", "solana", "sui"])
def test_refuses_a_replayed_nonce(service: EnclaveService, family: str) -> None:
    _, call = owner_call(service, family)
    service.open(call)
    with pytest.raises(OpenRefused) as info:
        service.open(call)
    assert str(info.value) == f"nonce {NONCE}: already used; sign a new message"


def test_a_refused_signature_does_not_spend_the_nonce(service: EnclaveService) -> None:
    """Nobody but the subject can spend its nonce first."""
    _, call = owner_call(service, "evm")
    with pytest.raises(OpenRefused):
        service.open({**call, "signature": evm_wallet(8).sign(call["message"])})
    assert service.open(call)["score"] == call["score"]


@pytest.mark.parametrize("family", ["evm", "solana", "sui"])
def test_refuses_a_score_that_is_not_the_committed_one(service: EnclaveService, family: str) -> None:
    _, call = owner_call(service, family)
    with pytest.raises(OpenRefused) as info:
        service.open({**call, "score": (call["score"] + 1) % 1001})
    assert str(info.value) == ("score: it and the request's blinding do not give the commitment (the score or "
                               "commitment is not the one the enclave signed for this request)")


@pytest.mark.parametrize(("change", "error"), [
    (lambda c: {k: v for k, v in c.items() if k != "signature"}, "params: missing key(s) signature"),
    (lambda c: {**c, "score": 1001}, "score: must be between 0 and 1000"),
    (lambda c: {**c, "commitment": "0x12"}, "commitment: must be 0x followed by 64 hex digits"),
    (lambda c: {**c, "message": ""}, "message: must be a string of 1 to 2048 characters"),
    (lambda c: {**c, "signature": "0x" + "00" * 200}, "signature: must be a string of 1 to 256 characters"),
])
def test_malformed_params(service: EnclaveService, change: Callable[[dict[str, Any]], dict[str, Any]],
                          error: str) -> None:
    _, call = owner_call(service, "evm")
    with pytest.raises(InvalidParams) as info:
        service.open(change(call))
    assert str(info.value) == error


@pytest.mark.parametrize(("family", "signature", "error"), [
    ("evm", "0x1234", "signature: must be 0x and 65 bytes (r || s || v) in hex"),
    ("solana", "0OIl", "signature: must be the base58 text of a 64-byte ed25519 signature"),
    ("sui", "AA==", "signature: must be base64 of flag || signature || public key (ed25519 flag 0 or secp256k1 "
                    "flag 1)"),
])
def test_malformed_signatures(service: EnclaveService, family: str, signature: str, error: str) -> None:
    _, call = owner_call(service, family)
    with pytest.raises(OpenRefused) as info:
        service.open({**call, "signature": signature})
    assert str(info.value) == error


@pytest.mark.parametrize(("line", "error"), [
    ("nonce: 0011", "message line 7: expected 'nonce: <32 lower-case hex digits>', got 'nonce: 0011'"),
    (f"nonce: {NONCE.upper()}", f"message line 7: expected 'nonce: <32 lower-case hex digits>', got "
                                f"'nonce: {NONCE.upper()}'"),
])
def test_refuses_a_malformed_nonce(service: EnclaveService, line: str, error: str) -> None:
    _, call = owner_call(service, "evm")
    with pytest.raises(OpenRefused) as info:
        service.open({**call, "message": call["message"].replace(f"nonce: {NONCE}", line)})
    assert str(info.value) == error


def test_refuses_a_target_it_was_not_sealed_for(key: EnclaveKey) -> None:
    sealed = Targets.parse([{"family": "evm", "chain_id": 1, "contract": CONTRACT}])
    service = EnclaveService(key, measure(), Engine.load(load_config()), clock=lambda: NOW, targets=sealed)
    wallet = evm_wallet(7)
    req = family_request(wallet)
    message = text(req)
    with pytest.raises(InvalidParams) as info:
        service.open({"request": req, "score": 1, "commitment": "0x" + "00" * 32, "message": message,
                      "signature": wallet.sign(message)})
    assert str(info.value) == (f"request: this enclave does not sign for evm chain_id 31337, contract {CONTRACT} (not "
                               "among the targets its key was sealed for)")


def test_nonce_book_holds_at_most_its_limit_of_unexpired_nonces() -> None:
    book = NonceBook(limit=2)
    book.spend("a", NOW + 10, NOW)
    book.spend("b", NOW + 20, NOW)
    with pytest.raises(OpenRefused) as info:
        book.spend("c", NOW + 30, NOW)
    assert str(info.value) == f"2 unexpired nonces are held; try again in {MAX_AHEAD_S} s"
    book.spend("c", NOW + 30, NOW + 11)  # "a" expired: room again
    with pytest.raises(OpenRefused):
        book.spend("b", NOW + 40, NOW + 11)


def test_frame_handler_opens_and_never_logs_the_opening(service: EnclaveService, tmp_path: Path) -> None:
    _, call = owner_call(service, "evm")
    log_path = tmp_path / "enclave.log"
    body = json.dumps({"id": 5, "method": "open", "params": call}).encode()
    reply, close = handle_body(service, body, JsonLog(log_path))
    assert not close and reply["id"] == 5 and reply["result"]["score"] == call["score"]
    reply, close = handle_body(service, body, JsonLog(log_path))
    assert not close and reply["error"] == {"code": "refused", "message": f"nonce {NONCE}: already used; sign a new "
                                                                          "message"}
    records = [json.loads(line) for line in log_path.read_text().splitlines()]
    assert [r["event"] for r in records] == ["opened", "request_refused"]
    assert set(records[0]) == {"ts", "level", "event", "id", "request_id", "subject", "ms"}
    assert records[1]["code"] == "refused"


def _subject_bytes(family: str, text_form: str) -> bytes:
    if family == "solana":
        from chains.core.base58 import b58decode

        return b58decode(text_form)
    return bytes.fromhex(text_form[2:])


# ------------------------------------------------------------------ Sign-In with Ethereum (EIP-4361) on EVM
SIWE = "message (Sign-In with Ethereum (EIP-4361)) "
ISSUED, EXPIRES = "2025-06-15T15:06:40Z", "2025-06-15T15:11:40Z"  # NOW and NOW + 300


def sign_in_text(req: dict[str, Any], *, address: str | None = None, statement: str | None = None,
                 chain_id: int | None = None, request_id: str | None = None, domain: str = "app.example.org",
                 issued: str = ISSUED, expires: str = EXPIRES, tail: str = "") -> str:
    """The sign-in text, written out here as docs/protocol.md gives it (not by the product's function)."""
    return (f"{domain} wants you to sign in with your Ethereum account:\n{address or req['subject']}\n\n"
            f"{statement or 'Aura: open my score commitment at oracle ' + req['contract']}\n\n"
            f"URI: https://{domain}\nVersion: 1\nChain ID: {chain_id or req['chain_id']}\nNonce: {NONCE}\n"
            f"Issued At: {issued}\nExpiration Time: {expires}\nRequest ID: {request_id or req['request_id']}{tail}")


def sign_in_call(service: EnclaveService, **text_args: Any) -> tuple[Wallet, dict[str, Any]]:
    wallet = evm_wallet(7)
    req = family_request(wallet)
    message = sign_in_text(req, **text_args)
    return wallet, open_params(req, assessed(service, req), message, wallet.sign(message))


def test_opens_with_a_sign_in_with_ethereum_message(service: EnclaveService) -> None:
    _, call = sign_in_call(service)
    assert service.open(call)["commitment"] == call["commitment"]
    with pytest.raises(OpenRefused) as info:
        service.open(call)
    assert str(info.value) == f"nonce {NONCE}: already used; sign a new message"


def test_opens_with_the_sign_in_message_viem_writes(service: EnclaveService) -> None:
    """A dapp writes the text with viem's createSiweMessage (milliseconds in its times) and a wallet signs it."""
    wallet = evm_wallet(7)
    req = family_request(wallet)
    asked = {"privateKey": "0x" + (7).to_bytes(32, "big").hex(), "domain": "app.example.org",
             "statement": f"Aura: open my score commitment at oracle {req['contract']}", "uri": "https://app.example.org",
             "chainId": req["chain_id"], "nonce": NONCE, "issuedAt": NOW, "expirationTime": NOW + 300,
             "requestId": req["request_id"]}
    out = subprocess.run(["node", str(CLIENTS / "sign_in.mjs")], input=json.dumps(asked), capture_output=True,
                         text=True, timeout=120, check=True)
    signed = json.loads(out.stdout)
    assert ".000Z" in signed["message"]
    call = open_params(req, assessed(service, req), signed["message"], signed["signature"])
    assert service.open(call)["score"] == call["score"]


@pytest.mark.parametrize(("text_args", "error"), [
    ({"chain_id": 1}, "line 8: expected 'Chain ID: 31337', got 'Chain ID: 1'"),
    ({"request_id": "0x" + "cd" * 32}, "line 12: expected 'Request ID: {request_id}', got 'Request ID: 0x{cd}'"),
    ({"statement": "Aura: open my score commitment at oracle 0x" + "11" * 20},
     "line 4: expected 'Aura: open my score commitment at oracle {contract}', got 'Aura: open my score commitment at "
     "oracle 0x{eleven}'"),
    ({"address": "lower"}, "line 2: expected '{subject}', got '{subject_lower}'"),
    ({"domain": "app example"}, "line 1: 'app example' is not a domain (host or host:port)"),
    ({"expires": "2025-06-15T15:11:40"},
     "line 11: expected 'Expiration Time: ' and an RFC 3339 time with its offset, got 'Expiration Time: "
     "2025-06-15T15:11:40'"),
    ({"issued": "2025-06-15T15:11:41Z"}, "line 10: Issued At is after the Expiration Time"),
    ({"tail": "\nNot Before: 2025-06-15T15:06:40Z"},
     "line 13: expected the end of the text, got 'Not Before: 2025-06-15T15:06:40Z' (Not Before and Resources are "
     "not taken)"),
])
def test_refuses_a_sign_in_that_is_not_exactly_this_requests(service: EnclaveService, text_args: dict[str, Any],
                                                             error: str) -> None:
    wallet = evm_wallet(7)
    req = family_request(wallet)
    if text_args.get("address") == "lower":
        text_args = {"address": wallet.subject.lower()}
    _, call = sign_in_call(service, **text_args)
    with pytest.raises(OpenRefused) as info:
        service.open(call)
    assert str(info.value) == SIWE + error.format(
        request_id=req["request_id"], cd="cd" * 32, contract=req["contract"], eleven="11" * 20,
        subject=wallet.subject, subject_lower=wallet.subject.lower())


def test_a_sign_in_is_held_to_the_same_expiry_and_signature_checks(service: EnclaveService, clock: Clock) -> None:
    wallet, call = sign_in_call(service)
    other = evm_wallet(8)
    with pytest.raises(OpenRefused) as signed_by_another:
        service.open({**call, "signature": other.sign(call["message"])})
    assert str(signed_by_another.value) == (f"signature: the EIP-191 personal_sign signature is by {other.subject}, "
                                            f"not the subject {wallet.subject}")
    clock.now = NOW + 300
    with pytest.raises(OpenRefused) as late:
        service.open(call)
    assert str(late.value) == f"message expired at {NOW + 300}; the enclave clock is {NOW + 300}"
