{#
  Staging of a line stream tap-xero derives from a parent record (invoice_line_items, ...).
  Each row carries the parent's id, `_position` and the parent's replication value as it was
  when the row was written. A parent re-read with fewer lines leaves its old last rows behind
  in the warehouse: those (and rows of a parent no longer present) are dropped here by
  keeping only rows whose replication value is the parent's current one.

  parent: the parent's staging model; parent_id: [field, alias] of the parent id;
  replication: [field, parent column] of the replication value; columns as xero_staging's.
#}
{% macro xero_line_staging(table, parent, parent_id, replication, columns) -%}
{%- set rep_kind = 'int' if replication[0] == 'JournalNumber' else 'ts' -%}
{%- set head = [parent_id + ['text'], ['_position', 'line_position', 'int'],
                [replication[0], 'parent_' ~ replication[1], rep_kind],
                ['_parent_status', 'parent_status', 'text']] -%}
with lines as (
    {{ xero_staging(table, head + columns) }}
), parents as (
    select tenant_id, {{ parent_id[1] }} as parent_id, {{ replication[1] }} as replication_value
    from {{ ref(parent) }}
)
select lines.*
from lines
inner join parents
    on parents.tenant_id = lines.tenant_id
    and parents.parent_id = lines.{{ parent_id[1] }}
    and parents.replication_value = lines.parent_{{ replication[1] }}
{%- endmacro %}
