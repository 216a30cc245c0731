-- Xero's journals: one per posting (and one reversing a voided or deleted document).
{{ xero_staging('journals', [
    ['JournalID', 'journal_id', 'text'],
    ['JournalNumber', 'journal_number', 'int'],
    ['JournalDate', 'journal_date', 'date'],
    ['CreatedDateUTC', 'created_at', 'ts'],
    ['Reference', 'reference', 'text'],
    ['SourceID', 'source_id', 'text'],
    ['SourceType', 'source_type', 'text']
], key=['JournalID'], order_by='JournalNumber') }}
