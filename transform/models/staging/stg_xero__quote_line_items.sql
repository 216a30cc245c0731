-- Line items of quotes.
-- Rows left behind by a parent re-read with fewer lines are dropped (xero_line_staging).
{{ xero_line_staging('quote_line_items', 'stg_xero__quotes', ['QuoteID', 'quote_id'], ['UpdatedDateUTC', 'updated_at'], xero_line_item_columns()) }}
