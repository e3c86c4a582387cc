with

clients as (
    select * from {{ ref('stg_app__clients') }}
),

final as (
    select
        -- ids
        client_key,

        -- attributes
        state_code,
        filing_status,
        signup_channel,
        has_employer,
        case
            when annual_income_usd is null then 'unknown'
            when annual_income_usd < 100000 then 'under_100k'
            when annual_income_usd < 250000 then '100k_to_250k'
            when annual_income_usd < 500000 then '250k_to_500k'
            else '500k_plus'
        end as income_band,

        -- amounts
        annual_income_usd,

        -- dates
        signed_up_at,
        signed_up_at::date as signed_up_date,

        -- flags
        is_deleted

    from clients
)

select * from final
