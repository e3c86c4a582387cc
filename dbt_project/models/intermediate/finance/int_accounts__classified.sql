-- Each Plaid account with its client, institution and the balance-sheet line
-- its balance belongs to (sandbox/README.md "Truth files", net_worth_daily):
-- depository -> cash; brokerage and crypto exchange -> taxable investments;
-- ira, roth, 401k, 403b, 457b, sep/simple ira, keogh, hsa... -> retirement;
-- other investment accounts -> taxable; credit -> credit card; loans by subtype.

with

accounts as (
    select * from {{ ref('stg_plaid__accounts') }}
),

items as (
    select * from {{ ref('stg_plaid__items') }}
),

app_items as (
    select * from {{ ref('stg_app__plaid_items') }}
),

classified as (
    select
        -- ids
        accounts.account_id,
        accounts.client_key,
        accounts.item_id,

        -- attributes
        coalesce(items.institution_name, app_items.institution_name) as institution_name,
        accounts.account_type,
        accounts.account_subtype,
        accounts.mask,
        coalesce(items.item_health_status, 'error') as item_health_status,
        case
            when accounts.account_type = 'depository' then 'cash_usd'
            when accounts.account_type = 'credit' then 'credit_card_usd'
            when accounts.account_type = 'loan' and accounts.account_subtype = 'student'
                then 'student_loan_usd'
            when accounts.account_type = 'loan' and accounts.account_subtype in (
                'mortgage', 'home equity'
            ) then 'mortgage_usd'
            when accounts.account_type = 'loan' then 'other_debt_usd'
            when accounts.account_type = 'investment' and accounts.account_subtype in (
                'ira', 'roth', '401k', '401a', '403b', '457b', 'roth 401k', 'sep ira',
                'simple ira', 'keogh', 'pension', 'retirement', 'hsa', 'sarsep',
                'thrift savings plan'
            ) then 'retirement_usd'
            when accounts.account_type = 'investment' then 'taxable_investments_usd'
            else 'other_assets_usd'
        end as balance_sheet_line

    from accounts
    left join items on accounts.item_id = items.item_id
    left join app_items on accounts.item_id = app_items.plaid_item_id
),

final as (
    select
        *,
        balance_sheet_line in (
            'credit_card_usd', 'student_loan_usd', 'mortgage_usd', 'other_debt_usd'
        ) as is_liability,
        balance_sheet_line = 'taxable_investments_usd' as is_taxable_account
    from classified
)

select * from final
