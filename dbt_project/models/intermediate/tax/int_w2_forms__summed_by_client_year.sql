-- One row per client and tax year: the client's W-2 forms added up. A form
-- uploaded twice (same employer and wages, another file) counts once.
with

w2_forms as (
    select * from {{ ref('stg_documents__w2_forms') }}
),

box12_amounts as (
    select * from {{ ref('stg_documents__w2_box12_amounts') }}
),

distinct_forms as (
    select
        *,
        row_number() over (
            partition by
                client_key, tax_year, coalesce(employer_ein, employer_name), box1_wages_usd
            order by loaded_at desc, file_sha256 asc, form_number asc
        ) as copy_number
    from w2_forms
),

box12_by_form as (
    select
        file_sha256,
        form_number,
        sum(case when box12_code = 'D' then amount_usd else 0 end) as deferral_401k_usd,
        sum(case when box12_code = 'W' then amount_usd else 0 end) as hsa_contribution_usd
    from box12_amounts
    group by file_sha256, form_number
),

final as (
    select
        -- ids
        distinct_forms.client_key,
        distinct_forms.tax_year,

        -- amounts
        count(*) as w2_form_count,
        sum(distinct_forms.box1_wages_usd) as wages_usd,
        sum(distinct_forms.box2_federal_withholding_usd) as federal_withholding_usd,
        sum(coalesce(distinct_forms.box14_rsu_income_usd, 0)) as rsu_income_usd,
        sum(coalesce(box12_by_form.deferral_401k_usd, 0)) as deferral_401k_usd,
        sum(coalesce(box12_by_form.hsa_contribution_usd, 0)) as hsa_contribution_usd

    from distinct_forms
    left join box12_by_form
        on
            distinct_forms.file_sha256 = box12_by_form.file_sha256
            and distinct_forms.form_number = box12_by_form.form_number
    where distinct_forms.copy_number = 1
    group by distinct_forms.client_key, distinct_forms.tax_year
)

select * from final
