"""Fault drills: break the real platform on purpose and count what survives (`make drill`).

See drills.catalog for the drills and drills.session for the platform they break.
"""
