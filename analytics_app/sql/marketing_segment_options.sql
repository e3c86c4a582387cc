-- The values each segment filter can take, from the segments mart itself.
select distinct
    'net_worth_band' as filter_name,
    net_worth_band as filter_value
from marts.dim_client_segments
where net_worth_band is not null
union
select distinct
    'opportunity_type',
    unnest(opportunity_types)
from marts.dim_client_segments
union
select distinct
    'state',
    state_code
from marts.dim_client_segments
union
select distinct
    'channel',
    signup_channel
from marts.dim_client_segments
order by filter_name, filter_value
