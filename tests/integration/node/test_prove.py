"""`aura prove` against anvil, the real contracts and a real node: the subject of a fulfilled assessment signs the
text `--print-message` gives, the node's running enclave opens the commitment, and snarkjs proves the score
clears the threshold against exactly the commitment the node stored; another wallet's signature, the same signed
text again, and a threshold above the score get no proof; a Sign-In with Ethereum text (`--sign-in`) opens it
too."""

from __future__ import annotations

import json
from pathlib import Path

from eth_account import Account
from eth_account.messages import encode_defunct
from eth_account.signers.local import LocalAccount

from node.workshop.devnet.anvil import DEFAULT_KEYS
from node.zk import snarkjs
from node.zk.poseidon_commitment import limbs
from tests.integration.node.conftest import Env
from tests.integration.node.test_node_evm import aura

OWNER = Account.from_key(DEFAULT_KEYS[4])
STRANGER = Account.from_key(DEFAULT_KEYS[5])


def sign(account: LocalAccount, text: str) -> str:
    return "0x" + bytes(account.sign_message(encode_defunct(text=text)).signature).hex()


def test_prove_for_the_subject_only(env: Env, tmp_path: Path) -> None:
    build = snarkjs.locate()
    cfg = env.dev.config_path
    node = env.node().start()
    try:
        env.wait_healthy(node)
        request_id = env.request(OWNER.address)
        env.wait_fulfilled([request_id], node)
        key = f"anvil:{request_id}"
        stored = json.loads(aura("status", "--config", cfg, key).stdout)["assessment"]

        printed = aura("prove", "--config", cfg, "--request", key, "--print-message")
        assert printed.returncode == 0, printed.stderr
        text = printed.stdout.removesuffix("\n")
        lines = text.split("\n")
        assert lines[:6] == ["Aura: open my score commitment", "family: evm", "chain_id: 31337",
                             f"contract: {env.dev.oracle}", f"request_id: {request_id}", f"subject: {OWNER.address}"]
        message_file = tmp_path / "message.txt"
        message_file.write_text(printed.stdout)

        stranger = aura("prove", "--config", cfg, "--request", key, "--threshold", "0",
                        "--message-file", str(message_file), "--signature", sign(STRANGER, text))
        assert stranger.returncode == 2
        assert stranger.stderr.strip().splitlines()[-1].endswith(
            f"signature: the EIP-191 personal_sign signature is by {STRANGER.address}, not the subject "
            f"{OWNER.address}")

        threshold = stored["score"]
        args = ("prove", "--config", cfg, "--request", key, "--threshold", str(threshold), "--scope", "7",
                "--message-file", str(message_file), "--signature", sign(OWNER, text))
        proved = aura(*args)
        assert proved.returncode == 0, proved.stderr
        out = json.loads(proved.stdout)
        hi, lo = limbs(bytes.fromhex(OWNER.address[2:]))
        assert out["public_signals"][:5] == [str(int(stored["commitment"], 16)), str(threshold), str(hi), str(lo),
                                             "7"]
        assert out["public_signals"][5] == out["nullifier"] == out["calldata"]["evm"]["nullifier"]
        assert len(out["calldata"]["evm"]["proof"]) == 8
        vkey = json.loads(build.verification_key.read_text())
        assert snarkjs.verify(vkey, out["public_signals"], out["proof"])

        replay = aura(*args)
        assert replay.returncode == 2
        nonce = lines[6].removeprefix("nonce: ")
        assert replay.stderr.strip().splitlines()[-1].endswith(f"nonce {nonce}: already used; sign a new message")

        text2 = aura("prove", "--config", cfg, "--request", key, "--print-message").stdout
        message_file.write_text(text2)
        too_high = aura("prove", "--config", cfg, "--request", key, "--threshold", str(threshold + 1),
                        "--message-file", str(message_file), "--signature", sign(OWNER, text2.removesuffix("\n")))
        assert too_high.returncode == 2
        assert too_high.stderr.strip().splitlines()[-1] == (
            f"aura prove: the score is below the threshold {threshold + 1}: no proof exists")

        sign_in = aura("prove", "--config", cfg, "--request", key, "--print-message", "--sign-in", "app.example.org")
        assert sign_in.returncode == 0, sign_in.stderr
        text3 = sign_in.stdout.removesuffix("\n")
        assert text3.split("\n")[:4] == ["app.example.org wants you to sign in with your Ethereum account:",
                                         OWNER.address, "", f"Aura: open my score commitment at oracle {env.dev.oracle}"]
        message_file.write_text(sign_in.stdout)
        signed_in = aura("prove", "--config", cfg, "--request", key, "--threshold", str(threshold),
                         "--message-file", str(message_file), "--signature", sign(OWNER, text3))
        assert signed_in.returncode == 0, signed_in.stderr
        assert json.loads(signed_in.stdout)["public_signals"][0] == str(int(stored["commitment"], 16))
    finally:
        node.stop()
