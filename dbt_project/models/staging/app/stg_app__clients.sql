with

source as (
    select * from {{ source('app', 'clients') }}
),

renamed as (
    select
        -- ids
        client_key,

        -- attributes
        upper(state)::char(2) as state_code,
        filing_status,
        signup_channel,
        employer_name is not null as has_employer,

        -- amounts
        annual_income_usd::numeric(14, 2) as annual_income_usd,

        -- timestamps
        created_at as signed_up_at,
        updated_at,
        coalesce(deleted_at, _deleted_in_source_at) as deleted_at,

        -- flags
        -- Soft-deleted in the app, or gone from the source (the loader stamps those).
        deleted_at is not null or _deleted_in_source_at is not null as is_deleted

    from source
)

select * from renamed
