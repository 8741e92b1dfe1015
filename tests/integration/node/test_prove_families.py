"""`aura prove`'s host half for a Solana and a Sui assessment, against an in-process enclave: the request rebuilt
from the store's row opens through `open`, snarkjs proves against the opened commitment, and the calldata is in
the family's verifier's form. The EVM path runs end to end on anvil in test_prove.py."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from chains.core.errors import InvalidParams
from chains.solana import groth16 as solana_groth16
from chains.sui import groth16 as sui_groth16
from node.enclave.keys import EnclaveKey
from node.enclave.measurement import measure
from node.enclave.service import EnclaveService
from node.scoring import load_config
from node.scoring.engine import Engine
from node.zk import prove_cli, snarkjs
from tests.unit.enclave.conftest import features, params
from tests.unit.enclave.test_open import NOW, family_request, solana_wallet, sui_wallet

KEY = EnclaveKey(bytes.fromhex("4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"))


def store_row(request: dict[str, Any]) -> dict[str, Any]:
    """The store's request row of a request (chains/base.py OracleRequest's fields): the family's own target key
    is its `program`."""
    extra = {k: v for k, v in request.items() if k in ("program", "package")}
    return {**{k: v for k, v in request.items() if k not in extra}, "fee": int(request["fee"]),
            "program": next(iter(extra.values())), "chain": "c", "state": "final"}


@pytest.mark.parametrize("wallet", [solana_wallet(3), sui_wallet(4), sui_wallet(5, flag=1)],
                         ids=["solana", "sui-ed25519", "sui-secp256k1"])
def test_prove_opens_and_proves(wallet: Any) -> None:
    build = snarkjs.locate()
    service = EnclaveService(KEY, measure(), Engine.load(load_config()), clock=lambda: NOW)
    request = family_request(wallet)
    assessment = service.assess(params(request, features(NOW)))
    rebuilt = prove_cli.stored_request(store_row(request))
    assert rebuilt == request
    text = prove_cli.fresh_message(rebuilt, NOW)
    opening = service.open(prove_cli.open_params(rebuilt, assessment, text, wallet.sign(text)))
    threshold = min(assessment["score"], 600)
    out = prove_cli.proof_of_opening(build, rebuilt, opening, threshold, 9)
    assert out["public_signals"][:2] == [str(int(assessment["commitment"], 16)), str(threshold)]
    assert snarkjs.verify(json.loads(build.verification_key.read_text()), out["public_signals"], out["proof"])
    calldata = out["calldata"][wallet.family]
    if wallet.family == "solana":
        assert calldata == {"proof": "0x" + solana_groth16.proof_bytes(out["proof"]).hex(),
                            "nullifier": "0x" + int(out["nullifier"]).to_bytes(32, "big").hex()}
    else:
        assert calldata == {"proof": "0x" + sui_groth16.proof_bytes(out["proof"]).hex(),
                            "public_inputs": "0x" + sui_groth16.public_inputs_bytes(out["public_signals"]).hex()}


def test_read_message_drops_one_final_newline(tmp_path: Path) -> None:
    path = tmp_path / "m.txt"
    path.write_text("a\nb\n\n")
    assert prove_cli.read_message(path) == "a\nb\n"


def test_a_sign_in_text_is_refused_for_a_family_without_a_sign_in_standard() -> None:
    request = family_request(solana_wallet(3))
    with pytest.raises(InvalidParams) as info:
        prove_cli.fresh_message(request, NOW, sign_in_domain="app.example.org")
    assert str(info.value) == "--sign-in: the solana family has no sign-in standard; sign Aura's text instead"
