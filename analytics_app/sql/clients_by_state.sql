-- Active clients per state, from the pseudonymous marts (role wdp_analyst).
select
    state_code,
    count(*) as client_count
from marts.dim_clients
where not is_deleted
group by state_code
order by client_count desc, state_code
