{#
  Staging from tap-xero's tables, one data row per column instead of hand-written SQL per stream.

  columns: a list of [field, alias, kind]. `field` is the field as tap-xero names it
  ("InvoiceID"), or "Parent.Child" for a field inside a JSON object ("Contact.ContactID").
  kind: text, money (numeric(18,2)), number (numeric(18,6)), int, bool, ts (timestamp),
  date, json (left as the loader stored it).

  target-duckdb lower-cases column names and target-postgres keeps Xero's: a quoted name
  ("InvoiceID") finds both, as DuckDB matches quoted names case-insensitively.
  A table the loader never created (a stream with no record yet) stages as no rows.
#}

{% macro xero_type(kind) -%}
    {%- if kind == 'money' -%} numeric(18, 2)
    {%- elif kind == 'number' -%} numeric(18, 6)
    {%- elif kind == 'int' -%} bigint
    {%- elif kind == 'bool' -%} boolean
    {%- elif kind == 'ts' -%} timestamp
    {%- elif kind == 'date' -%} date
    {%- else -%} {{ dbt.type_string() }}
    {%- endif -%}
{%- endmacro %}

{% macro xero_field(field) -%}
    {%- set parts = field.split('.') -%}
    {%- if parts | length == 1 -%}
        {{ adapter.quote(field) }}
    {%- else -%}
        ({{ adapter.quote(parts[0]) }} ->> '{{ parts[1] }}')
    {%- endif -%}
{%- endmacro %}

{% macro xero_column(field, kind) -%}
    {%- if kind == 'json' -%}
        {{ xero_field(field) }}
    {%- elif kind == 'date' -%}
        cast(cast({{ xero_field(field) }} as timestamp) as date)
    {%- else -%}
        cast({{ xero_field(field) }} as {{ xero_type(kind) }})
    {%- endif -%}
{%- endmacro %}

{% macro xero_source_exists(table) -%}
    {%- if not execute -%}
        {{ return(true) }}
    {%- endif -%}
    {%- set src = source('xero', table) -%}
    {%- set rel = adapter.get_relation(database=src.database, schema=src.schema,
                                       identifier=src.identifier) -%}
    {{ return(rel is not none) }}
{%- endmacro %}

{#
  select tenant_id and `columns` from a tap-xero table. `key`: the fields of one record; with
  `order_by` (a field, newest wins) duplicates of a key (a loader that appends) keep one row.
#}
{% macro xero_staging(table, columns, key=none, order_by=none) -%}
{%- set src = source('xero', table) -%}
{%- if xero_source_exists(table) %}
with source as (
    select *
    {%- if key and order_by %},
        row_number() over (
            partition by {{ adapter.quote('_tenant_id') }}
            {%- for k in key %}, {{ xero_field(k) }}{% endfor %}
            order by {{ xero_field(order_by) }} desc nulls last
        ) as _xero_row_number
    {%- endif %}
    from {{ src }}
)
select
    cast({{ adapter.quote('_tenant_id') }} as {{ dbt.type_string() }}) as tenant_id
    {%- for field, alias, kind in columns %},
    {{ xero_column(field, kind) }} as {{ alias }}
    {%- endfor %}
from source
{%- if key and order_by %}
where _xero_row_number = 1
{%- endif %}
{%- else %}
select
    cast(null as {{ dbt.type_string() }}) as tenant_id
    {%- for field, alias, kind in columns %},
    cast(null as {% if kind == 'json' %}{{ dbt.type_string() }}{% else %}{{ xero_type(kind) }}{% endif %}) as {{ alias }}
    {%- endfor %}
where 1 = 0
{%- endif %}
{%- endmacro %}
