"""chains.sui.groth16: the byte forms `sui::groth16` takes, checked with py_ecc's BN254 pairing.

No Move test runner here can run the `sui::groth16` natives (docs/sui.md, "Threshold proofs"), so the forms are
checked against what verifies on Sui: the BN254 case of Sui's own `groth16_tests.move` (its key, prepared key,
proof and public input, copied below) is decoded by this file's own arkworks reader, and its pairing equation
holds. The same reader then reads back what the encoder makes of tests/vectors/zk.json: every coordinate
round-trips and the circuit's proof verifies; a tampered proof or public input does not.

arkworks' optimal ate pairing on BN254 is py_ecc's raised to m = 2u(6u^2 + 3u + 1) (its final exponentiation
is the Fuentes-Castaneda et al. one); `test_sui_prepared_key_is_arkworks_pairing_of_alpha_and_beta` shows it on
Sui's own prepared key.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from py_ecc import optimized_bn128 as bn
from py_ecc.fields import optimized_bn128_FQ as FQ
from py_ecc.fields import optimized_bn128_FQ2 as FQ2
from py_ecc.fields import optimized_bn128_FQ12 as FQ12

from chains.sui import groth16

ROOT = Path(__file__).resolve().parents[3]
VECTOR: dict[str, Any] = json.loads((ROOT / "tests" / "vectors" / "zk.json").read_text())
KEY, PROOF, SIGNALS = VECTOR["verification_key"], VECTOR["proof"], VECTOR["public_signals"]
P = bn.field_modulus
R = bn.curve_order
BN_U = 4965661367192848881
ARKWORKS_POWER = 2 * BN_U * (6 * BN_U * BN_U + 3 * BN_U + 1)

G1Point = tuple[FQ, FQ, FQ]
G2Point = tuple[FQ2, FQ2, FQ2]

# Sui's crates/sui-framework/packages/sui-framework/tests/crypto/groth16_tests.move (Apache-2.0, Mysten Labs):
# test_prepare_verifying_key_bn254, a key of one public input and what `prepare_verifying_key` makes of it.
SUI_VK = bytes.fromhex(
    "53d75f472c207c7fcf6a34bc1e50cf0d7d2f983dd2230ffcaf280362d162c3871cae3e4f91b77eadaac316fe625e3764fb39af2bb5aa25"
    "007e9bc6b116f6f02f597ad7c28c4a33da5356e656dcef4660d7375973fe0d7b6dc642d51f16b6c8806030ca5b462a3502d560df7ff62b"
    "7f1215195233f688320de19e4b3a2a2cb6120ae49bcc0abbd3cbbf06b29b489edbf86e3b679f4e247464992145f468e3c08db41e5e0900"
    "2a7170cb4cc56ae96b152d17b6b0d1b9333b41f2325c3c8a9d2e2df98f8e2315884fae52b3c6bb329df0359daac4eff4d2e7ce729078b1"
    "0d79d42f02000000000000001dcc52e058148a622c51acfdee6e181252ec0e9717653f0be1faaf2a68222e0dd2ccf4e1e8b088efccfdb9"
    "55a1ff4a0fd28ae2ccbe1a112449ddae8738fb40b0")
SUI_PREPARED_IC = bytes.fromhex(
    "1dcc52e058148a622c51acfdee6e181252ec0e9717653f0be1faaf2a68222e0dd2ccf4e1e8b088efccfdb955a1ff4a0fd28ae2ccbe1a11"
    "2449ddae8738fb40b0")
SUI_PREPARED_ALPHA_BETA = bytes.fromhex(
    "61665b255f20b17bbd56b04a9e4d6bf596cb8d578ce5b2a9ccd498e26d394a3071485596cabce152f68889799f7f6b4e94d415c28e14a3"
    "aa609e389e344ae72778358ca908efe2349315bce79341c69623a14397b7fa47ae3fa31c6e41c2ee1b6ab50ef5434c1476d9894bc6afee"
    "68e0907b98aa8dfa3464cc9a122b247334064ff7615318b47b881cef4869f3dbfde38801475ae15244be1df58f55f71a5a01e28c8fa91f"
    "ac886b97235fddb726dfc6a916483464ea130b6f82dc602e684b14f5ee655e510a0c1dd6f87b608718cd19d63a914f745a80c8016aa2c4"
    "9883482aa28acd647cf9ce56446c0330fe6568bc03812b3bda44d804530abc67305f4914a509ecdc30f0b88b1a4a8b11e84856b333da3d"
    "86bb669a53dbfcde59511be60d8d5f7c79faa4910bf396ab04e7239d491e0a3bee177e6c9aac0ecbcd09ca850afcd46f25410849cefcfb"
    "dac828e7b057d4a732a373aad913d4b767897ba15d0bfcbcbb25bc5f2dae1ea59196ede9666a5c260f054b1a64977666af6a03076409")
SUI_PREPARED_GAMMA_NEG = bytes.fromhex(
    "6030ca5b462a3502d560df7ff62b7f1215195233f688320de19e4b3a2a2cb6120ae49bcc0abbd3cbbf06b29b489edbf86e3b679f4e2474"
    "64992145f468e3c00d")
SUI_PREPARED_DELTA_NEG = bytes.fromhex(
    "b41e5e09002a7170cb4cc56ae96b152d17b6b0d1b9333b41f2325c3c8a9d2e2df98f8e2315884fae52b3c6bb329df0359daac4eff4d2e7"
    "ce729078b10d79d4af")
# test_verify_groth_16_proof_bn254: a prepared key, one public input and a proof that verifies (`== true`).
SUI_PVK_IC = bytes.fromhex(
    "e8324a3242be5193eb38cca8761691ce061e89ce86f1fce8fd7ef40808f12da3c67d9ed5667c841f956e11adbbe240ddf37a1e3a4a8906"
    "00dc88f608b897898e")
SUI_PVK_ALPHA_BETA = bytes.fromhex(
    "51e6d72cd3b0914dd232653f84e7971d3e5bbcde6b47ff8d6c05277e579f1c1eb2fe30aa252c63950de6ea00dd21a1027f6d130357e47c"
    "31fafeca0d31e19406231df42bc11ce376f8cf75135d9074f081c242c31f198d151ec69ec37d67cc2b12542cb306a7823c8b194f136721"
    "76c6ee8266b2a0c9f57a5dbdb2278046b511d44e715a3ebe02ec2e1cf493c1b1ada84676e234134a6da5a552f61d4e905e15c0dc58a341"
    "4d74304775de5ba8571128f3548d269b51fdc08d5b646fd9157e0a2bc0c4bec5a9a6048d17d1d6cd941b4d459f1de0c7c1d417f33995d2"
    "a8dd670b91f0baaccaaf2802100901711885026a5ec97fbbb801000d0d01185651947c1900e336921d07eb16d0e25a2192829540ad5eeb"
    "1c498ba9c6316e16807a55dc2b9a7f3dea2e4a2f485ed1295a96d6ca86851842b3a22f83507f93ac66a1dc341d5d22f592527d8ea5c12d"
    "b16bbabe24b76b3e1baf825c8dcf147be369fd8c5300fd77d0aa8dce730e4e7442c93c4890023f3a266c9fbc90ebbf72825e798c4c00")
SUI_PVK_GAMMA_NEG = bytes.fromhex(
    "240a80664919b9f7490209cff12bfd81c32c272607dc004661c792082cbe282ef826f56a3822ebd72345f86c7ee9872e23f10d1f2dbf43"
    "f8aca5dc2ceb5388a5")
SUI_PVK_DELTA_NEG = bytes.fromhex(
    "f755df8c90edab48ac5adafef6a5a461902217f392e3aa4c34c0462b700c18164f79018778755980d491647de11ecc51fda2cc17171c4b"
    "44485ec37ccd23a69b")
SUI_INPUT = bytes.fromhex("3fd7c445c6845a9399d1a7b8394c16373399a037786c169f16219359d3be840a")
SUI_PROOF = bytes.fromhex(
    "dd2ef02e57d6a282df6b7f36c134ab7e55c2e04c5b8cbd7831be18e0e7224623ae8bd6c41637c10cbd02f5e68de6394461f417895ddd26"
    "4d6f0ddacf68c6cd02feb8881f0efa599139a6faf4223dd8743777c4346cba52322eb466af96f2be9f813af1450f84d6f8029804f60cac"
    "1add70ad1a3d4226404f84f4022dc18caa0f")


# === An arkworks reader of its own (not the encoder's code) ===


def _sqrt_fq(a: int) -> int:
    root = pow(a, (P + 1) // 4, P)  # p = 3 (mod 4)
    if root * root % P != a % P:
        raise ValueError("not a square in Fq")
    return root


def _sqrt_fq2(a: FQ2) -> FQ2:
    a0, a1 = (int(c) for c in a.coeffs)
    norm_root = _sqrt_fq((a0 * a0 + a1 * a1) % P)
    for n in (norm_root, P - norm_root):
        try:
            x0 = _sqrt_fq((a0 + n) * pow(2, P - 2, P) % P)
        except ValueError:
            continue
        root = FQ2([x0, a1 * pow(2 * x0, P - 2, P) % P])
        if root * root == a:
            return root
    raise ValueError("not a square in Fq2")


def _split_flags(raw: bytes) -> tuple[bytes, int]:
    return raw[:-1] + bytes([raw[-1] & 0x3F]), raw[-1] & 0xC0


def read_g1(raw: bytes) -> G1Point:
    """A compressed G1 point: x little-endian; 0x80 when y > -y, 0x40 for infinity."""
    assert len(raw) == 32
    body, flags = _split_flags(raw)
    if flags & 0x40:
        return bn.Z1
    x = int.from_bytes(body, "little")
    y = _sqrt_fq((x**3 + 3) % P)
    if (y > P - y) != bool(flags & 0x80):
        y = P - y
    return FQ(x), FQ(y), FQ.one()


def read_g2(raw: bytes) -> G2Point:
    """A compressed G2 point: x.c0 || x.c1 little-endian; y's flag compares c1 first, then c0."""
    assert len(raw) == 64
    body, flags = _split_flags(raw)
    if flags & 0x40:
        return bn.Z2
    x = FQ2([int.from_bytes(body[:32], "little"), int.from_bytes(body[32:], "little")])
    y = _sqrt_fq2(x**3 + bn.b2)

    def key(e: FQ2) -> tuple[int, int]:
        return int(e.coeffs[1]), int(e.coeffs[0])

    if (key(y) > key(-y)) != bool(flags & 0x80):
        y = -y
    return x, y, FQ2.one()


def read_gt(raw: bytes) -> FQ12:
    """arkworks' Fq12 (c0, c1 in Fq6 = Fq2[v]/(v^3 - (9 + u)), w^2 = v; each Fq2 c0 || c1 little-endian) as
    py_ecc's Fq[w]/(w^12 - 18 w^6 + 82), where u = w^6 - 9 and v = w^2."""
    assert len(raw) == 384
    words = [int.from_bytes(raw[i:i + 32], "little") for i in range(0, 384, 32)]
    coeffs = [0] * 12
    for k in range(2):
        for j in range(3):
            x, y = words[2 * (3 * k + j)], words[2 * (3 * k + j) + 1]
            coeffs[2 * j + k] = (coeffs[2 * j + k] + x - 9 * y) % P
            coeffs[2 * j + k + 6] = (coeffs[2 * j + k + 6] + y) % P
    return FQ12(coeffs)


def read_points(raw: bytes) -> list[G1Point]:
    return [read_g1(raw[i:i + 32]) for i in range(0, len(raw), 32)]


def read_scalars(raw: bytes) -> list[int]:
    return [int.from_bytes(raw[i:i + 32], "little") for i in range(0, len(raw), 32)]


def read_proof(raw: bytes) -> tuple[G1Point, G2Point, G1Point]:
    assert len(raw) == 128
    return read_g1(raw[:32]), read_g2(raw[32:96]), read_g1(raw[96:])


def arkworks_pairing(q: G2Point, p: G1Point) -> FQ12:
    return bn.pairing(q, p) ** ARKWORKS_POWER


def holds(pairs: list[tuple[G2Point, G1Point]], target: FQ12) -> bool:
    """Whether the product of arkworks' e(p, q) over `pairs` is `target` (one final exponentiation)."""
    product = FQ12.one()
    for q, p in pairs:
        product = product * bn.pairing(q, p, final_exponentiate=False)
    return bool(bn.final_exponentiate(product) ** ARKWORKS_POWER == target)


def vk_x(ic: list[G1Point], inputs: list[int]) -> G1Point:
    acc = ic[0]
    for point, value in zip(ic[1:], inputs):
        acc = bn.add(acc, bn.multiply(point, value))
    return acc


def sui_verifies(ic: list[G1Point], alpha_beta: FQ12, gamma_neg: G2Point, delta_neg: G2Point, inputs: list[int],
                 proof: bytes) -> bool:
    """`verify_groth16_proof` with a prepared key: e(A, B) e(vk_x, -gamma) e(C, -delta) = e(alpha, beta)."""
    a, b, c = read_proof(proof)
    return holds([(b, a), (gamma_neg, vk_x(ic, inputs)), (delta_neg, c)], alpha_beta)


def snark_g1(point: list[str]) -> tuple[int, int]:
    return int(point[0]), int(point[1])


def snark_g2(point: list[list[str]]) -> tuple[tuple[int, int], tuple[int, int]]:
    return (int(point[0][0]), int(point[0][1])), (int(point[1][0]), int(point[1][1]))


def as_ints1(point: G1Point) -> tuple[int, int]:
    x, y = bn.normalize(point)
    return int(x), int(y)


def as_ints2(point: G2Point) -> tuple[tuple[int, int], tuple[int, int]]:
    x, y = bn.normalize(point)
    return (int(x.coeffs[0]), int(x.coeffs[1])), (int(y.coeffs[0]), int(y.coeffs[1]))


# === Sui's own BN254 case ===


def test_sui_prepared_key_is_arkworks_pairing_of_alpha_and_beta() -> None:
    """The reader and the pairing power, on Sui's `prepare_verifying_key` case: its points are on the curves,
    the prepared key is e(alpha, beta), -gamma, -delta and the IC points as they are (no length)."""
    alpha, beta, gamma, delta = read_g1(SUI_VK[:32]), read_g2(SUI_VK[32:96]), read_g2(SUI_VK[96:160]), read_g2(
        SUI_VK[160:224])
    assert bn.is_on_curve(alpha, bn.b) and all(bn.is_on_curve(q, bn.b2) for q in (beta, gamma, delta))
    assert int.from_bytes(SUI_VK[224:232], "little") == 2 and SUI_VK[232:] == SUI_PREPARED_IC
    assert all(bn.is_on_curve(p, bn.b) for p in read_points(SUI_PREPARED_IC))
    assert arkworks_pairing(beta, alpha) == read_gt(SUI_PREPARED_ALPHA_BETA)
    assert bn.pairing(beta, alpha) != read_gt(SUI_PREPARED_ALPHA_BETA)
    assert bn.eq(read_g2(SUI_PREPARED_GAMMA_NEG), bn.neg(gamma))
    assert bn.eq(read_g2(SUI_PREPARED_DELTA_NEG), bn.neg(delta))


def test_sui_proof_that_verifies_on_sui_satisfies_the_pairing_equation() -> None:
    ic = read_points(SUI_PVK_IC)
    args = (ic, read_gt(SUI_PVK_ALPHA_BETA), read_g2(SUI_PVK_GAMMA_NEG), read_g2(SUI_PVK_DELTA_NEG))
    (value,) = read_scalars(SUI_INPUT)
    assert value < R
    assert sui_verifies(*args, [value], SUI_PROOF)
    assert not sui_verifies(*args, [value + 1], SUI_PROOF)
    # C with the other y: the same x, its flag bit flipped
    tampered = SUI_PROOF[:-1] + bytes([SUI_PROOF[-1] ^ 0x80])
    assert not sui_verifies(*args, [value], tampered)


# === The project's encoder, on tests/vectors/zk.json ===


def test_g1_points_round_trip_through_the_compressed_form() -> None:
    for point in (PROOF["pi_a"], PROOF["pi_c"], KEY["vk_alpha_1"], *KEY["IC"]):
        raw = groth16.g1(point)
        assert len(raw) == 32 and as_ints1(read_g1(raw)) == snark_g1(point)


def test_g2_points_round_trip_and_put_the_real_part_first() -> None:
    for point in (PROOF["pi_b"], KEY["vk_beta_2"], KEY["vk_gamma_2"], KEY["vk_delta_2"]):
        raw = groth16.g2(point)
        assert len(raw) == 64 and as_ints2(read_g2(raw)) == snark_g2(point)
        body = raw[:-1] + bytes([raw[-1] & 0x3F])
        assert int.from_bytes(body[:32], "little") == int(point[0][0])


def test_the_y_flag_takes_both_values_and_picks_the_point() -> None:
    g1s = (PROOF["pi_a"], PROOF["pi_c"], KEY["vk_alpha_1"], *KEY["IC"])
    g2s = (PROOF["pi_b"], KEY["vk_beta_2"], KEY["vk_gamma_2"], KEY["vk_delta_2"])
    flags = [groth16.g1(p)[-1] & 0x80 for p in g1s] + [groth16.g2(p)[-1] & 0x80 for p in g2s]
    assert set(flags) == {0, 0x80}  # so the round trips above read both
    raw = groth16.g1(PROOF["pi_a"])
    assert bn.eq(read_g1(raw[:-1] + bytes([raw[-1] ^ 0x80])), bn.neg(read_g1(raw)))


def test_the_point_at_infinity_is_x_zero_with_the_infinity_flag() -> None:
    assert groth16.g1(["0", "1", "0"]) == bytes(31) + b"\x40"
    assert groth16.g2([["0", "0"], ["1", "0"], ["0", "0"]]) == bytes(63) + b"\x40"


def test_verifying_key_layout() -> None:
    raw = groth16.verifying_key_bytes(KEY)
    assert len(raw) == groth16.KEY_LEN == 456
    assert raw[:32] == groth16.g1(KEY["vk_alpha_1"]) and raw[160:224] == groth16.g2(KEY["vk_delta_2"])
    assert raw[224:232] == (7).to_bytes(8, "little")
    assert raw[232:] == b"".join(groth16.g1(p) for p in KEY["IC"])


def test_public_inputs_are_little_endian_scalars_in_the_circuit_order() -> None:
    raw = groth16.public_inputs_bytes(SIGNALS)
    assert len(raw) == 192 and read_scalars(raw) == [int(s) for s in SIGNALS]
    assert raw[32:64] == (600).to_bytes(32, "little")


def encoded_key() -> tuple[G1Point, G2Point, G2Point, G2Point, list[G1Point]]:
    raw = groth16.verifying_key_bytes(KEY)
    return (read_g1(raw[:32]), read_g2(raw[32:96]), read_g2(raw[96:160]), read_g2(raw[160:224]),
            read_points(raw[232:]))


def verifies(proof: bytes, inputs: bytes) -> bool:
    """What `prepare_verifying_key` then `verify_groth16_proof` compute, from the encoded key, proof and inputs."""
    alpha, beta, gamma, delta, ic = encoded_key()
    return sui_verifies(ic, arkworks_pairing(beta, alpha), bn.neg(gamma), bn.neg(delta), read_scalars(inputs), proof)


def test_the_encoded_vector_proof_verifies() -> None:
    assert verifies(groth16.proof_bytes(PROOF), groth16.public_inputs_bytes(SIGNALS))


def test_a_tampered_proof_fails() -> None:
    proof = dict(PROOF, pi_a=PROOF["pi_c"])
    assert not verifies(groth16.proof_bytes(proof), groth16.public_inputs_bytes(SIGNALS))


def test_a_tampered_public_input_fails() -> None:
    signals = [SIGNALS[0], "601", *SIGNALS[2:]]
    assert not verifies(groth16.proof_bytes(PROOF), groth16.public_inputs_bytes(signals))


def test_the_move_tests_public_inputs_are_the_encoders() -> None:
    """`zk_tests.move` checks that `zk::public_inputs` builds these bytes from a stored score of the vector."""
    source = (ROOT / "move" / "aura_oracle" / "tests" / "zk_tests.move").read_text()
    match = re.search(r'const VECTOR_PUBLIC_INPUTS: vector<u8> =\s*x"([0-9a-f]+)";', source)
    assert match is not None
    assert bytes.fromhex(match.group(1)) == groth16.public_inputs_bytes(SIGNALS)
    for name, value in (("VECTOR_COMMITMENT", int(VECTOR["commitment"]).to_bytes(32, "big").hex()),
                        ("VECTOR_SUBJECT", VECTOR["inputs"]["subject"].removeprefix("0x")),
                        ("VECTOR_SCOPE", VECTOR["inputs"]["scope"]), ("VECTOR_NULLIFIER", VECTOR["nullifier"]),
                        ("VECTOR_THRESHOLD", str(VECTOR["inputs"]["threshold"]))):
        assert re.search(rf'const {name}: [\w<>]+ = (?:x"|@0x)?{value}\b', source), name


# === Refusals ===


def test_a_coordinate_not_below_the_field_modulus_is_refused() -> None:
    with pytest.raises(ValueError, match=rf"^coordinate {P} is not below the BN254 field modulus$"):
        groth16.g1([str(P), "1", "1"])


def test_a_projective_point_is_refused() -> None:
    with pytest.raises(ValueError, match=r"^the point is not in affine form \(z = 2\)$"):
        groth16.g1(["1", "2", "2"])


def test_a_scalar_not_below_the_order_is_refused() -> None:
    with pytest.raises(ValueError, match=rf"^{R} is not below the BN254 scalar field order$"):
        groth16.public_inputs_bytes([*SIGNALS[:5], str(R)])


def test_another_number_of_signals_is_refused() -> None:
    with pytest.raises(ValueError, match=r"^the circuit has 6 public signals, not 5$"):
        groth16.public_inputs_bytes(SIGNALS[:5])


def test_a_key_of_another_circuit_is_refused() -> None:
    with pytest.raises(ValueError, match=r"^the key is for 5 public inputs, the package verifies 6$"):
        groth16.verifying_key_bytes(dict(KEY, nPublic=5))
    with pytest.raises(ValueError, match=r"^not a Groth16 verification key over BN254 \(bn128\)$"):
        groth16.verifying_key_bytes(dict(KEY, curve="bls12381"))
    with pytest.raises(ValueError, match=r"^not a Groth16 proof over BN254 \(bn128\)$"):
        groth16.proof_bytes(dict(PROOF, protocol="plonk"))
