-- Allocations of credit notes to invoices.
-- Rows left behind by a parent re-read with fewer lines are dropped (xero_line_staging).
{{ xero_line_staging('credit_note_allocations', 'stg_xero__credit_notes', ['CreditNoteID', 'credit_note_id'], ['UpdatedDateUTC', 'updated_at'], [
    ['AllocationID', 'allocation_id', 'text'],
    ['Amount', 'amount', 'money'],
    ['Date', 'allocation_date', 'date'],
    ['InvoiceID', 'invoice_id', 'text'],
    ['IsDeleted', 'is_deleted', 'bool']
]) }}
