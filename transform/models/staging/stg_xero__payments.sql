-- Payments of invoices, credit notes, over- and prepayments.
{{ xero_staging('payments', [
    ['PaymentID', 'payment_id', 'text'],
    ['PaymentType', 'payment_type', 'text'],
    ['Status', 'status', 'text'],
    ['Date', 'payment_date', 'date'],
    ['Amount', 'amount', 'money'],
    ['BankAmount', 'bank_amount', 'money'],
    ['CurrencyRate', 'currency_rate', 'number'],
    ['Reference', 'reference', 'text'],
    ['IsReconciled', 'is_reconciled', 'bool'],
    ['Account.AccountID', 'account_id', 'text'],
    ['Invoice.InvoiceID', 'invoice_id', 'text'],
    ['CreditNote.CreditNoteID', 'credit_note_id', 'text'],
    ['Overpayment.OverpaymentID', 'overpayment_id', 'text'],
    ['Prepayment.PrepaymentID', 'prepayment_id', 'text'],
    ['BatchPaymentID', 'batch_payment_id', 'text'],
    ['UpdatedDateUTC', 'updated_at', 'ts'],
    ['_sdc_deleted_at', 'deleted_at', 'ts']
], key=['PaymentID'], order_by='UpdatedDateUTC') }}
