-- Transfers between bank accounts.
{{ xero_staging('bank_transfers', [
    ['BankTransferID', 'bank_transfer_id', 'text'],
    ['Date', 'bank_transfer_date', 'date'],
    ['Amount', 'amount', 'money'],
    ['CurrencyRate', 'currency_rate', 'number'],
    ['FromBankAccount.AccountID', 'from_bank_account_id', 'text'],
    ['ToBankAccount.AccountID', 'to_bank_account_id', 'text'],
    ['FromBankTransactionID', 'from_bank_transaction_id', 'text'],
    ['ToBankTransactionID', 'to_bank_transaction_id', 'text'],
    ['Reference', 'reference', 'text'],
    ['Status', 'status', 'text'],
    ['CreatedDateUTC', 'created_at', 'ts'],
    ['_sdc_deleted_at', 'deleted_at', 'ts']
], key=['BankTransferID'], order_by='CreatedDateUTC') }}
