"""The one daily partitioning of the platform, shared by every daily asset.

One definition, because a job (the nightly one) may only hold assets with the
same partitions; `end_offset=1` makes today's partition available before midnight
so the nightly run and sensors can load the day in progress.
"""

import dagster as dg

DAILY_PARTITIONS = dg.DailyPartitionsDefinition(start_date="2023-01-01", end_offset=1)
