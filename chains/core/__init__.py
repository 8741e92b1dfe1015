"""The leaf every room shares: errors, secp256k1/keccak, base58, fixed-width byte fields, the features' wire
schema, log fields. It imports nothing of `chains` or `node`; both import it."""
