-- ISO grants of private companies with their vested, unexercised shares and
-- bargain element at the as-of day (409A fair market value in force minus the
-- strike). Vesting: whole months since the vesting start (a month counts once
-- its day is reached); nothing before the cliff; then in steps of the vesting
-- frequency (monthly for options when the export does not say), capped at the
-- vesting months; vested = floor(shares x months / vesting months).
with

clients as (
    select * from {{ ref('int_clients__as_of') }}
),

grants as (
    select * from {{ ref('stg_documents__equity_grants') }}
),

valuations as (
    select * from {{ ref('stg_documents__fmv_409a_valuations') }}
),

latest_grant_rows as (
    -- A grant exported in several files: the latest load wins.
    select
        *,
        row_number() over (
            partition by client_key, grant_id order by loaded_at desc, file_sha256 asc
        ) as copy_number
    from grants
    where grant_type = 'ISO'
),

grant_months as (
    select
        latest_grant_rows.*,
        clients.as_of_date,
        coalesce(latest_grant_rows.vest_frequency_months, 1) as step_months,
        (
            extract(year from clients.as_of_date)
            - extract(year from latest_grant_rows.vesting_start_date)
        )
        * 12
        + extract(month from clients.as_of_date)
        - extract(month from latest_grant_rows.vesting_start_date)
        - case
            when
                extract(day from clients.as_of_date)
                < extract(day from latest_grant_rows.vesting_start_date)
                then 1
            else 0
        end as months_since_vesting_start
    from latest_grant_rows
    inner join clients on latest_grant_rows.client_key = clients.client_key
    where latest_grant_rows.copy_number = 1
),

fmv_in_force as (
    select distinct on (grant_months.client_key, grant_months.grant_id)
        grant_months.client_key,
        grant_months.grant_id,
        valuations.fmv_per_share_usd
    from grant_months
    inner join valuations
        on
            grant_months.employer_name = valuations.employer_name
            and grant_months.as_of_date >= valuations.valuation_date
    order by
        grant_months.client_key asc,
        grant_months.grant_id asc,
        valuations.valuation_date desc,
        valuations.loaded_at desc
),

vested as (
    select
        grant_months.*,
        fmv_in_force.fmv_per_share_usd,
        case
            when grant_months.months_since_vesting_start < grant_months.cliff_months then 0
            else
                floor(
                    grant_months.shares_granted
                    * least(
                        grant_months.months_since_vesting_start
                        - mod(grant_months.months_since_vesting_start, grant_months.step_months),
                        grant_months.vesting_months
                    )
                    / grant_months.vesting_months
                )
        end as vested_shares
    from grant_months
    inner join fmv_in_force
        on
            grant_months.client_key = fmv_in_force.client_key
            and grant_months.grant_id = fmv_in_force.grant_id
),

final as (
    select
        -- ids
        client_key,
        grant_id,

        -- attributes
        employer_name,

        -- amounts
        shares_granted,
        vested_shares::numeric(20, 4) as vested_shares,
        exercised_shares,
        greatest(vested_shares - exercised_shares, 0)::numeric(20, 4) as vested_unexercised_shares,
        strike_price_usd,
        fmv_per_share_usd,
        fmv_per_share_usd - coalesce(strike_price_usd, 0) as spread_per_share_usd,
        case
            when
                fmv_per_share_usd > coalesce(strike_price_usd, 0)
                and vested_shares > exercised_shares
                then round(
                    (vested_shares - exercised_shares)
                    * (fmv_per_share_usd - coalesce(strike_price_usd, 0)),
                    2
                )
            else 0
        end::numeric(14, 2) as bargain_element_usd,

        -- dates
        as_of_date,

        -- flags
        fmv_per_share_usd > coalesce(strike_price_usd, 0)
        and vested_shares > exercised_shares as is_exercisable_in_the_money

    from vested
)

select * from final
