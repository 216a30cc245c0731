-- Line items of credit notes.
-- Rows left behind by a parent re-read with fewer lines are dropped (xero_line_staging).
{{ xero_line_staging('credit_note_line_items', 'stg_xero__credit_notes', ['CreditNoteID', 'credit_note_id'], ['UpdatedDateUTC', 'updated_at'], xero_line_item_columns()) }}
