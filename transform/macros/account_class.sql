{# Xero's account class of an account type (for a journal line whose account is gone). #}
{% macro xero_class_of_type(type_column) -%}
case
    when {{ type_column }} in ('BANK', 'CURRENT', 'FIXED', 'INVENTORY', 'NONCURRENT', 'PREPAYMENT') then 'ASSET'
    when {{ type_column }} in ('CURRLIAB', 'LIABILITY', 'TERMLIAB') then 'LIABILITY'
    when {{ type_column }} = 'EQUITY' then 'EQUITY'
    when {{ type_column }} in ('REVENUE', 'SALES', 'OTHERINCOME') then 'REVENUE'
    when {{ type_column }} in ('EXPENSE', 'DIRECTCOSTS', 'OVERHEADS', 'DEPRECIATN') then 'EXPENSE'
end
{%- endmacro %}

{#
  First day of the financial year that the month `month_column` falls in, from the organisation's
  financial year end month (Xero's year ends on the last day of that month).
#}
{% macro xero_fy_start(month_column, fy_end_month_column) -%}
cast({{ dbt.dateadd('month',
    '-1 * cast((((cast(extract(month from ' ~ month_column ~ ') as integer) - ' ~ fy_end_month_column ~ ' - 1) % 12 + 12) % 12) as integer)',
    dbt.date_trunc('month', month_column)) }} as date)
{%- endmacro %}
