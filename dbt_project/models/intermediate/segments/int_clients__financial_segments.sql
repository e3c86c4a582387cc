-- Financial segment attributes of each client, one row per client_key at most:
-- the seam where the balance-sheet and opportunity models plug into
-- dim_client_segments without changing its grain.
--
-- Net-worth band and equity-heavy come from the client's latest row of
-- fct_balance_sheet_daily. The opportunity columns stay null until
-- fct_opportunities fills them (keep the columns and the grain).

with

balance_sheets as (
    select * from {{ ref('fct_balance_sheet_daily') }}
),

latest as (
    select distinct on (client_key) *
    from balance_sheets
    order by client_key asc, balance_date desc
),

final as (
    select
        -- ids
        client_key,

        -- attributes
        case
            when net_worth_usd < 0 then 'negative'
            when net_worth_usd < 100000 then 'under_100k'
            when net_worth_usd < 1000000 then '100k_to_1m'
            when net_worth_usd < 5000000 then '1m_to_5m'
            else '5m_plus'
        end as net_worth_band,
        null::text as top_opportunity_type,
        null::text [] as opportunity_types,

        -- flags
        -- Equity compensation (vested and unvested) is at least a quarter of
        -- everything the client holds, unvested equity included.
        coalesce(
            (vested_equity_usd + unvested_equity_usd)
            >= 0.25 * nullif(total_assets_usd + unvested_equity_usd, 0),
            false
        ) as is_equity_heavy

    from latest
)

select * from final
