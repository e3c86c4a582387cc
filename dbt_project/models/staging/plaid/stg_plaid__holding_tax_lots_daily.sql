with

source as (
    select * from {{ source('plaid', 'holding_tax_lots_daily') }}
),

renamed as (
    select
        -- ids
        account_id,
        security_id,
        lot_number,
        item_id,
        institution_lot_id,

        -- dates
        as_of_date as holding_date,
        original_purchase_datetime as purchased_at,
        (original_purchase_datetime at time zone 'UTC')::date as purchase_date,

        -- attributes
        position_type,

        -- amounts
        quantity::numeric(24, 8) as quantity,
        purchase_price::numeric(20, 6) as purchase_price,
        cost_basis::numeric(18, 2) as cost_basis,
        current_value::numeric(18, 2) as current_value,

        -- timestamps
        _loaded_at as loaded_at

    from source
)

select * from renamed
