with

source as (
    select * from {{ source('app', 'document_uploads') }}
),

renamed as (
    select
        -- ids (the file name often carries the person's name: it stays encrypted in raw)
        upload_id as document_upload_id,
        client_key,

        -- attributes
        document_type,
        tax_year,

        -- timestamps
        uploaded_at,
        updated_at,
        coalesce(deleted_at, _deleted_in_source_at) as deleted_at,

        -- flags
        deleted_at is not null or _deleted_in_source_at is not null as is_deleted

    from source
)

select * from renamed
