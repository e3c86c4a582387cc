"""`wdp run --processes`: a step forked from the preloaded forkserver finds the code
location's repository already resolved, its objects frozen out of the garbage
collector (orchestration/step_process_preload.py)."""

import json
import subprocess
import sys
import textwrap

from orchestration.defs.dbt.project import prepare_dbt_manifest
from warehouse_ddl.server import project_root

# Run in an interpreter of its own, as `wdp run` is: a process has one forkserver,
# started by whoever forks first with its preload, and the forked child re-runs the
# parent's `__main__` (inside pytest that can be a Streamlit page an earlier test ran).
A_RUN_FORKING_ONE_STEP = textwrap.dedent(
    """
    import gc
    import json
    import multiprocessing

    from dagster_shared.utils.cached_method import get_cached_method_cache


    def what_a_step_finds(answers):
        from orchestration.definitions import defs

        answers.put(
            {
                "repository_resolved": bool(get_cached_method_cache(defs, "get_repository_def")),
                "frozen_objects": gc.get_freeze_count(),
            }
        )


    if __name__ == "__main__":
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["orchestration.step_process_preload"])
        answers = context.Queue()
        step = context.Process(target=what_a_step_finds, args=(answers,))
        step.start()
        print(json.dumps(answers.get(timeout=300)))
        step.join(timeout=60)
    """
)


def test_a_step_process_finds_the_repository_resolved_and_frozen(tmp_path) -> None:
    prepare_dbt_manifest()
    run_script = tmp_path / "a_run_forking_one_step.py"
    run_script.write_text(A_RUN_FORKING_ONE_STEP)
    completed = subprocess.run(
        [sys.executable, str(run_script)],
        cwd=project_root(),
        capture_output=True,
        text=True,
        timeout=420,
    )
    assert completed.returncode == 0, completed.stderr[-4000:]
    found = json.loads(completed.stdout.strip().splitlines()[-1])
    assert found["repository_resolved"]
    # The code location, Dagster and Great Expectations: far more than a bare interpreter.
    assert found["frozen_objects"] > 100_000
