"""The discovery app (Streamlit): pages per persona, queries in modules, SQL in files.

Imports `privacy` at most; never `ingestion` or `orchestration` (DESIGN §2).
"""
