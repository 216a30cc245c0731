-- Overpayments (money received or paid before or beyond an invoice).
{{ xero_staging('overpayments', [
    ['OverpaymentID', 'overpayment_id', 'text'],
    ['Type', 'overpayment_type', 'text'],
    ['Status', 'status', 'text'],
    ['Contact.ContactID', 'contact_id', 'text'],
    ['Contact.Name', 'contact_name', 'text'],
    ['Date', 'overpayment_date', 'date'],
    ['CurrencyCode', 'currency_code', 'text'],
    ['CurrencyRate', 'currency_rate', 'number'],
    ['SubTotal', 'sub_total', 'money'],
    ['TotalTax', 'total_tax', 'money'],
    ['Total', 'total', 'money'],
    ['RemainingCredit', 'remaining_credit', 'money'],
    ['AppliedAmount', 'applied_amount', 'money'],
    ['UpdatedDateUTC', 'updated_at', 'ts'],
    ['_sdc_deleted_at', 'deleted_at', 'ts']
], key=['OverpaymentID'], order_by='UpdatedDateUTC') }}
