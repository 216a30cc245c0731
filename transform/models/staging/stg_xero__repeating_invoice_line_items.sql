-- Line items of repeating invoice templates.
{{ xero_staging('repeating_invoice_line_items', [
    ['RepeatingInvoiceID', 'repeating_invoice_id', 'text'],
    ['_position', 'line_position', 'int'],
    ['_parent_status', 'parent_status', 'text'],
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
