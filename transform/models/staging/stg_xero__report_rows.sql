-- Xero's own reports as tap-xero lands them (report_rows: one row per report line and value
-- column), with the report parameters as columns. Used to reconcile the models with Xero.
-- A report run again with the same parameters overwrites its rows by row_key; rows an older
-- run left at positions the newer one no longer has are dropped by keeping, per tenant, report
-- and parameters, only the rows loaded within seconds of the newest (_sdc_batched_at, when the
-- loader records it: one report's rows arrive together, a later run of it seconds later).
{%- set has_batched = false -%}
{%- if execute and xero_source_exists('report_rows') -%}
    {%- set cols = adapter.get_columns_in_relation(source('xero', 'report_rows')) | map(attribute='name') | map('lower') | list -%}
    {%- set has_batched = '_sdc_batched_at' in cols -%}
{%- endif %}
with rows as (
    {{ xero_staging('report_rows', [
        ['row_key', 'row_key', 'text'],
        ['report_id', 'report_id', 'text'],
        ['report_type', 'report_type', 'text'],
        ['report_name', 'report_name', 'text'],
        ['report_date', 'report_date', 'text'],
        ['parameters', 'parameters', 'json'],
        ['parameters.date', 'param_date', 'date'],
        ['parameters.fromDate', 'param_from_date', 'date'],
        ['parameters.toDate', 'param_to_date', 'date'],
        ['parameters.periods', 'param_periods', 'int'],
        ['parameters.timeframe', 'param_timeframe', 'text'],
        ['parameters.contactId', 'param_contact_id', 'text'],
        ['section', 'section', 'text'],
        ['row_type', 'row_type', 'text'],
        ['row_title', 'row_title', 'text'],
        ['column_index', 'column_index', 'int'],
        ['column_title', 'column_title', 'text'],
        ['value', 'value', 'text'],
        ['value_number', 'value_number', 'money'],
        ['account_id', 'account_id', 'text'],
    ] + ([['_sdc_batched_at', 'loaded_at', 'ts']] if has_batched else [])) }}
)
{%- if has_batched %}
, newest as (
    select tenant_id, report_type, cast(parameters as {{ dbt.type_string() }}) as parameters_text,
           max(loaded_at) as loaded_at
    from rows
    group by 1, 2, 3
)
select rows.*
from rows
inner join newest
    on newest.tenant_id = rows.tenant_id
    and newest.report_type = rows.report_type
    and newest.parameters_text = cast(rows.parameters as {{ dbt.type_string() }})
    and rows.loaded_at >= {{ dbt.dateadd('second', -5, 'newest.loaded_at') }}
{%- else %}
select * from rows
{%- endif %}
