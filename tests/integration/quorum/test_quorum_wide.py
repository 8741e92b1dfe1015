"""Six real operators of threshold 6 (the `wide_world` fixture): more signatures than a legacy Solana transaction
holds (five fit one here, the leader's payee being its transmitter), so the leader's node makes its transmitter's
address lookup table, adds the signers' accounts to it and fulfils with a v0 transaction, through the pipeline's
own waiting (docs/solana.md, "Quorum")."""

from __future__ import annotations

from solders.message import MessageV0
from solders.pubkey import Pubkey
from solders.signature import Signature

from node.workshop.devnet.signatures import check_signers, solana_registered, solana_signers
from node.workshop.devnet.solana_setup import CLUSTER_ID
from tests.integration.quorum.conftest import World


def test_six_signatures_go_as_a_v0_transaction_through_the_leader_s_lookup_table(wide_world: World) -> None:
    world = wide_world
    for _ in range(2):  # the first makes the table; the second finds it holding every signer
        request, subject = world.solana_request()
        ((tx, _leader),) = world.wait(f"Solana {request} fulfilled",
                                      lambda r=request: world.solana_fulfilments(r), timeout=90.0)
        signed = solana_signers(world.client, CLUSTER_ID, tx, request, subject)
        check_signers(request, signed, 6, solana_registered(world.client, world.sol.oracle))
        assert {s.signer for s in signed} == world.quorum.signers()
        got = world.client.get_transaction(Signature.from_string(tx), encoding="base64",
                                           max_supported_transaction_version=0).value
        assert got is not None
        message = got.transaction.transaction.message  # type: ignore[union-attr]
        assert isinstance(message, MessageV0)
        (lookup,) = message.address_table_lookups
        table = world.client.get_account_info(lookup.account_key).value
        assert table is not None and table.owner == Pubkey.from_string("AddressLookupTab1e1111111111111111111111111")
    assert len(world.solana_fulfilments(request)) == 1
