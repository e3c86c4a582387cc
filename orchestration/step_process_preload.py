"""What the forkserver of a multiprocess run loads once, before it forks any step.

Imported only as the forkserver's preload module (`orchestration.defs.jobs.
step_processes_run_config`: the nightly job's runs and `wdp run --processes`);
nothing else imports it, because importing it does the work below on purpose.

Each step of a multiprocess run is a process forked from the forkserver, in which
Dagster rebuilds the run's job from its code pointer. Importing the code location
alone left every step to resolve the repository again (asset graph, the dbt
manifest's specs, checks, jobs): about 3 s of CPU and 185 MiB of private memory
in each of the 67 steps of a nightly (docs/benchmarks.md). Resolved
here, once, every step finds it in the code location's own cache
(`Definitions.get_repository_def` is cached on `defs`) and only subsets the job
(0.2 s, 28 MiB). Great Expectations is imported here too: its import costs about
4 s, and most steps are Great Expectations checks.

`gc.freeze()` then moves everything loaded so far out of the garbage collector's
reach: a collection in a step would otherwise write to the headers of these
objects and so copy the pages the steps share.
"""

import gc

import great_expectations  # noqa: F401  (imported for the steps: see above)

from orchestration.defs.jobs import every_asset_job_in_other_processes

# Through the same reconstructable job the steps rebuild (not just `defs`): measured
# in a forked step, this leaves 0.2 s and 28 MiB to do there, `defs` alone 0.8 s and 68 MiB.
every_asset_job_in_other_processes().get_repository_definition()
gc.collect()
gc.freeze()
