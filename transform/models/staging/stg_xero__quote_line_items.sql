-- Line items of quotes.
-- Rows left behind by a parent re-read with fewer lines are dropped (xero_line_staging).
{{ xero_line_staging('quote_line_items', 'stg_xero__quotes', ['QuoteID', 'quote_id'], ['UpdatedDateUTC', 'updated_at'], [
    ['LineItemID', 'line_item_id', 'text'],
    ['Description', 'description', 'text'],
    ['Quantity', 'quantity', 'number'],
    ['UnitAmount', 'unit_amount', 'number'],
    ['ItemCode', 'item_code', 'text'],
    ['AccountCode', 'account_code', 'text'],
    ['AccountID', 'account_id', 'text'],
    ['TaxType', 'tax_type', 'text'],
    ['TaxAmount', 'tax_amount', 'money'],
    ['LineAmount', 'line_amount', 'money'],
    ['DiscountRate', 'discount_rate', 'number'],
    ['Tracking', 'tracking', 'json']
]) }}
