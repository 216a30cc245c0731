-- Line items of bank transactions.
-- Rows left behind by a parent re-read with fewer lines are dropped (xero_line_staging).
{{ xero_line_staging('bank_transaction_line_items', 'stg_xero__bank_transactions', ['BankTransactionID', 'bank_transaction_id'], ['UpdatedDateUTC', 'updated_at'], xero_line_item_columns()) }}
