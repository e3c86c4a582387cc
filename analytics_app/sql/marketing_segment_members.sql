-- The pseudonymous client_keys of the segment, for CSV export.
select client_key
from marts.dim_client_segments
where
    (
        cardinality(cast(:net_worth_bands as text [])) = 0
        or net_worth_band = any(cast(:net_worth_bands as text []))
    )
    and (not :equity_heavy_only or coalesce(is_equity_heavy, false))
    and (
        cast(:opportunity_type as text) is null
        or cast(:opportunity_type as text) = any(opportunity_types)
    )
    and (
        cardinality(cast(:states as text [])) = 0
        or state_code = any(cast(:states as text []))
    )
    and (
        cardinality(cast(:channels as text [])) = 0
        or signup_channel = any(cast(:channels as text []))
    )
order by client_key
