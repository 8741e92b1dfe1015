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
public fun first_checkpoint(): u64 { 90000000 }
public fun first_checkpoint_digest(): vector<u8> { x"422c5975993a46b85ff4f981a8c79aeda28144a1279e86974af985693739c536" }
public fun first_features_hash(): vector<u8> { x"8abd9f60444bf5111f37307d90d088d78215bd33190c937d14b5acff26339d86" }
public fun first_timestamp_ms(): u64 { 1700000000000 }
public fun first_expiry_ms(): u64 { 1700000600000 }
public fun first_intent_message(): vector<u8> { x"010068e5cf8b010000034401905bebdf8c04f3cd5f04f442a39372c8dc321c29edfb4f9cb30b23ab9601c5e4703d8ab941c77c53ac590c7764b9e6f197cd1bb6692613a1d3df9a2564a152a8f6332db5adc9d4b838771d35b8d2f1bff12b2e93b7f46e4586a3a7bf7be602015e0108000000206ca02a2b8d1d6efa9a3397498fa55ab022ff55d032b04ab6d91d106923583cc520eecd44c8afc828c3f0d17d6b43494f47d50fbb71091e01d831d6fe097a0fe8f5804a5d050000000020422c5975993a46b85ff4f981a8c79aeda28144a1279e86974af985693739c536208abd9f60444bf5111f37307d90d088d78215bd33190c937d14b5acff26339d86c08feecf8b010000" }
public fun first_digest(): vector<u8> { x"c83ed084f6363e2c79be4442aa8b4cb6e52d9f828654123829eb969ded4e4cbd" }
public fun first_signature(): vector<u8> { x"a0452e3f4037c3a299842936d24229cd1572b108193909402f3946e7c334d3070dba0de5772cb33287c27bedff00e25f0ff6ef7711323b9be50d001c2d8ea1c6" }

public fun second_request_id(): ID { object::id_from_address(@0x489d325645528066bd5fc2fd6e54cedebd2d7e98aa6095740a6b892e1b1c09f7) }
public fun second_score(): u16 { 801 }
public fun second_tier(): u8 { 0 }
public fun second_pd_bps(): u16 { 210 }
public fun second_flags(): u32 { 8 }
public fun second_commitment(): vector<u8> { x"6f16899516a0088c4d176b8d54ef08046eb344948e434cc15e613f7573ad4343" }
public fun second_checkpoint(): u64 { 90000240 }
public fun second_checkpoint_digest(): vector<u8> { x"8d5eb7621b4de0bee23a45c48431658d4d85439bc72667d28771f04e2ae49c49" }
public fun second_features_hash(): vector<u8> { x"c56c7531a48d5aae921d4bc22f76633b9fc65a9048e67f9ad1220c79f6cd568c" }
public fun second_timestamp_ms(): u64 { 1700000060000 }
public fun second_expiry_ms(): u64 { 1700000660000 }
public fun second_intent_message(): vector<u8> { x"016052e6cf8b010000034401905bebdf8c04f3cd5f04f442a39372c8dc321c29edfb4f9cb30b23ab96489d325645528066bd5fc2fd6e54cedebd2d7e98aa6095740a6b892e1b1c09f7a152a8f6332db5adc9d4b838771d35b8d2f1bff12b2e93b7f46e4586a3a7bf7b210300d20008000000206ca02a2b8d1d6efa9a3397498fa55ab022ff55d032b04ab6d91d106923583cc5206f16899516a0088c4d176b8d54ef08046eb344948e434cc15e613f7573ad4343704b5d0500000000208d5eb7621b4de0bee23a45c48431658d4d85439bc72667d28771f04e2ae49c4920c56c7531a48d5aae921d4bc22f76633b9fc65a9048e67f9ad1220c79f6cd568c207aefcf8b010000" }
public fun second_digest(): vector<u8> { x"e9ccadf3482bf4420eb5ffc66a4403c202b2cfad9c8c9131d61379c31a6dc895" }
public fun second_signature(): vector<u8> { x"a88f5dfd904636e9a2c278103e9fa63b63cebbb983b40ddb9e4d8497edeab3727cafd366fe3113d327f31cd8a34f5c169e73740d802edb51bc0c44069bb256a9" }

public fun first_signature_high_s(): vector<u8> { x"a0452e3f4037c3a299842936d24229cd1572b108193909402f3946e7c334d307f245f21a88d34ccd783d841200ff1d9faab7ed6f9e16649fdac55e70a2a79f7b" }
public fun first_signature_other_key(): vector<u8> { x"d1c583ae21767889a728f749bbaee28f33ce1800855bdce330c73e16502b8ed1615b8b30efd267c04594e24b32e43b6d1461ae9b87c46d25a0ef05844f73da22" }

// The quorum: three keys in ascending order of their addresses, and their signatures over each message.
public fun quorum_public_keys(): vector<vector<u8>> { vector[x"0390816dc61abef4e17113ff8ed2f2a64101f141216a9a03579e7f2f83e7d1cfce", x"022eaebaa95a380e9e0a1508d0fffece70626e6b06861a7a54c522e53eee999e76", x"02f179c27d8d799943f3d41fb4a271ec05fa5cf40eff5fcff5dd139cde65574b5a"] }
public fun quorum_addresses(): vector<vector<u8>> { vector[x"4f2f123cdf78f42b80862431fb34f80ae8ee63dd", x"fa24391ee6d31a50ee13b89ac24e57ba751237c4", x"fbaf0e74a20c618510b642f7b6f08bf7077a5fe3"] }
public fun quorum_first_signatures(): vector<vector<u8>> { vector[x"d839de79d308ab75e97930184fe36b00b17b58fb856cdb591685c163c71653f2541de06ba8cc6cb5ee31beefc7886d6de35feaee32e7a8551c0527ce70dc400b", x"eff3665c9e6141caa60016c18ada8e8e815b396d2990773f83ad50204a5b834c2ff01cc9f134976bccd859f9bb2660b3a641b4195ca6da0eac0a7ea9c286a97a", x"5c28d804349069351b584359dc1803119da6207090bf4422430b45bde164f0f37a9a103bdd5b3d8361d2a0c4f339d75cbb238a13dcb373c67b553a3bf5a088e5"] }
public fun quorum_second_signatures(): vector<vector<u8>> { vector[x"475d92684c898c4506e5eae6b2b2f90376e9317d391a2ca2c9c931b82cf1cae15d34677b240fb113647026eb49f929b00c9a7422985b74e17955a2e86783b503", x"f8b13b1160978d5e07ded188f9e55b1eafa12bb1cd192e2b1960dc150421fa49440058ee2d2bb6aae8988c7e507e017e782bf36ba9f05fe291cba3898dced61f", x"a0d1128d4afd7fe734e8c6c9be6ee28f0c6f8e8332891d6980488950b2f7b9780c9bcc8609e041ab8f792c1c2a0e9d7d9c9e3644b6bc9d3f5c0a151743b0640d"] }
public fun quorum_high_s_signer(): u64 { 1 }
public fun quorum_first_signature_high_s(): vector<u8> { x"eff3665c9e6141caa60016c18ada8e8e815b396d2990773f83ad50204a5b834cd00fe3360ecb68943327a60644d99f4b146d28cd52a1c62d13c7dfe30daf97c7" }
