-- Billable expenses linked to sales invoices.
{{ xero_staging('linked_transactions', [
    ['LinkedTransactionID', 'linked_transaction_id', 'text'],
    ['Type', 'linked_transaction_type', 'text'],
    ['Status', 'status', 'text'],
    ['ContactID', 'contact_id', 'text'],
    ['SourceTransactionID', 'source_transaction_id', 'text'],
    ['SourceLineItemID', 'source_line_item_id', 'text'],
    ['TargetTransactionID', 'target_transaction_id', 'text'],
    ['TargetLineItemID', 'target_line_item_id', 'text'],
    ['UpdatedDateUTC', 'updated_at', 'ts'],
    ['_sdc_deleted_at', 'deleted_at', 'ts']
], key=['LinkedTransactionID'], order_by='UpdatedDateUTC') }}
