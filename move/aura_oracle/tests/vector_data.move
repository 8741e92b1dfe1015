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
public fun first_commitment(): vector<u8> { x"23e7b567625f932a146e9f664f604b032f554cd8ef1edaa7fbbc974cba9d486b" }
public fun first_checkpoint(): u64 { 90000000 }
public fun first_checkpoint_digest(): vector<u8> { x"422c5975993a46b85ff4f981a8c79aeda28144a1279e86974af985693739c536" }
public fun first_features_hash(): vector<u8> { x"8abd9f60444bf5111f37307d90d088d78215bd33190c937d14b5acff26339d86" }
public fun first_timestamp_ms(): u64 { 1700000000000 }
public fun first_expiry_ms(): u64 { 1700000600000 }
public fun first_intent_message(): vector<u8> { x"010068e5cf8b010000034401905bebdf8c04f3cd5f04f442a39372c8dc321c29edfb4f9cb30b23ab9601c5e4703d8ab941c77c53ac590c7764b9e6f197cd1bb6692613a1d3df9a2564a152a8f6332db5adc9d4b838771d35b8d2f1bff12b2e93b7f46e4586a3a7bf7be602015e0108000000206ca02a2b8d1d6efa9a3397498fa55ab022ff55d032b04ab6d91d106923583cc52023e7b567625f932a146e9f664f604b032f554cd8ef1edaa7fbbc974cba9d486b804a5d050000000020422c5975993a46b85ff4f981a8c79aeda28144a1279e86974af985693739c536208abd9f60444bf5111f37307d90d088d78215bd33190c937d14b5acff26339d86c08feecf8b010000" }
public fun first_digest(): vector<u8> { x"6c5a065c619fe767a765e804e2095e4911e4e2ea4915f70bfc8a4a240db1b4ac" }
public fun first_signature(): vector<u8> { x"f12b3ab1bf605c05f1b3c002ecb5b86e0da746789ea71741ed41a1409dfc8baa1a6ef583105ca6a6fbb8180614da41168ad6c70131fb85e38d496d9de9581e05" }

public fun second_request_id(): ID { object::id_from_address(@0x489d325645528066bd5fc2fd6e54cedebd2d7e98aa6095740a6b892e1b1c09f7) }
public fun second_score(): u16 { 801 }
public fun second_tier(): u8 { 0 }
public fun second_pd_bps(): u16 { 210 }
public fun second_flags(): u32 { 8 }
public fun second_commitment(): vector<u8> { x"1eb58d702d26c73357a40720b6c6f3d95a235cfe403d8a7ee85bb2c3bee73599" }
public fun second_checkpoint(): u64 { 90000240 }
public fun second_checkpoint_digest(): vector<u8> { x"8d5eb7621b4de0bee23a45c48431658d4d85439bc72667d28771f04e2ae49c49" }
public fun second_features_hash(): vector<u8> { x"c56c7531a48d5aae921d4bc22f76633b9fc65a9048e67f9ad1220c79f6cd568c" }
public fun second_timestamp_ms(): u64 { 1700000060000 }
public fun second_expiry_ms(): u64 { 1700000660000 }
public fun second_intent_message(): vector<u8> { x"016052e6cf8b010000034401905bebdf8c04f3cd5f04f442a39372c8dc321c29edfb4f9cb30b23ab96489d325645528066bd5fc2fd6e54cedebd2d7e98aa6095740a6b892e1b1c09f7a152a8f6332db5adc9d4b838771d35b8d2f1bff12b2e93b7f46e4586a3a7bf7b210300d20008000000206ca02a2b8d1d6efa9a3397498fa55ab022ff55d032b04ab6d91d106923583cc5201eb58d702d26c73357a40720b6c6f3d95a235cfe403d8a7ee85bb2c3bee73599704b5d0500000000208d5eb7621b4de0bee23a45c48431658d4d85439bc72667d28771f04e2ae49c4920c56c7531a48d5aae921d4bc22f76633b9fc65a9048e67f9ad1220c79f6cd568c207aefcf8b010000" }
public fun second_digest(): vector<u8> { x"6de2334ec626da0e4b8b408b1895f274b41d360dab1e070a3c1d606dbf923462" }
public fun second_signature(): vector<u8> { x"dd7996252664f6878a4d526d0ae85d8a10c86f1d33b36faeb5a01986549c61246c0eed10996d68f3f2c1585a875435f6899bb54bd26e91e8cd70d358738c50f5" }

public fun private_request_id(): ID { object::id_from_address(@0x4b91c69db001e4d18e0c79058e6b83167d016a3ff50d13f17f35d3ef9e32fe5f) }
public fun private_score(): u16 { 0 }
public fun private_tier(): u8 { 255 }
public fun private_pd_bps(): u16 { 0 }
public fun private_flags(): u32 { 8 }
public fun private_commitment(): vector<u8> { x"02f60ada72685ccabd1cd758b7bf6ca226af40cc55594fe8b58b1bf0f64ee3dd" }
public fun private_checkpoint(): u64 { 90000120 }
public fun private_checkpoint_digest(): vector<u8> { x"962acb440c9e0b47141e926af5ad8de23f449ea82d4cbdf181a18a775d305bf8" }
public fun private_features_hash(): vector<u8> { x"6a5fa5c413f42d19436e90b86d5e740e51ffb5c4e6a3535bc8898cea2f471bf9" }
public fun private_timestamp_ms(): u64 { 1700000030000 }
public fun private_expiry_ms(): u64 { 1700000630000 }
public fun private_intent_message(): vector<u8> { x"0130dde5cf8b010000034401905bebdf8c04f3cd5f04f442a39372c8dc321c29edfb4f9cb30b23ab964b91c69db001e4d18e0c79058e6b83167d016a3ff50d13f17f35d3ef9e32fe5fa152a8f6332db5adc9d4b838771d35b8d2f1bff12b2e93b7f46e4586a3a7bf7b0000ff000008000000206ca02a2b8d1d6efa9a3397498fa55ab022ff55d032b04ab6d91d106923583cc52002f60ada72685ccabd1cd758b7bf6ca226af40cc55594fe8b58b1bf0f64ee3ddf84a5d050000000020962acb440c9e0b47141e926af5ad8de23f449ea82d4cbdf181a18a775d305bf8206a5fa5c413f42d19436e90b86d5e740e51ffb5c4e6a3535bc8898cea2f471bf9f004efcf8b010000" }
public fun private_digest(): vector<u8> { x"54f3d30adad6d2d910423192c50d8f66e102eb7f792ef4f96230c455121fb69c" }
public fun private_signature(): vector<u8> { x"b9ddcf980dec9e7f5ac3fb912a1591e1306e76424dff9e9eb1fc36b607f9d0f24a39d8db9096e5a36b8759e9cdccf33472ed73518972eb524bd28bf7046e9e46" }

public fun first_signature_high_s(): vector<u8> { x"f12b3ab1bf605c05f1b3c002ecb5b86e0da746789ea71741ed41a1409dfc8baae5910a7cefa359590447e7f9eb25bee82fd815e57d4d1a583288f0eee6de233c" }
public fun first_signature_other_key(): vector<u8> { x"e8080c1abf13ac445ee75fa385f07071d3b0c0e5ed2c37643d0eb254a574186b7904e2a6dbaf287d5b93f0c685ae19455b6bc004d629f0a185be0f8e754d14f4" }

// The quorum: three keys in ascending order of their addresses, and their signatures over each message.
public fun quorum_public_keys(): vector<vector<u8>> { vector[x"0390816dc61abef4e17113ff8ed2f2a64101f141216a9a03579e7f2f83e7d1cfce", x"022eaebaa95a380e9e0a1508d0fffece70626e6b06861a7a54c522e53eee999e76", x"02f179c27d8d799943f3d41fb4a271ec05fa5cf40eff5fcff5dd139cde65574b5a"] }
public fun quorum_addresses(): vector<vector<u8>> { vector[x"4f2f123cdf78f42b80862431fb34f80ae8ee63dd", x"fa24391ee6d31a50ee13b89ac24e57ba751237c4", x"fbaf0e74a20c618510b642f7b6f08bf7077a5fe3"] }
public fun quorum_first_signatures(): vector<vector<u8>> { vector[x"687b66b6cf476bfb68f8cc077de6e1c2c5536d58e3d002163bbc39f321c06f725c48019202ffce6c98a6e54336ee6e9c93e89a6fd7d53e70d35ca89e7ded5846", x"c109989738ab809aca5d664b784fffbe4d045c1a23b45986616416782f41eb8038dc27b1d8c007be5dda8eb6e67b66cdc3c3144d85f02168c4f5f59ff2fa9231", x"398979d815f9e130bbd4a50a65bc5aa1b4a877bdae779235b13352c7e268b8751a569d52f8490910f58f01a8e79aa9d9ac398801dab3ae78cb9329d6a758698b"] }
public fun quorum_second_signatures(): vector<vector<u8>> { vector[x"a920f0ad74c3d88bd81acd5fe47e3adf24f251e243b6704bf57d1bb40b1d2aee50f2358d9e32ee42b6f451b4ee4d7859e604c1e36c0f73694376029c93c9c5dc", x"13828a42bb06bda79a84898d4503521f3849cbe04136b5b0a2db415eeb8af1b90c86b7b0fc0448a11188a8ac9425d99edad9431f56d8ada3594c73e8939566a4", x"ff65d77a374721d78c13c026e8abd304bc457c0607296862356eb59bf4e04880697bf267fe7b65ee293b38299329cfebac49689192fcdb3c13af04548361113b"] }
public fun quorum_private_signatures(): vector<vector<u8>> { vector[x"a82afa8b91777f47406914657bb8590f264c72a54bbd64ed3764fb46caf6601e6ee0d406206f2baf045ab8bab21bc62f69433d39327ccc4d58f02be7ca5d9cfd", x"87bccb8f4761f2f558166db5847c8d24b82088654d99efae2836699b9a1e1a1f7a4792709b6e7b0124fe60b24bf374257f5aab2d35560b1e2cbe5a54911c752e", x"d59454c7986e6baa147a79858fddea6631d7d676909f24fd76a1b3179f559ed92359fa8e79974683ff6d75d2b9105cc34fc938d5cf46d3224c913d483a10e3a3"] }
public fun quorum_high_s_signer(): u64 { 1 }
public fun quorum_first_signature_high_s(): vector<u8> { x"c109989738ab809aca5d664b784fffbe4d045c1a23b45986616416782f41eb80c723d84e273ff841a225714919849930f6ebc89929587ed2fadc68ecdd3baf10" }
