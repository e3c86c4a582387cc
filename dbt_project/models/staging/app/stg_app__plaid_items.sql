with

source as (
    select * from {{ source('app', 'plaid_items') }}
),

renamed as (
    select
        -- ids (the access token is a credential: it stays encrypted in raw)
        item_id as plaid_item_id,
        client_key,
        institution_id,

        -- attributes
        institution_name,
        string_to_array(products, ',')::text [] as products,

        -- timestamps
        created_at as linked_at,
        updated_at,
        coalesce(deleted_at, _deleted_in_source_at) as deleted_at,

        -- flags
        'transactions' = any(string_to_array(products, ',')) as has_transactions_product,
        'investments' = any(string_to_array(products, ',')) as has_investments_product,
        'liabilities' = any(string_to_array(products, ',')) as has_liabilities_product,
        deleted_at is not null or _deleted_in_source_at is not null as is_deleted

    from source
)

select * from renamed
