{{
    config(
        materialized='incremental',
        unique_key='transaction_id',
        incremental_strategy='delete+insert',
        on_schema_change='append_new_columns',
        post_hook=[
            "delete from {{ this }} as built using {{ ref('stg_plaid__transactions') }} as staged
             where staged.transaction_id = built.transaction_id and staged.is_removed"
        ],
    )
}}

-- Bank and card transactions of every client, without the ones Plaid removed
-- (a pending row replaced by its posted one). Incremental on the loader's
-- timestamp: added and modified rows replace their previous version; the
-- post-hook deletes rows Plaid removed since they were built. Amounts keep
-- Plaid's sign (positive = money out).

with

transactions as (
    select * from {{ ref('stg_plaid__transactions') }}
    {% if is_incremental() %}
        where loaded_at > (
            select coalesce(max(built.loaded_at), '-infinity') from {{ this }} as built
        )
    {% endif %}
),

accounts as (
    select * from {{ ref('int_accounts__classified') }}
),

final as (
    select
        -- ids
        accounts.client_key,
        transactions.transaction_id,
        transactions.account_id,
        transactions.pending_transaction_id,

        -- dates
        transactions.transaction_date,
        transactions.authorized_date,

        -- attributes
        transactions.merchant_name,
        transactions.personal_finance_category_primary,
        transactions.personal_finance_category_detailed,
        transactions.payment_channel,
        transactions.currency_code,
        accounts.account_type,
        accounts.account_subtype,

        -- amounts
        transactions.amount as amount_usd,

        -- timestamps
        transactions.loaded_at,

        -- flags
        transactions.is_pending

    from transactions
    inner join accounts on transactions.account_id = accounts.account_id
    where not transactions.is_removed
)

select * from final
