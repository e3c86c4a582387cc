"""Equity and tax documents: the landing-area asset, its sensor and its checks."""
