-- Line items of repeating invoice templates.
{{ xero_staging('repeating_invoice_line_items', [
    ['RepeatingInvoiceID', 'repeating_invoice_id', 'text'],
    ['_position', 'line_position', 'int'],
    ['_parent_status', 'parent_status', 'text']
] + xero_line_item_columns()) }}
