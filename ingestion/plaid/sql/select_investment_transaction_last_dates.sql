-- The newest investment transaction date loaded per item (where to resume).
select item_id, max(date) as last_date
from raw_plaid.investment_transactions
group by item_id
