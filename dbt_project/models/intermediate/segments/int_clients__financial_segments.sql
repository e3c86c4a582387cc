-- Financial segment attributes of each client, one row per client_key at most:
-- the seam where the balance-sheet and opportunity models plug into
-- dim_client_segments without changing its grain.
--
-- Placeholder until fct_balance_sheet_daily and fct_opportunities exist: it has
-- the final columns and types but no rows, so dim_client_segments shows nulls.
-- Replace the body (keep the columns and the one-row-per-client grain) when
-- those marts land.

with

clients as (
    select * from {{ ref('stg_app__clients') }}
),

final as (
    select
        -- ids
        client_key,

        -- attributes
        null::text as net_worth_band,
        null::text as top_opportunity_type,
        null::text [] as opportunity_types,

        -- flags
        null::boolean as is_equity_heavy

    from clients
    where false
)

select * from final
