"""Queries of the app: SQL files run through `st.connection`, cached per role."""
