with

source as (
    select * from {{ source('plaid', 'accounts') }}
),

renamed as (
    select
        -- ids
        account_id,
        item_id,
        client_key,

        -- attributes
        -- The name may be a nickname the client typed: kept only as the
        -- ciphertext, for the concierge snapshot (never in marts).
        name_encrypted as account_name_encrypted,
        official_name as account_official_name,
        -- Only the last 4 of the account number ever reach the warehouse.
        right(mask, 4) as mask,
        type as account_type,
        subtype as account_subtype,

        -- timestamps
        _loaded_at as loaded_at

    from source
)

select * from renamed
