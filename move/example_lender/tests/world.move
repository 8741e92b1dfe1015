/// The set-up the lender's tests start from: an `aura_oracle` Oracle with enclave keys the tests hold (made from
/// fixed seeds with the test-only `ecdsa_k1` natives, so they sign real assessments that `oracle::fulfil` and
/// `oracle::fulfil_quorum` verify), and a Lender that trusts it.
#[test_only]
module example_lender::world;

use aura_oracle::oracle::{Self, AdminCap, Oracle};
use aura_oracle::zk;
use example_lender::lender::{Self, Approval, Lender, PrivateApproval};
use sui::clock::{Self, Clock};
use sui::coin::{Self, Coin};
use sui::ecdsa_k1::{Self, KeyPair};
use sui::sui::SUI;
use sui::test_scenario::{Self as ts, Scenario};

public fun admin(): address { @0xad }

public fun borrower(): address { @0xb0 }

public fun transmitter(): address { @0x7a }

/// Where the enclave keys' fees go.
public fun payee(): address { @0xfee }

public fun fee(): u64 { 50_000_000 }

/// What the borrower's coin holds beyond the fee when applying.
public fun change(): u64 { 1_000 }

const REQUEST_TTL_MS: u64 = 3_600_000;
const MAX_AGE_MS: u64 = 600_000;
const MAX_SKEW_MS: u64 = 60_000;
/// How long an assessment stays valid after its timestamp (the enclave's TTL).
const ASSESSMENT_TTL_MS: u64 = 600_000;

/// The clock when the set-up runs and the borrower applies.
public fun start_ms(): u64 { 1_700_000_000_000 }

/// The clock when a request is fulfilled, and the assessment's timestamp (a whole second).
public fun fulfil_ms(): u64 { start_ms() + 5_000 }

/// The assessment's expiry.
public fun expiry_ms(): u64 { fulfil_ms() + ASSESSMENT_TTL_MS }

public fun tier(): u8 { 1 }

public fun pd_bps(): u16 { 350 }

public fun measurement(): vector<u8> { x"6ca02a2b8d1d6efa9a3397498fa55ab022ff55d032b04ab6d91d106923583cc5" }

fun keypair(i: u8): KeyPair {
    ecdsa_k1::secp256k1_keypair_from_seed(&vector::tabulate!(32, |_| i + 0x11))
}

/// Enclave key `i`'s 33-byte compressed form.
public fun key(i: u8): vector<u8> { *keypair(i).public_key() }

/// Tx 1: the admin creates the oracle (threshold 1, fee `fee()`) and a test Clock at `start_ms()`. Tx 2: the admin
/// registers enclave keys 0 ..< `enclaves`; anyone creates a Lender trusting the oracle. The scenario is left at a
/// new transaction of the borrower.
public fun begin(enclaves: u8): (Scenario, Clock) {
    let mut scenario = ts::begin(admin());
    let cap = oracle::create(fee(), REQUEST_TTL_MS, MAX_AGE_MS, MAX_SKEW_MS, scenario.ctx());
    transfer::public_transfer(cap, admin());
    let mut clock = clock::create_for_testing(scenario.ctx());
    clock.set_for_testing(start_ms());

    scenario.next_tx(admin());
    let mut o = scenario.take_shared<Oracle>();
    let cap = scenario.take_from_sender<AdminCap>();
    enclaves.do!(|i| oracle::register_enclave(&cap, &mut o, key(i), measurement(), payee(), &clock));
    lender::create(&o, scenario.ctx());
    scenario.return_to_sender(cap);
    ts::return_shared(o);

    scenario.next_tx(borrower());
    (scenario, clock)
}

/// The borrower applies with a coin of `fee() + change()`, which they keep with the change in it. Returns the
/// request id; the scenario is left at a new transaction of the borrower.
public fun apply(scenario: &mut Scenario, clock: &Clock): ID {
    apply_with(scenario, fee() + change(), clock)
}

/// The borrower applies with a coin of `amount`.
public fun apply_with(scenario: &mut Scenario, amount: u64, clock: &Clock): ID {
    apply_as(scenario, amount, false, clock)
}

/// The borrower applies for a private assessment (`apply_private`), as `apply` does.
public fun apply_private(scenario: &mut Scenario, clock: &Clock): ID {
    apply_as(scenario, fee() + change(), true, clock)
}

fun apply_as(scenario: &mut Scenario, amount: u64, private: bool, clock: &Clock): ID {
    scenario.next_tx(borrower());
    let l = scenario.take_shared<Lender>();
    let mut o = scenario.take_shared<Oracle>();
    let mut payment = coin::mint_for_testing<SUI>(amount, scenario.ctx());
    let request_id = if (private) {
        l.apply_private(&mut o, &mut payment, clock, scenario.ctx())
    } else {
        l.apply(&mut o, &mut payment, clock, scenario.ctx())
    };
    transfer::public_transfer(payment, borrower());
    ts::return_shared(o);
    ts::return_shared(l);
    scenario.next_tx(borrower());
    request_id
}

/// At `fulfil_ms()`, the transmitter fulfils `request_id` with an assessment of the borrower scoring `score` with
/// `flags`, signed by the keys `signers` (indices): with `fulfil` for one key, with `fulfil_quorum` (the keys in
/// ascending order of their addresses) for more. The scenario is left at a new transaction of the borrower.
public fun fulfil(
    scenario: &mut Scenario,
    clock: &mut Clock,
    request_id: ID,
    score: u16,
    flags: u32,
    signers: vector<u8>,
) {
    fulfil_as(scenario, clock, request_id, score, tier(), pd_bps(), flags, signers);
}

/// `fulfil` with the private form a private request takes: score 0, tier 255, pd 0 (the commitment as always).
public fun fulfil_private(scenario: &mut Scenario, clock: &mut Clock, request_id: ID, flags: u32, signers: vector<u8>) {
    fulfil_as(scenario, clock, request_id, 0, oracle::private_tier(), 0, flags, signers);
}

fun fulfil_as(
    scenario: &mut Scenario,
    clock: &mut Clock,
    request_id: ID,
    score: u16,
    tier: u8,
    pd_bps: u16,
    flags: u32,
    signers: vector<u8>,
) {
    clock.set_for_testing(fulfil_ms());
    scenario.next_tx(transmitter());
    let mut o = scenario.take_shared<Oracle>();
    let message = oracle::intent_message_bytes(
        object::id(&o),
        request_id,
        borrower(),
        score,
        tier,
        pd_bps,
        flags,
        measurement(),
        commitment(),
        checkpoint(),
        checkpoint_digest(),
        features_hash(),
        fulfil_ms(),
        expiry_ms(),
    );
    let keys = by_address(signers);
    let signatures = keys.map_ref!(|i| ecdsa_k1::secp256k1_sign(keypair(*i).private_key(), &message, 1, false));
    let public_keys = keys.map!(|i| key(i));
    if (public_keys.length() == 1) {
        o.fulfil(
            request_id,
            score,
            tier,
            pd_bps,
            flags,
            measurement(),
            commitment(),
            checkpoint(),
            checkpoint_digest(),
            features_hash(),
            fulfil_ms(),
            expiry_ms(),
            public_keys[0],
            signatures[0],
            clock,
            scenario.ctx(),
        );
    } else {
        o.fulfil_quorum(
            request_id,
            score,
            tier,
            pd_bps,
            flags,
            measurement(),
            commitment(),
            checkpoint(),
            checkpoint_digest(),
            features_hash(),
            fulfil_ms(),
            expiry_ms(),
            public_keys,
            signatures,
            clock,
            scenario.ctx(),
        );
    };
    ts::return_shared(o);
    scenario.next_tx(borrower());
}

/// The borrower applies and the request is fulfilled with `score` and `flags`, signed by key 0. Returns the
/// request id.
public fun assessed(scenario: &mut Scenario, clock: &mut Clock, score: u16, flags: u32): ID {
    let request_id = apply(scenario, clock);
    fulfil(scenario, clock, request_id, score, flags, vector[0]);
    request_id
}

/// The borrower applies for a private assessment and it is fulfilled in the private form with `flags`, signed by
/// key 0. Returns the request id.
public fun assessed_private(scenario: &mut Scenario, clock: &mut Clock, flags: u32): ID {
    let request_id = apply_private(scenario, clock);
    fulfil_private(scenario, clock, request_id, flags, vector[0]);
    request_id
}

/// The admin sets the oracle's threshold. The scenario is left at a new transaction of the borrower.
public fun set_threshold(scenario: &mut Scenario, threshold: u8) {
    scenario.next_tx(admin());
    let mut o = scenario.take_shared<Oracle>();
    let cap = scenario.take_from_sender<AdminCap>();
    oracle::set_threshold(&cap, &mut o, threshold);
    scenario.return_to_sender(cap);
    ts::return_shared(o);
    scenario.next_tx(borrower());
}

/// The admin revokes enclave key `i`. The scenario is left at a new transaction of the borrower.
public fun revoke(scenario: &mut Scenario, i: u8, clock: &Clock) {
    scenario.next_tx(admin());
    let mut o = scenario.take_shared<Oracle>();
    let cap = scenario.take_from_sender<AdminCap>();
    oracle::revoke_enclave(&cap, &mut o, key(i), clock);
    scenario.return_to_sender(cap);
    ts::return_shared(o);
    scenario.next_tx(borrower());
}

/// The current sender asks the lender for an approval, in the current transaction.
public fun approve(scenario: &mut Scenario, clock: &Clock): Approval {
    let l = scenario.take_shared<Lender>();
    let o = scenario.take_shared<Oracle>();
    let approval = l.approve(&o, clock, scenario.ctx());
    ts::return_shared(o);
    ts::return_shared(l);
    approval
}

/// The admin sets the oracle's verifying key (placeholder bytes: no Move test runner here runs the groth16
/// natives, `borrow_with_proof` stands in their answer). The scenario is left at a new transaction of the borrower.
public fun set_verifying_key(scenario: &mut Scenario) {
    scenario.next_tx(admin());
    let mut o = scenario.take_shared<Oracle>();
    let cap = scenario.take_from_sender<AdminCap>();
    zk::set_prepared_key_for_testing(&cap, &mut o, x"01", x"02", x"03", x"04");
    scenario.return_to_sender(cap);
    ts::return_shared(o);
    scenario.next_tx(borrower());
}

/// A 128-byte placeholder proof (its verdict is given).
public fun proof(): vector<u8> { vector::tabulate!(128, |i| i as u8) }

/// The current sender takes the private path with `nullifier`, the groth16 natives' answer being `verdict`, in
/// the current transaction.
public fun borrow_with_proof(scenario: &mut Scenario, nullifier: u256, verdict: bool, clock: &Clock): PrivateApproval {
    let l = scenario.take_shared<Lender>();
    let mut o = scenario.take_shared<Oracle>();
    let approval = l.borrow_with_proof_for_testing(&mut o, nullifier, proof(), verdict, clock, scenario.ctx());
    ts::return_shared(o);
    ts::return_shared(l);
    approval
}

/// The lender's quote for the borrower. The scenario is left at a new transaction of the borrower.
public fun quote(scenario: &mut Scenario, clock: &Clock): (u8, u16) {
    let l = scenario.take_shared<Lender>();
    let o = scenario.take_shared<Oracle>();
    let (decision, max_ltv_bps) = l.quote(&o, borrower(), clock);
    ts::return_shared(o);
    ts::return_shared(l);
    scenario.next_tx(borrower());
    (decision, max_ltv_bps)
}

/// The value of the borrower's coin (the one they applied with).
public fun borrower_coin(scenario: &Scenario): u64 {
    let coin = scenario.take_from_address<Coin<SUI>>(borrower());
    let value = coin.value();
    ts::return_to_address(borrower(), coin);
    value
}

public fun finish(scenario: ts::Scenario, clock: Clock) {
    clock.destroy_for_testing();
    scenario.end();
}

/// A Poseidon commitment (tests/vectors/zk.json's): below the scalar field order, as `zk` reads it.
fun commitment(): vector<u8> { x"167b10da956132c5e45cd70707ec8aef7673ff163130db6b52457c10bbc5be56" }

fun checkpoint(): u64 { 90_000_000 }

fun checkpoint_digest(): vector<u8> { x"422c5975993a46b85ff4f981a8c79aeda28144a1279e86974af985693739c536" }

fun features_hash(): vector<u8> { x"8abd9f60444bf5111f37307d90d088d78215bd33190c937d14b5acff26339d86" }

/// The key indices `signers`, sorted by their keys' addresses (`oracle::signer_address`), as `fulfil_quorum`
/// takes them.
fun by_address(signers: vector<u8>): vector<u8> {
    let mut sorted = vector[];
    signers.do!(|i| {
        let address = oracle::signer_address(&key(i));
        let mut at = 0;
        while (at < sorted.length() && before(&oracle::signer_address(&key(sorted[at])), &address)) at = at + 1;
        sorted.insert(i, at);
    });
    sorted
}

/// Whether the 20-byte address `a` is below `b`.
fun before(a: &vector<u8>, b: &vector<u8>): bool {
    let mut i = 0;
    while (i < a.length() && a[i] == b[i]) i = i + 1;
    i < a.length() && a[i] < b[i]
}
