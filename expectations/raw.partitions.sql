-- Every loaded raw-zone partition (raw._partitions, from the manifests) with the quarantined share
-- of the extraction run that wrote it, set against the threshold $max_quarantine_share
-- (INSIGHTS_MAX_QUARANTINE_SHARE, the limit the extraction checks before writing any manifest).
-- A partition whose run set aside more than the threshold allows has its records in the warehouse
-- although the run should have failed.
select
    partitions.source as source,
    partitions.stream as stream,
    partitions.partition as partition,
    partitions.rows as rows,
    partitions.quarantined as quarantined,
    partitions.run_quarantined_share as run_quarantined_share,
    partitions.loaded_at as loaded_at,
    cast($max_quarantine_share as double) as max_quarantine_share
from raw._partitions as partitions
order by partitions.source, partitions.stream, partitions.partition
