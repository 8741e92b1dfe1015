// Written by tests/vectors/make_sui_vector.py from tests/vectors/sui.json: do not edit.
#[test_only]
module aura_oracle::vector_data;

public fun oracle_id(): ID { object::id_from_address(@0x0000000000000000000000000000000000000000000000000000000000000001) }
public fun admin(): address { @0x7acbfdf1690b625952b4489032a20b086d4eb72499ecfc1ee80ab87d5311ae7f }
public fun requester(): address { @0xbfd640e3f06cef68b6eecb4fc8af9fe97d20902f5892b3f605fae42a861d65e0 }
public fun subject(): address { @0xa152a8f6332db5adc9d4b838771d35b8d2f1bff12b2e93b7f46e4586a3a7bf7b }
public fun transmitter(): address { @0xc71622fffeefcce0568731e9c87f05d98058630e0ca796b2916eee3af53f67dc }
public fun public_key(): vector<u8> { x"024e3b81af9c2234cad09d679ce6035ed1392347ce64ce405f5dcd36228a25de6e" }
public fun other_public_key(): vector<u8> { x"0247734813999b3b69d39c24b1c8ec27f2d399141f492390b00430bfca3e58bab0" }
public fun measurement(): vector<u8> { x"6ca02a2b8d1d6efa9a3397498fa55ab022ff55d032b04ab6d91d106923583cc5" }
public fun fee(): u64 { 50000000 }
public fun request_ttl_ms(): u64 { 3600000 }
public fun max_age_ms(): u64 { 600000 }
public fun max_skew_ms(): u64 { 60000 }

public fun first_request_id(): ID { object::id_from_address(@0x0000000000000000000000000000000000000000000000000000000000000002) }
public fun first_score(): u16 { 742 }
public fun first_tier(): u8 { 1 }
public fun first_pd_bps(): u16 { 350 }
public fun first_flags(): u32 { 8 }
public fun first_commitment(): vector<u8> { x"8f54baee9a7684a00892c8d5a7f6b78c9bc98c5923ee75705ab1086038c87ee1" }
public fun first_timestamp_ms(): u64 { 1700000000000 }
public fun first_expiry_ms(): u64 { 1700000600000 }
public fun first_intent_message(): vector<u8> { x"010068e5cf8b01000000000000000000000000000000000000000000000000000000000000000000010000000000000000000000000000000000000000000000000000000000000002a152a8f6332db5adc9d4b838771d35b8d2f1bff12b2e93b7f46e4586a3a7bf7be602015e0108000000206ca02a2b8d1d6efa9a3397498fa55ab022ff55d032b04ab6d91d106923583cc5208f54baee9a7684a00892c8d5a7f6b78c9bc98c5923ee75705ab1086038c87ee1c08feecf8b010000" }
public fun first_digest(): vector<u8> { x"5d9bf1ec95a6beea34c99fc5e1c00e5366aafa3dcd6c37cff7130d8ed11917d4" }
public fun first_signature(): vector<u8> { x"abcc8d505dc872b12b9ff7654276a7c813e3eb22fb3bba867e23b0e24f928b631d68170f94eafdc8faef26a5df4cc9cc5f8a0bb5ee14982fd10f8b56fc6b7f82" }

public fun second_request_id(): ID { object::id_from_address(@0x0000000000000000000000000000000000000000000000000000000000000003) }
public fun second_score(): u16 { 801 }
public fun second_tier(): u8 { 0 }
public fun second_pd_bps(): u16 { 210 }
public fun second_flags(): u32 { 8 }
public fun second_commitment(): vector<u8> { x"2fc680dc4a8107d3a5133ecf75cd0a8cfc9c4a7bc66b174cd2bd594d48eeaae3" }
public fun second_timestamp_ms(): u64 { 1700000060000 }
public fun second_expiry_ms(): u64 { 1700000660000 }
public fun second_intent_message(): vector<u8> { x"016052e6cf8b01000000000000000000000000000000000000000000000000000000000000000000010000000000000000000000000000000000000000000000000000000000000003a152a8f6332db5adc9d4b838771d35b8d2f1bff12b2e93b7f46e4586a3a7bf7b210300d20008000000206ca02a2b8d1d6efa9a3397498fa55ab022ff55d032b04ab6d91d106923583cc5202fc680dc4a8107d3a5133ecf75cd0a8cfc9c4a7bc66b174cd2bd594d48eeaae3207aefcf8b010000" }
public fun second_digest(): vector<u8> { x"c5ac620f6ce421cff47086c4fafd13c70ba940bd3e4be071658c9b7a3993d008" }
public fun second_signature(): vector<u8> { x"972d39718c9e94ec0208fee402cb916705227c02a71d2d0cd1846f9dde6e9a5a4287909493c39354130f9b19721dfeb522ce283ea2fad55a2c1ac10c872dc41d" }

public fun first_signature_high_s(): vector<u8> { x"abcc8d505dc872b12b9ff7654276a7c813e3eb22fb3bba867e23b0e24f928b63e297e8f06b1502370510d95a20b336325b24d130c134080beec2d335d3cac1bf" }
public fun first_signature_other_key(): vector<u8> { x"879a9e6659a331b3db241532f806bf0e6fed251d662d9973d254eded3f82d7d03a18334918eff4f0aac223efbaec8519552d1cbd04f2b4365c03506909c661f2" }
