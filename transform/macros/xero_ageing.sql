{#
  Open invoices (ACCREC: receivables, ACCPAY: payables) as at today, one row per invoice with
  an amount due, in Xero's ageing buckets by days past the due date.
#}
{% macro xero_ageing(invoice_type) -%}
with invoices as (
    select * from {{ ref('stg_xero__invoices') }}
    where invoice_type = '{{ invoice_type }}'
      and status = 'AUTHORISED'
      and amount_due <> 0
      and deleted_at is null
      and invoice_date <= current_date
), aged as (
    select
        invoices.*,
        {{ dbt.datediff('due_date', 'current_date', 'day') }} as days_overdue
    from invoices
)
select
    tenant_id,
    invoice_id,
    invoice_number,
    contact_id,
    contact_name,
    invoice_date,
    due_date,
    currency_code,
    total,
    amount_paid,
    amount_credited,
    amount_due,
    case when days_overdue > 0 then days_overdue else 0 end as days_overdue,
    case
        when days_overdue <= 0 then 'Current'
        when days_overdue <= 30 then '1 - 30 days'
        when days_overdue <= 60 then '31 - 60 days'
        when days_overdue <= 90 then '61 - 90 days'
        else 'Older'
    end as ageing_bucket
from aged
{%- endmacro %}
