with

source as (
    select * from {{ source('plaid', 'transactions') }}
),

renamed as (
    select
        -- ids (account owner, payment meta and the raw descriptor may name a
        -- person: they stay encrypted in raw)
        transaction_id,
        account_id,
        item_id,
        pending_transaction_id,
        merchant_entity_id,

        -- dates
        date as transaction_date,
        authorized_date,

        -- attributes
        name as transaction_name,
        merchant_name,
        payment_channel,
        transaction_code,
        personal_finance_category_primary,
        personal_finance_category_detailed,
        personal_finance_category_confidence_level,
        website as merchant_website,

        -- amounts (Plaid's sign: positive = money out of the account)
        amount::numeric(18, 2) as amount,
        coalesce(iso_currency_code, unofficial_currency_code) as currency_code,

        -- timestamps
        datetime as transacted_at,
        authorized_datetime as authorized_at,
        _removed_in_source_at as removed_at,
        _loaded_at as loaded_at,

        -- flags
        pending as is_pending,
        _removed_in_source_at is not null as is_removed

    from source
)

select * from renamed
