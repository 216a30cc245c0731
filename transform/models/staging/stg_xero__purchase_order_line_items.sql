-- Line items of purchase orders.
-- Rows left behind by a parent re-read with fewer lines are dropped (xero_line_staging).
{{ xero_line_staging('purchase_order_line_items', 'stg_xero__purchase_orders', ['PurchaseOrderID', 'purchase_order_id'], ['UpdatedDateUTC', 'updated_at'], xero_line_item_columns()) }}
