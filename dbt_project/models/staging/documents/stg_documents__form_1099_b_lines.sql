with

source as (
    select * from {{ source('documents', 'form_1099_b_lines') }}
),

renamed as (
    select
        -- ids (recipient name and TIN stay encrypted in raw; TIN last 4 only)
        file_sha256::text as file_sha256,
        line_number,
        form_number,
        client_key,
        recipient_tin_last4::text as recipient_tin_last4,
        account_id_last4 as account_number_last4,

        -- attributes
        tax_year,
        description as security_description,
        term as holding_term,

        -- dates
        date_acquired as acquired_date,
        date_sold as sold_date,

        -- amounts
        quantity::numeric(20, 6) as quantity,
        proceeds_usd,
        cost_basis_usd,
        wash_sale_loss_disallowed_usd,
        proceeds_usd - cost_basis_usd as realized_gain_usd,

        -- flags
        is_acquired_various,
        is_covered,

        -- timestamps
        _loaded_at as loaded_at

    from source
)

select * from renamed
