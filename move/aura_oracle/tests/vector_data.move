// Written by tests/vectors/make_sui_vector.py from tests/vectors/sui.json: do not edit.
#[test_only]
module aura_oracle::vector_data;

public fun oracle_id(): ID { object::id_from_address(@0x034401905bebdf8c04f3cd5f04f442a39372c8dc321c29edfb4f9cb30b23ab96) }
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

public fun first_request_id(): ID { object::id_from_address(@0x01c5e4703d8ab941c77c53ac590c7764b9e6f197cd1bb6692613a1d3df9a2564) }
public fun first_score(): u16 { 742 }
public fun first_tier(): u8 { 1 }
public fun first_pd_bps(): u16 { 350 }
public fun first_flags(): u32 { 8 }
public fun first_commitment(): vector<u8> { x"eecd44c8afc828c3f0d17d6b43494f47d50fbb71091e01d831d6fe097a0fe8f5" }
public fun first_timestamp_ms(): u64 { 1700000000000 }
public fun first_expiry_ms(): u64 { 1700000600000 }
public fun first_intent_message(): vector<u8> { x"010068e5cf8b010000034401905bebdf8c04f3cd5f04f442a39372c8dc321c29edfb4f9cb30b23ab9601c5e4703d8ab941c77c53ac590c7764b9e6f197cd1bb6692613a1d3df9a2564a152a8f6332db5adc9d4b838771d35b8d2f1bff12b2e93b7f46e4586a3a7bf7be602015e0108000000206ca02a2b8d1d6efa9a3397498fa55ab022ff55d032b04ab6d91d106923583cc520eecd44c8afc828c3f0d17d6b43494f47d50fbb71091e01d831d6fe097a0fe8f5c08feecf8b010000" }
public fun first_digest(): vector<u8> { x"3de0de9b942e751232cefe5b70385091ded9f8eb6e1f1659d798273e4209c0b8" }
public fun first_signature(): vector<u8> { x"f84eb746bd6d09c1793b6c36994c5ce3d6e475f3ace494c0db533372a1dbd44e0e11ac16fe99c5ab78b17514cacf29ab951e8c31f6054a27a903907f00cfd558" }

public fun second_request_id(): ID { object::id_from_address(@0x489d325645528066bd5fc2fd6e54cedebd2d7e98aa6095740a6b892e1b1c09f7) }
public fun second_score(): u16 { 801 }
public fun second_tier(): u8 { 0 }
public fun second_pd_bps(): u16 { 210 }
public fun second_flags(): u32 { 8 }
public fun second_commitment(): vector<u8> { x"6f16899516a0088c4d176b8d54ef08046eb344948e434cc15e613f7573ad4343" }
public fun second_timestamp_ms(): u64 { 1700000060000 }
public fun second_expiry_ms(): u64 { 1700000660000 }
public fun second_intent_message(): vector<u8> { x"016052e6cf8b010000034401905bebdf8c04f3cd5f04f442a39372c8dc321c29edfb4f9cb30b23ab96489d325645528066bd5fc2fd6e54cedebd2d7e98aa6095740a6b892e1b1c09f7a152a8f6332db5adc9d4b838771d35b8d2f1bff12b2e93b7f46e4586a3a7bf7b210300d20008000000206ca02a2b8d1d6efa9a3397498fa55ab022ff55d032b04ab6d91d106923583cc5206f16899516a0088c4d176b8d54ef08046eb344948e434cc15e613f7573ad4343207aefcf8b010000" }
public fun second_digest(): vector<u8> { x"a151d314fc005cb6ed9d8112f9a626db6a98cd79fa829acc0f498d7d4c24cc6f" }
public fun second_signature(): vector<u8> { x"66ab627eb9c4ee9305cde183ecdcca6bc72d4cef93031d5b5f4670298e9ee2c20e0bde67764a097efbf7b2b674ddf1e2dcc44047ec2623c21fa1b87c6a65230d" }

public fun first_signature_high_s(): vector<u8> { x"f84eb746bd6d09c1793b6c36994c5ce3d6e475f3ace494c0db533372a1dbd44ef1ee53e901663a54874e8aeb3530d653259050b4b943561416cece0dcf666be9" }
public fun first_signature_other_key(): vector<u8> { x"817ea0f37f6191d10c6adcb5ac8294cae810dd4bdca92116f5c343241a72d0a962cfb93763a07e9ff90afd6598f04ea04769a78fdbae68d20f17f7ce9dc60bbc" }
