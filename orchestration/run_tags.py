"""Run tags the assets read to change what a run does (set them in the launchpad or
with `wdp run`'s options)."""

REFETCH_AND_REBUILD_TAG = "wdp/refetch_and_rebuild"
"""With "true", the run asks Plaid about every item and dbt builds every model, even
those with no news since their load or build of the day (`wdp run --refetch-and-rebuild`):
after a fix in how Plaid's answers become rows, or a change dbt cannot see."""


def refetch_and_rebuild(tags: dict[str, str]) -> bool:
    return tags.get(REFETCH_AND_REBUILD_TAG, "").lower() == "true"
