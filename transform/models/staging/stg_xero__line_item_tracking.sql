-- The tracking options of document lines (invoices, credit notes, bank transactions, purchase
-- orders, quotes, repeating invoices, manual journals and journals): one row per option of a
-- line, naming the parent stream, the parent's id and the line's position. Rows of lines a
-- re-read parent no longer has are dropped (replication value no longer the parent's).
with tracking as (
    {{ xero_staging('line_item_tracking', [
        ['_parent_stream', 'parent_stream', 'text'],
        ['_parent_id', 'parent_id', 'text'],
        ['_line_position', 'line_position', 'int'],
        ['_position', 'tracking_position', 'int'],
        ['_parent_status', 'parent_status', 'text'],
        ['UpdatedDateUTC', 'parent_updated_at', 'ts'],
        ['JournalNumber', 'parent_journal_number', 'int'],
        ['TrackingCategoryID', 'tracking_category_id', 'text'],
        ['TrackingOptionID', 'tracking_option_id', 'text'],
        ['Name', 'tracking_category_name', 'text'],
        ['Option', 'tracking_option_name', 'text'],
    ]) }}
), parents as (
    {%- set parents = [
        ('invoices', 'stg_xero__invoices', 'invoice_id'),
        ('credit_notes', 'stg_xero__credit_notes', 'credit_note_id'),
        ('bank_transactions', 'stg_xero__bank_transactions', 'bank_transaction_id'),
        ('purchase_orders', 'stg_xero__purchase_orders', 'purchase_order_id'),
        ('quotes', 'stg_xero__quotes', 'quote_id'),
        ('manual_journals', 'stg_xero__manual_journals', 'manual_journal_id'),
    ] %}
    {%- for stream, model, id in parents %}
    select '{{ stream }}' as parent_stream, tenant_id, {{ id }} as parent_id,
           updated_at, cast(null as bigint) as journal_number
    from {{ ref(model) }}
    union all
    {%- endfor %}
    select 'repeating_invoices', tenant_id, repeating_invoice_id, cast(null as timestamp), cast(null as bigint)
    from {{ ref('stg_xero__repeating_invoices') }}
    union all
    select 'journals', tenant_id, journal_id, cast(null as timestamp), journal_number
    from {{ ref('stg_xero__journals') }}
)
select tracking.*
from tracking
inner join parents
    on parents.tenant_id = tracking.tenant_id
    and parents.parent_stream = tracking.parent_stream
    and parents.parent_id = tracking.parent_id
    and (parents.updated_at = tracking.parent_updated_at
         or parents.journal_number = tracking.parent_journal_number
         or parents.parent_stream = 'repeating_invoices')
