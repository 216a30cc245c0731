-- Line items of invoices and bills.
-- Rows left behind by a parent re-read with fewer lines are dropped (xero_line_staging).
{{ xero_line_staging('invoice_line_items', 'stg_xero__invoices', ['InvoiceID', 'invoice_id'], ['UpdatedDateUTC', 'updated_at'], xero_line_item_columns()) }}
