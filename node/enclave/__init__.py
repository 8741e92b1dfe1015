"""The enclave: a separate process that owns the signing key, scores wallets itself and signs assessments.

The host talks to it only through `node.enclave.client` (a framed protocol on a Unix socket, see
docs/protocol.md). Importing this package imports nothing else, so the host never loads the key code.
"""

PROTOCOL_VERSION = 1
