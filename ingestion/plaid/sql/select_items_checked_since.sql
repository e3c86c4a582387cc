-- Items whose own health (product 'item') was recorded at or after a time:
-- by /item/get or by a product call that answered or failed with an item error.
select item_id
from raw_plaid.item_product_health
where product = 'item' and checked_at >= %(checked_since)s
