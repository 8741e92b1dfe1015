/// The fixed scenario every test starts from. Its transactions and object creations never change, so
/// `sui::test_scenario` gives the Oracle and the two requests the same IDs each time: the IDs the signed
/// vectors of `vector_data` name.
#[test_only]
module aura_oracle::setup;

use aura_oracle::oracle::{Self, AdminCap, Oracle};
use aura_oracle::vector_data as v;
use sui::clock::{Self, Clock};
use sui::coin::{Self, Coin};
use sui::sui::SUI;
use sui::test_scenario::{Self as ts, Scenario};

/// When the set-up makes its two requests: two minutes before the first assessment's timestamp (earlier than
/// the oracle's clock skew allows an assessment to be, so tests can set the clock to either side of that bound).
public fun request_time_ms(): u64 { v::first_timestamp_ms() - 120_000 }

/// When both requests expire.
public fun request_expiry_ms(): u64 { request_time_ms() + v::request_ttl_ms() }

/// The payee the set-up registers enclave keys with: where their fulfilments' fees go.
public fun payee(): address { @0xfee }

/// The request params of the set-up's requests.
public fun first_params(): vector<u8> { b"{\"purpose\":\"first\"}" }

public fun second_params(): vector<u8> { b"{\"purpose\":\"second\"}" }

/// Tx 1: the admin creates the oracle with the vector's fee and windows (then a test Clock, set to
/// `request_time_ms()`). Tx 2: the admin registers the vector's enclave key. Tx 3 and 4: the requester requests
/// an assessment of `subject()`, then another. The scenario is left at a new transaction of the transmitter.
public fun begin(): (Scenario, Clock) {
    let (scenario, clock, _, _) = begin_with_request_ids();
    (scenario, clock)
}

/// `begin`, also returning the IDs `request_assessment` returned for the first and second request.
public fun begin_with_request_ids(): (Scenario, Clock, ID, ID) {
    let mut scenario = ts::begin(v::admin());
    let cap = oracle::create(v::fee(), v::request_ttl_ms(), v::max_age_ms(), v::max_skew_ms(), scenario.ctx());
    transfer::public_transfer(cap, v::admin());
    let mut clock = clock::create_for_testing(scenario.ctx());
    clock.set_for_testing(request_time_ms());

    scenario.next_tx(v::admin());
    register(&mut scenario, v::public_key(), v::measurement(), &clock);

    scenario.next_tx(v::requester());
    let first = request(&mut scenario, first_params(), &clock);
    scenario.next_tx(v::requester());
    let second = request(&mut scenario, second_params(), &clock);

    scenario.next_tx(v::transmitter());
    (scenario, clock, first, second)
}

/// The admin registers `public_key` with `payee()` in the current transaction (whose sender must hold the
/// AdminCap).
public fun register(scenario: &mut Scenario, public_key: vector<u8>, measurement: vector<u8>, clock: &Clock) {
    register_with_payee(scenario, public_key, measurement, payee(), clock);
}

/// The admin registers `public_key` with `payee_` in the current transaction.
public fun register_with_payee(
    scenario: &mut Scenario,
    public_key: vector<u8>,
    measurement: vector<u8>,
    payee_: address,
    clock: &Clock,
) {
    let mut o = scenario.take_shared<Oracle>();
    let cap = scenario.take_from_sender<AdminCap>();
    oracle::register_enclave(&cap, &mut o, public_key, measurement, payee_, clock);
    scenario.return_to_sender(cap);
    ts::return_shared(o);
}

/// The admin revokes `public_key` in the current transaction.
public fun revoke(scenario: &mut Scenario, public_key: vector<u8>, clock: &Clock) {
    let mut o = scenario.take_shared<Oracle>();
    let cap = scenario.take_from_sender<AdminCap>();
    oracle::revoke_enclave(&cap, &mut o, public_key, clock);
    scenario.return_to_sender(cap);
    ts::return_shared(o);
}

/// The current sender requests an assessment of `subject()`, paying the oracle's fee.
public fun request(scenario: &mut Scenario, params: vector<u8>, clock: &Clock): ID {
    let mut o = scenario.take_shared<Oracle>();
    let payment = coin::mint_for_testing<SUI>(o.fee(), scenario.ctx());
    let id = oracle::request_assessment(&mut o, v::subject(), params, payment, clock, scenario.ctx());
    ts::return_shared(o);
    id
}

/// The current sender fulfils `request_id` with the given fields (the arguments of `oracle::fulfil`).
public fun fulfil(
    scenario: &mut Scenario,
    request_id: ID,
    score: u16,
    tier: u8,
    pd_bps: u16,
    flags: u32,
    measurement: vector<u8>,
    commitment: vector<u8>,
    checkpoint: u64,
    checkpoint_digest: vector<u8>,
    features_hash: vector<u8>,
    timestamp_ms: u64,
    expiry_ms: u64,
    public_key: vector<u8>,
    signature: vector<u8>,
    clock: &Clock,
) {
    let mut o = scenario.take_shared<Oracle>();
    oracle::fulfil(
        &mut o,
        request_id,
        score,
        tier,
        pd_bps,
        flags,
        measurement,
        commitment,
        checkpoint,
        checkpoint_digest,
        features_hash,
        timestamp_ms,
        expiry_ms,
        public_key,
        signature,
        clock,
        scenario.ctx(),
    );
    ts::return_shared(o);
}

/// The current sender fulfils the first request with the first signed assessment, unchanged.
public fun fulfil_first(scenario: &mut Scenario, clock: &Clock) {
    fulfil(
        scenario,
        v::first_request_id(),
        v::first_score(),
        v::first_tier(),
        v::first_pd_bps(),
        v::first_flags(),
        v::measurement(),
        v::first_commitment(),
        v::first_checkpoint(),
        v::first_checkpoint_digest(),
        v::first_features_hash(),
        v::first_timestamp_ms(),
        v::first_expiry_ms(),
        v::public_key(),
        v::first_signature(),
        clock,
    );
}

/// The current sender fulfils the second request with the second signed assessment, unchanged.
public fun fulfil_second(scenario: &mut Scenario, clock: &Clock) {
    fulfil(
        scenario,
        v::second_request_id(),
        v::second_score(),
        v::second_tier(),
        v::second_pd_bps(),
        v::second_flags(),
        v::measurement(),
        v::second_commitment(),
        v::second_checkpoint(),
        v::second_checkpoint_digest(),
        v::second_features_hash(),
        v::second_timestamp_ms(),
        v::second_expiry_ms(),
        v::public_key(),
        v::second_signature(),
        clock,
    );
}

/// The current sender cancels `request_id`.
public fun cancel(scenario: &mut Scenario, request_id: ID, clock: &Clock) {
    let mut o = scenario.take_shared<Oracle>();
    oracle::cancel(&mut o, request_id, clock, scenario.ctx());
    ts::return_shared(o);
}

/// The value of the most recent coin `owner` received, and 0 if none.
public fun last_coin_value(scenario: &Scenario, owner: address): u64 {
    if (!ts::has_most_recent_for_address<Coin<SUI>>(owner)) return 0;
    let coin = scenario.take_from_address<Coin<SUI>>(owner);
    let value = coin.value();
    ts::return_to_address(owner, coin);
    value
}

/// The total value of the coins `owner` holds.
public fun coin_total(scenario: &Scenario, owner: address): u64 {
    let ids = ts::ids_for_address<Coin<SUI>>(owner);
    let mut total = 0;
    ids.do!(|id| {
        let coin = scenario.take_from_address_by_id<Coin<SUI>>(owner, id);
        total = total + coin.value();
        ts::return_to_address(owner, coin);
    });
    total
}

public fun finish(scenario: Scenario, clock: Clock) {
    clock.destroy_for_testing();
    scenario.end();
}
