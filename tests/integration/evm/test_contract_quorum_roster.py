"""The roster a quorum's further signers are looked up in: per measurement, a data contract whose code is a STOP
and then each active signer's entry (`index << 160 | address`, ascending by address), replaced by `registerSigner`
and `revokeSigner` in the same transaction, bounded by EIP-170's code size (`RosterFull`)."""

from __future__ import annotations

from eth_account import Account
from eth_utils import keccak

ROSTERS_SLOT = 8  # the storage slot of the `_rosters` mapping (after `_quorums`, slot 7)
MAX_ROSTER_SIGNERS = 767  # (24,576 - 1) // 32


def _pointer_slot(measurement: bytes) -> bytes:
    return keccak(measurement + ROSTERS_SLOT.to_bytes(32, "big"))


def _pointer(chain, measurement: bytes) -> str:
    word = chain.w3.eth.get_storage_at(chain.oracle.address, _pointer_slot(measurement))
    return "0x" + bytes(word)[-20:].hex()


def _roster(chain, measurement: bytes | None = None) -> list[tuple[int, str]]:
    """(index, address) of each entry of the measurement's roster, as its data contract's code holds them."""
    code = bytes(chain.w3.eth.get_code(chain.w3.to_checksum_address(_pointer(chain, measurement or chain.MEASUREMENT))))
    if not code:
        return []
    assert code[0] == 0 and (len(code) - 1) % 32 == 0  # a STOP first: a call to it does nothing
    words = [int.from_bytes(code[i:i + 32], "big") for i in range(1, len(code), 32)]
    return [(w >> 160, chain.w3.to_checksum_address((w & (2**160 - 1)).to_bytes(20, "big"))) for w in words]


def _register(chain, key: str, measurement: bytes | None = None) -> None:
    chain.send(chain.oracle.functions.registerSigner(chain.address_of(key), measurement or chain.MEASUREMENT,
                                                     chain.payee), chain.OWNER_KEY)


def _revoke(chain, key: str) -> None:
    chain.send(chain.oracle.functions.revokeSigner(chain.address_of(key)), chain.OWNER_KEY)


def _index(chain, key: str) -> int:
    return chain.oracle.functions.signers(chain.address_of(key)).call()[0]


def test_the_roster_holds_the_active_signers_of_its_measurement_in_ascending_order(chain, trio):
    assert _roster(chain) == [(_index(chain, k), chain.address_of(k)) for k in trio]
    other = b"\x42" * 32
    elsewhere = Account.create().key.to_0x_hex()
    _register(chain, elsewhere, other)
    assert _roster(chain, other) == [(4, chain.address_of(elsewhere))]
    assert _roster(chain) == [(_index(chain, k), chain.address_of(k)) for k in trio]  # untouched

    _revoke(chain, trio[1])
    assert _roster(chain) == [(_index(chain, k), chain.address_of(k)) for k in (trio[0], trio[2])]
    for key in (trio[0], trio[2]):
        _revoke(chain, key)
    assert _pointer(chain, chain.MEASUREMENT) == "0x" + "00" * 20 and _roster(chain) == []


def test_a_signer_registered_between_others_takes_its_place(chain, trio):
    keys = [Account.create().key.to_0x_hex() for _ in range(6)]
    for key in keys:
        _register(chain, key)
    everyone = sorted([*trio, *keys], key=lambda k: int(chain.address_of(k), 16))
    assert _roster(chain) == [(_index(chain, k), chain.address_of(k)) for k in everyone]

    chain.set_threshold(5)
    req = chain.request()
    a = chain.assessment()
    _revoke(chain, everyone[4])
    kept = [k for k in everyone if k != everyone[4]]
    sigs = chain.signatures(req, a, everyone)
    assert chain.expect_revert(chain.fulfil_quorum_fn(req, a, sigs), chain.TRANSMITTER_KEY) == (
        "RevokedSigner", chain.address_of(everyone[4]))
    chain.send(chain.fulfil_quorum_fn(req, a, chain.signatures(req, a, kept)), chain.TRANSMITTER_KEY)
    assert chain.latest_signers() == ([chain.address_of(k) for k in kept], 5, 8)


def test_a_full_roster_refuses_a_registration(chain):
    """767 active signers of one measurement fill the 24,576 bytes a contract's code may have: the next
    registration with it is refused, one with another measurement is not. The full roster is put in place by
    anvil (767 registrations would take minutes)."""
    base = int(chain.address_of(Account.create().key.to_0x_hex()), 16) >> 16 << 16
    entries = [(1000 + i) << 160 | (base + i) for i in range(MAX_ROSTER_SIGNERS - 1)]
    code = b"\x00" + b"".join(e.to_bytes(32, "big") for e in entries)
    fake = "0x" + "ab" * 20
    chain.rpc("anvil_setCode", fake, "0x" + code.hex())
    chain.rpc("anvil_setStorageAt", chain.oracle.address, "0x" + _pointer_slot(chain.MEASUREMENT).hex(),
              "0x" + bytes(12).hex() + fake[2:])

    last = Account.create().key.to_0x_hex()
    chain.send(chain.oracle.functions.registerSigner(chain.address_of(last), chain.MEASUREMENT, chain.payee),
               chain.OWNER_KEY, gas=10_000_000)
    assert len(_roster(chain)) == MAX_ROSTER_SIGNERS
    assert (_index(chain, last), chain.address_of(last)) in _roster(chain)

    extra = Account.create().address
    fn = chain.oracle.functions.registerSigner(extra, chain.MEASUREMENT, chain.payee)
    assert chain.expect_revert(fn, chain.OWNER_KEY, gas=10_000_000) == ("RosterFull", chain.MEASUREMENT)
    chain.send(chain.oracle.functions.registerSigner(extra, b"\x42" * 32, chain.payee), chain.OWNER_KEY)
