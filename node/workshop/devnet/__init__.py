"""Local chains for development and tests: processes the node starts and stops itself."""
