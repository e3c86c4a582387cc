-- One row per client and grant: a grant exported more than once (a newer
-- export from the plan) keeps the latest loaded file's terms. Adds whether
-- the employer is listed (an equity security of that exact name exists) and
-- the vesting frequency where the vendor does not export it: RSUs vest
-- quarterly and options monthly after the cliff, the common plan terms.

with

grants as (
    select * from {{ ref('stg_documents__equity_grants') }}
),

securities as (
    select * from {{ ref('stg_plaid__securities') }}
),

listed_companies as (
    select
        lower(security_name) as company_name_lower,
        min(security_id) as security_id,
        min(ticker_symbol) as ticker_symbol
    from securities
    where security_type = 'equity'
    group by lower(security_name)
),

ranked as (
    select
        grants.*,
        row_number() over (
            partition by grants.client_key, grants.grant_id
            order by grants.loaded_at desc, grants.file_sha256 desc
        ) as recency_rank
    from grants
),

final as (
    select
        -- ids
        ranked.client_key,
        ranked.grant_id,
        ranked.file_sha256,
        listed_companies.security_id,
        listed_companies.ticker_symbol,

        -- attributes
        ranked.employer_name,
        ranked.grant_type,
        ranked.vesting_months,
        ranked.cliff_months,
        coalesce(
            ranked.vest_frequency_months, case when ranked.grant_type = 'RSU' then 3 else 1 end
        ) as vest_frequency_months,

        -- dates
        ranked.grant_date,
        ranked.vesting_start_date,
        ranked.expiration_date,

        -- amounts
        ranked.shares_granted,
        case when ranked.grant_type = 'RSU' then 0 else coalesce(ranked.strike_price_usd, 0) end
            as strike_price_usd,
        case when ranked.grant_type = 'RSU' then 0 else ranked.exercised_shares end
            as exercised_shares,

        -- flags
        listed_companies.security_id is not null as is_public_company,
        ranked.grant_type in ('ISO', 'NSO') as is_option

    from ranked
    left join listed_companies
        on lower(ranked.employer_name) = listed_companies.company_name_lower
    where ranked.recency_rank = 1
)

select * from final
