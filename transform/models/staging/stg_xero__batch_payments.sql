-- Batch payments.
{{ xero_staging('batch_payments', [
    ['BatchPaymentID', 'batch_payment_id', 'text'],
    ['Type', 'batch_payment_type', 'text'],
    ['Status', 'status', 'text'],
    ['Date', 'batch_payment_date', 'date'],
    ['TotalAmount', 'total_amount', 'money'],
    ['Reference', 'reference', 'text'],
    ['Account.AccountID', 'account_id', 'text'],
    ['IsReconciled', 'is_reconciled', 'bool'],
    ['UpdatedDateUTC', 'updated_at', 'ts'],
    ['_sdc_deleted_at', 'deleted_at', 'ts']
], key=['BatchPaymentID'], order_by='UpdatedDateUTC') }}
