"""EVM chains: the oracle contract through web3.py."""
