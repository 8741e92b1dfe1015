"""The Sui chain family: the `aura_oracle` Move package (docs/sui.md) through Sui's GraphQL service."""
