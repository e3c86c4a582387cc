"""`wdp run --processes`: a step forked from the preloaded forkserver finds the code
location's repository already resolved, its objects frozen out of the garbage
collector (orchestration/step_process_preload.py)."""

import gc
import multiprocessing

from dagster_shared.utils.cached_method import get_cached_method_cache

from orchestration.defs.dbt.project import prepare_dbt_manifest


def _what_a_step_finds(answers: multiprocessing.Queue) -> None:
    from orchestration.definitions import defs

    answers.put(
        {
            "repository_resolved": bool(get_cached_method_cache(defs, "get_repository_def")),
            "frozen_objects": gc.get_freeze_count(),
        }
    )


def test_a_step_process_finds_the_repository_resolved_and_frozen() -> None:
    prepare_dbt_manifest()
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["orchestration.step_process_preload"])
    answers = context.Queue()
    step = context.Process(target=_what_a_step_finds, args=(answers,))
    step.start()
    try:
        found = answers.get(timeout=300)
    finally:
        step.join(timeout=60)
    assert found["repository_resolved"]
    # The code location, Dagster and Great Expectations: far more than a bare interpreter.
    assert found["frozen_objects"] > 100_000
