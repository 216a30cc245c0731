-- Sales (ACCRECCREDIT) and purchase (ACCPAYCREDIT) credit notes.
{{ xero_staging('credit_notes', [
    ['CreditNoteID', 'credit_note_id', 'text'],
    ['CreditNoteNumber', 'credit_note_number', 'text'],
    ['Type', 'credit_note_type', 'text'],
    ['Status', 'status', 'text'],
    ['Contact.ContactID', 'contact_id', 'text'],
    ['Contact.Name', 'contact_name', 'text'],
    ['Date', 'credit_note_date', 'date'],
    ['Reference', 'reference', 'text'],
    ['CurrencyCode', 'currency_code', 'text'],
    ['CurrencyRate', 'currency_rate', 'number'],
    ['LineAmountTypes', 'line_amount_types', 'text'],
    ['SubTotal', 'sub_total', 'money'],
    ['TotalTax', 'total_tax', 'money'],
    ['Total', 'total', 'money'],
    ['RemainingCredit', 'remaining_credit', 'money'],
    ['AppliedAmount', 'applied_amount', 'money'],
    ['UpdatedDateUTC', 'updated_at', 'ts'],
    ['_sdc_deleted_at', 'deleted_at', 'ts']
], key=['CreditNoteID'], order_by='UpdatedDateUTC') }}
