"""Between operators (docs/quorum.md): which operator leads a request (`leader`), what one serves its peers
(`answer`, `peer_api`), how a peer's answer is fetched and authenticated (`peer_client`, `rate`), and whether it
signed the payload we did (`agreement`)."""
