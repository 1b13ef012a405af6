"""ECP5 implementation flow helpers (yosys / nextpnr from the yowasp PyPI packages)."""
