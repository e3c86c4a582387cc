{{
    config(
        materialized='incremental',
        unique_key=['client_key', 'balance_date'],
        incremental_strategy='delete+insert',
        on_schema_change='append_new_columns',
        indexes=[{'columns': ['client_key', 'balance_date'], 'unique': True}],
    )
}}

-- Indexed for the concierge snapshot (concierge.client_snapshot), which reads one
-- client's rows, instead of scanning every client's rows on each view.
-- (dbt creates an incremental model's indexes when it creates the table.)

-- Each active client's personal balance sheet on each day a Plaid balance
-- snapshot was loaded. Formulas in the model's docs (_finance__models.yml);
-- the lines follow sandbox/README.md "Truth files" (net_worth_daily).
-- Incremental: a run rebuilds the days not built yet and the last
-- `balance_sheet_lookback_days` days (late snapshots, re-loaded items); a
-- full refresh rebuilds history (e.g. after manual assets were edited).

with

clients as (
    select * from {{ ref('stg_app__clients') }}
),

accounts as (
    select * from {{ ref('int_accounts__classified') }}
),

balances as (
    select * from {{ ref('stg_plaid__balances_daily') }}
),

manual_assets as (
    select * from {{ ref('stg_app__manual_assets') }}
),

equity as (
    select * from {{ ref('int_equity_grants__valued_daily') }}
),

holdings as (
    select * from {{ ref('int_holdings__valued_daily') }}
),

tax_rates as (
    select * from {{ ref('balance_sheet_tax_rate_assumptions') }}
),

balance_dates as (
    select distinct balance_date from balances
    {% if is_incremental() %}
        where
            balance_date >= (
                select max(built.balance_date) - {{ var('balance_sheet_lookback_days', 3) }}
                from {{ this }} as built
            )
            or not exists (
                select 1 from {{ this }} as built
                where built.balance_date = balances.balance_date
            )
    {% endif %}
),

client_days as (
    select
        clients.client_key,
        balance_dates.balance_date
    from clients
    cross join balance_dates
    where not clients.is_deleted
),

account_lines as (
    -- Plaid's signs: `current` is the value held for depository and investment
    -- accounts, and the amount owed (positive) for credit and loan accounts,
    -- so every line is a sum of positive amounts.
    select
        accounts.client_key,
        balances.balance_date,
        sum(balances.current_balance) filter (where accounts.balance_sheet_line = 'cash_usd')
            as cash_usd,
        sum(balances.current_balance) filter (
            where accounts.balance_sheet_line = 'taxable_investments_usd'
        ) as taxable_investments_usd,
        sum(balances.current_balance) filter (
            where accounts.balance_sheet_line = 'retirement_usd'
        ) as retirement_usd,
        sum(balances.current_balance) filter (
            where accounts.balance_sheet_line = 'other_assets_usd'
        ) as other_account_assets_usd,
        sum(balances.current_balance) filter (
            where accounts.balance_sheet_line = 'credit_card_usd'
        ) as credit_card_usd,
        sum(balances.current_balance) filter (
            where accounts.balance_sheet_line = 'student_loan_usd'
        ) as student_loan_usd,
        sum(balances.current_balance) filter (
            where accounts.balance_sheet_line = 'mortgage_usd'
        ) as mortgage_usd,
        sum(balances.current_balance) filter (
            where accounts.balance_sheet_line = 'other_debt_usd'
        ) as other_debt_usd
    from balances
    inner join accounts on balances.account_id = accounts.account_id
    group by accounts.client_key, balances.balance_date
),

manual_asset_totals as (
    -- The app keeps only each asset's current value: it counts on every day.
    select
        client_key,
        sum(value_usd) as manual_assets_usd
    from manual_assets
    where not is_deleted
    group by client_key
),

equity_totals as (
    select
        client_key,
        balance_date,
        sum(vested_value_usd) as vested_equity_usd,
        sum(unvested_value_usd) as unvested_equity_usd,
        sum(vested_option_spread_usd) as vested_option_spread_usd
    from equity
    group by client_key, balance_date
),

unrealized_gains as (
    select
        client_key,
        as_of_date as balance_date,
        sum(unrealized_gain_usd) as taxable_unrealized_gain_usd
    from holdings
    where is_taxable_account
    group by client_key, as_of_date
),

rates as (
    -- Each day takes the rates of its tax year, or of the latest earlier year.
    select
        balance_dates.balance_date,
        (
            select tax_rates.rate_pct from tax_rates
            where
                tax_rates.assumption_name = 'long_term_capital_gains_rate'
                and tax_rates.tax_year <= extract(year from balance_dates.balance_date)
            order by tax_rates.tax_year desc
            limit 1
        ) as capital_gains_rate_pct,
        (
            select tax_rates.rate_pct from tax_rates
            where
                tax_rates.assumption_name = 'ordinary_income_rate'
                and tax_rates.tax_year <= extract(year from balance_dates.balance_date)
            order by tax_rates.tax_year desc
            limit 1
        ) as ordinary_income_rate_pct
    from balance_dates
),

lines as (
    select
        client_days.client_key,
        client_days.balance_date,
        coalesce(account_lines.cash_usd, 0) as cash_usd,
        coalesce(account_lines.taxable_investments_usd, 0) as taxable_investments_usd,
        coalesce(account_lines.retirement_usd, 0) as retirement_usd,
        coalesce(equity_totals.vested_equity_usd, 0) as vested_equity_usd,
        coalesce(equity_totals.unvested_equity_usd, 0) as unvested_equity_usd,
        coalesce(manual_asset_totals.manual_assets_usd, 0)
        + coalesce(account_lines.other_account_assets_usd, 0) as other_assets_usd,
        coalesce(account_lines.credit_card_usd, 0) as credit_card_usd,
        coalesce(account_lines.student_loan_usd, 0) as student_loan_usd,
        coalesce(account_lines.mortgage_usd, 0) as mortgage_usd,
        coalesce(account_lines.other_debt_usd, 0) as other_debt_usd,
        round(
            greatest(coalesce(unrealized_gains.taxable_unrealized_gain_usd, 0), 0)
            * coalesce(rates.capital_gains_rate_pct, 0) / 100,
            2
        ) as unrealized_gains_tax_usd,
        round(
            coalesce(equity_totals.vested_option_spread_usd, 0)
            * coalesce(rates.ordinary_income_rate_pct, 0) / 100,
            2
        ) as option_spread_tax_usd
    from client_days
    left join account_lines
        on
            client_days.client_key = account_lines.client_key
            and client_days.balance_date = account_lines.balance_date
    left join manual_asset_totals on client_days.client_key = manual_asset_totals.client_key
    left join equity_totals
        on
            client_days.client_key = equity_totals.client_key
            and client_days.balance_date = equity_totals.balance_date
    left join unrealized_gains
        on
            client_days.client_key = unrealized_gains.client_key
            and client_days.balance_date = unrealized_gains.balance_date
    left join rates on client_days.balance_date = rates.balance_date
),

totals as (
    select
        *,
        -- Unvested equity is shown but not counted: it can still be forfeited.
        cash_usd + taxable_investments_usd + retirement_usd + vested_equity_usd
        + other_assets_usd as total_assets_usd,
        credit_card_usd + student_loan_usd + mortgage_usd + other_debt_usd
            as total_liabilities_usd
    from lines
),

final as (
    select
        -- ids
        client_key,

        -- dates
        balance_date,

        -- amounts: assets
        cash_usd::numeric(18, 2) as cash_usd,
        taxable_investments_usd::numeric(18, 2) as taxable_investments_usd,
        retirement_usd::numeric(18, 2) as retirement_usd,
        vested_equity_usd::numeric(18, 2) as vested_equity_usd,
        unvested_equity_usd::numeric(18, 2) as unvested_equity_usd,
        other_assets_usd::numeric(18, 2) as other_assets_usd,

        -- amounts: liabilities (amounts owed, positive)
        credit_card_usd::numeric(18, 2) as credit_card_usd,
        student_loan_usd::numeric(18, 2) as student_loan_usd,
        mortgage_usd::numeric(18, 2) as mortgage_usd,
        other_debt_usd::numeric(18, 2) as other_debt_usd,

        -- amounts: totals
        total_assets_usd::numeric(18, 2) as total_assets_usd,
        total_liabilities_usd::numeric(18, 2) as total_liabilities_usd,
        (total_assets_usd - total_liabilities_usd)::numeric(18, 2) as net_worth_usd,
        (
            total_assets_usd - total_liabilities_usd
            - unrealized_gains_tax_usd - option_spread_tax_usd
        )::numeric(18, 2) as after_tax_net_worth_usd

    from totals
)

select * from final
