with

source as (
    select * from {{ source('documents', 'w2_forms') }}
),

renamed as (
    select
        -- ids (recipient name and TIN stay encrypted in raw; TIN last 4 only)
        file_sha256::text as file_sha256,
        form_number,
        client_key,
        recipient_tin_last4::text as recipient_tin_last4,
        employer_ein,

        -- attributes
        tax_year,
        employer_name,
        box15_state::text as box15_state_code,

        -- amounts
        box1_wages_usd,
        box2_federal_withholding_usd,
        box3_social_security_wages_usd,
        box4_social_security_tax_usd,
        box5_medicare_wages_usd,
        box6_medicare_tax_usd,
        box14_rsu_income_usd,
        box16_state_wages_usd,
        box17_state_tax_usd,

        -- flags
        box13_is_statutory_employee,
        box13_has_retirement_plan,
        box13_has_third_party_sick_pay,

        -- timestamps
        _loaded_at as loaded_at

    from source
)

select * from renamed
