{{
    config(
        materialized='incremental',
        unique_key=['account_id', 'security_id', 'as_of_date'],
        incremental_strategy='delete+insert',
        on_schema_change='append_new_columns',
        indexes=[{'columns': ['client_key', 'as_of_date']}],
    )
}}

-- Indexed for the concierge snapshot (concierge.client_snapshot), which reads one
-- client's rows, instead of scanning every client's rows on each view.
-- (dbt creates an incremental model's indexes when it creates the table.)

-- Each holding per account, security and day with its value, cost basis
-- (from its tax lots) and unrealized gain. Incremental like
-- fct_balance_sheet_daily: new days and the last few are rebuilt.

with

valued_holdings as (
    select * from {{ ref('int_holdings__valued_daily') }}
),

holdings as (
    select * from valued_holdings
    {% if is_incremental() %}
        where
            as_of_date >= (
                select max(built.as_of_date) - {{ var('balance_sheet_lookback_days', 3) }}
                from {{ this }} as built
            )
            or not exists (
                select 1 from {{ this }} as built
                where built.as_of_date = valued_holdings.as_of_date
            )
    {% endif %}
),

final as (
    select
        -- ids
        client_key,
        account_id,
        security_id,

        -- dates
        as_of_date,

        -- attributes
        ticker_symbol,
        security_name,
        security_type,
        account_subtype,
        tax_lot_count,

        -- amounts
        quantity,
        close_price_usd,
        market_value_usd,
        cost_basis_usd,
        unrealized_gain_usd,

        -- flags
        is_taxable_account,
        is_cash_equivalent

    from holdings
)

select * from final
