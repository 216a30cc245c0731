-- Repeating invoice templates.
{{ xero_staging('repeating_invoices', [
    ['RepeatingInvoiceID', 'repeating_invoice_id', 'text'],
    ['Type', 'repeating_invoice_type', 'text'],
    ['Status', 'status', 'text'],
    ['Contact.ContactID', 'contact_id', 'text'],
    ['Contact.Name', 'contact_name', 'text'],
    ['Reference', 'reference', 'text'],
    ['CurrencyCode', 'currency_code', 'text'],
    ['SubTotal', 'sub_total', 'money'],
    ['TotalTax', 'total_tax', 'money'],
    ['Total', 'total', 'money'],
    ['Schedule.Unit', 'schedule_unit', 'text'],
    ['Schedule.Period', 'schedule_period', 'text'],
    ['_sdc_deleted_at', 'deleted_at', 'ts']
], key=['RepeatingInvoiceID']) }}
