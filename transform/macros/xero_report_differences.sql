{#
  The end of every reconciliation test: given CTEs `report` and `model`, each with tenant_id,
  date_month, `key` and an amount (report_amount / model_amount; `report` also row_title), the
  rows where they differ by a cent or more, including a line one side has and the other lacks.
#}
{% macro xero_report_differences(key) -%}
select
    coalesce(report.tenant_id, model.tenant_id) as tenant_id,
    coalesce(report.date_month, model.date_month) as date_month,
    coalesce(report.{{ key }}, model.{{ key }}) as {{ key }},
    report.row_title,
    report.report_amount,
    model.model_amount
from report
full outer join model
    on model.tenant_id = report.tenant_id
    and model.date_month = report.date_month
    and model.{{ key }} = report.{{ key }}
where abs(coalesce(report.report_amount, 0) - coalesce(model.model_amount, 0)) >= 0.005
{%- endmacro %}
