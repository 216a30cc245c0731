-- Spend and receive money.
{{ xero_staging('bank_transactions', [
    ['BankTransactionID', 'bank_transaction_id', 'text'],
    ['Type', 'bank_transaction_type', 'text'],
    ['Status', 'status', 'text'],
    ['Contact.ContactID', 'contact_id', 'text'],
    ['Contact.Name', 'contact_name', 'text'],
    ['BankAccount.AccountID', 'bank_account_id', 'text'],
    ['Date', 'bank_transaction_date', 'date'],
    ['Reference', 'reference', 'text'],
    ['CurrencyCode', 'currency_code', 'text'],
    ['CurrencyRate', 'currency_rate', 'number'],
    ['LineAmountTypes', 'line_amount_types', 'text'],
    ['SubTotal', 'sub_total', 'money'],
    ['TotalTax', 'total_tax', 'money'],
    ['Total', 'total', 'money'],
    ['IsReconciled', 'is_reconciled', 'bool'],
    ['OverpaymentID', 'overpayment_id', 'text'],
    ['PrepaymentID', 'prepayment_id', 'text'],
    ['UpdatedDateUTC', 'updated_at', 'ts'],
    ['_sdc_deleted_at', 'deleted_at', 'ts']
], key=['BankTransactionID'], order_by='UpdatedDateUTC') }}
