"""chains.solana.groth16: snarkjs' JSON of tests/vectors/zk.json in the alt_bn128 syscalls' byte forms, read back
with py_ecc's BN254: every point lands on the curve only in the syscalls' coordinate order (G2: imaginary part
first), and malformed input is refused with its reason. The program verifying these bytes is
tests/integration/solana_program/test_zk.py."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from py_ecc.bn128 import bn128_curve as bn
from py_ecc.fields import bn128_FQ as FQ
from py_ecc.fields import bn128_FQ2 as FQ2

from chains.solana import groth16

VECTOR: dict[str, Any] = json.loads((Path(__file__).resolve().parents[2] / "vectors" / "zk.json").read_text())
KEY, PROOF = VECTOR["verification_key"], VECTOR["proof"]


def words(raw: bytes) -> list[int]:
    return [int.from_bytes(raw[i:i + 32], "big") for i in range(0, len(raw), 32)]


def as_g1(raw: bytes) -> tuple[FQ, FQ]:
    x, y = words(raw)
    return FQ(x), FQ(y)


def as_g2(raw: bytes) -> tuple[FQ2, FQ2]:
    """The syscalls' G2 bytes `x.c1 || x.c0 || y.c1 || y.c0` as py_ecc's point (FQ2 takes [c0, c1])."""
    x1, x0, y1, y0 = words(raw)
    return FQ2([x0, x1]), FQ2([y0, y1])


def test_g1_points_are_x_then_y_on_the_curve():
    raw = groth16.g1(PROOF["pi_a"])
    assert len(raw) == 64 and words(raw) == [int(PROOF["pi_a"][0]), int(PROOF["pi_a"][1])]
    for point in (PROOF["pi_a"], PROOF["pi_c"], KEY["vk_alpha_1"], *KEY["IC"]):
        assert bn.is_on_curve(as_g1(groth16.g1(point)), bn.b)


def test_g2_points_put_the_imaginary_part_first():
    raw = groth16.g2(PROOF["pi_b"])
    (x0, x1), (y0, y1) = PROOF["pi_b"][0], PROOF["pi_b"][1]
    assert words(raw) == [int(x1), int(x0), int(y1), int(y0)]
    for point in (PROOF["pi_b"], KEY["vk_beta_2"], KEY["vk_gamma_2"], KEY["vk_delta_2"]):
        encoded = groth16.g2(point)
        assert bn.is_on_curve(as_g2(encoded), bn.b2)
        # read in snarkjs' order (real part first) the same bytes are no point of the twist
        x1, x0, y1, y0 = words(encoded)
        assert not bn.is_on_curve((FQ2([x1, x0]), FQ2([y1, y0])), bn.b2)
    # and in the prime-order subgroup, as the pairing syscall requires
    assert bn.is_inf(bn.multiply(as_g2(groth16.g2(PROOF["pi_b"])), bn.curve_order))


def test_gamma_is_the_generator_of_g2():
    """snarkjs' gamma is G2's generator: the encoder gives py_ecc's G2 exactly."""
    assert as_g2(groth16.g2(KEY["vk_gamma_2"])) == bn.G2


def test_proof_and_key_layouts():
    proof = groth16.proof_bytes(PROOF)
    assert len(proof) == groth16.PROOF_LEN == 256
    assert proof == groth16.g1(PROOF["pi_a"]) + groth16.g2(PROOF["pi_b"]) + groth16.g1(PROOF["pi_c"])
    key = groth16.verifying_key_bytes(KEY)
    assert len(key) == groth16.KEY_LEN == 896
    assert key[:64] == groth16.g1(KEY["vk_alpha_1"]) and key[320:448] == groth16.g2(KEY["vk_delta_2"])
    assert key[448:] == b"".join(groth16.g1(p) for p in KEY["IC"])
    args = groth16.verifying_key_args(KEY)
    assert bytes(args["alpha_g1"] + args["beta_g2"] + args["gamma_g2"] + args["delta_g2"]
                 + sum(args["ic"], [])) == key


def test_the_point_at_infinity_is_all_zeros():
    assert groth16.g1(["0", "1", "0"]) == bytes(64)
    assert groth16.g2([["0", "0"], ["1", "0"], ["0", "0"]]) == bytes(128)


def test_malformed_input_is_refused():
    with pytest.raises(ValueError, match=r"^the point is not in affine form \(z = 2\)$"):
        groth16.g1(["1", "2", "2"])
    with pytest.raises(ValueError, match=r"^a G1 point is \[x, y, z\]$"):
        groth16.g1(["1", "2"])
    with pytest.raises(ValueError, match=r"^a G2 point is \[\[x.c0, x.c1\], \[y.c0, y.c1\], z\]$"):
        groth16.g2([["1"], ["2", "3"], ["1", "0"]])
    with pytest.raises(ValueError, match="is not below the BN254 field modulus$"):
        groth16.g1([str(groth16.FIELD_MODULUS), "2", "1"])
    with pytest.raises(ValueError, match=r"^the key is for 5 public inputs, the program verifies 6$"):
        groth16.verifying_key_bytes({**KEY, "nPublic": 5, "IC": KEY["IC"][:6]})
    with pytest.raises(ValueError, match=r"^not a Groth16 verification key over BN254 \(bn128\)$"):
        groth16.verifying_key_bytes({**KEY, "curve": "bls12381"})
    with pytest.raises(ValueError, match=r"^not a Groth16 proof over BN254 \(bn128\)$"):
        groth16.proof_bytes({**PROOF, "protocol": "plonk"})


def test_public_inputs_are_32_big_endian_bytes_below_r():
    assert groth16.field_element(600) == bytes(30) + (600).to_bytes(2, "big")
    assert groth16.field_element(groth16.SCALAR_ORDER - 1)[0] == 0x30
    with pytest.raises(ValueError, match="is not below the BN254 scalar field order$"):
        groth16.field_element(groth16.SCALAR_ORDER)
    with pytest.raises(ValueError, match="is not below the BN254 scalar field order$"):
        groth16.field_element(-1)
