with

source as (
    select * from {{ source('documents', 'files') }}
),

renamed as (
    select
        -- ids (the original file name often carries a person's name: it stays
        -- encrypted in raw; the source client id is replaced by client_key)
        file_sha256::text as file_sha256,
        upload_id,
        client_key,

        -- attributes
        claimed_document_type,
        detected_document_type,
        file_format,
        layout as file_layout,
        status as file_status,
        quarantine_reason_code,
        quarantine_reason,
        archive_path,

        -- amounts
        size_bytes,
        page_count,
        form_count,

        -- timestamps
        received_at,
        processed_at,
        _loaded_at as loaded_at,

        -- flags
        status = 'quarantined' as is_quarantined

    from source
)

select * from renamed
