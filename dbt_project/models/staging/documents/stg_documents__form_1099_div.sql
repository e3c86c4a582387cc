with

source as (
    select * from {{ source('documents', 'form_1099_div') }}
),

renamed as (
    select
        -- ids (recipient name and TIN stay encrypted in raw; TIN last 4 only)
        file_sha256::text as file_sha256,
        form_number,
        client_key,
        recipient_tin_last4::text as recipient_tin_last4,
        account_id_last4 as account_number_last4,

        -- attributes
        tax_year,

        -- amounts
        box1a_ordinary_dividends_usd,
        box1b_qualified_dividends_usd,
        box2a_capital_gain_distributions_usd,

        -- timestamps
        _loaded_at as loaded_at

    from source
)

select * from renamed
