-- Reconciliation: for every contact whose AgedReceivablesByContact / AgedPayablesByContact
-- report (as at today) tap-xero landed, the invoices the ageing models hold for that contact
-- and their total amount due equal the report's lines and its Due total, to the cent.
{{ config(tags=['reconciliation']) }}
with report_lines as (
    select
        tenant_id,
        case when report_type = 'AgedReceivablesByContact' then 'ACCREC' else 'ACCPAY' end as invoice_type,
        param_contact_id as contact_id,
        row_type,
        column_title,
        value,
        value_number
    from {{ ref('stg_xero__report_rows') }}
    where report_type in ('AgedReceivablesByContact', 'AgedPayablesByContact')
      and coalesce(param_date, current_date) >= current_date
      and param_contact_id is not null
), report as (
    select
        tenant_id, invoice_type, contact_id,
        sum(case when row_type = 'SummaryRow' and column_title = 'Due' then value_number else 0 end) as report_due,
        sum(case when row_type = 'Row' and column_title = 'Number' then 1 else 0 end) as report_invoices
    from report_lines
    group by tenant_id, invoice_type, contact_id
), model as (
    select tenant_id, 'ACCREC' as invoice_type, contact_id, sum(amount_due) as model_due,
           count(*) as model_invoices
    from {{ ref('xero__ar_ageing') }}
    group by tenant_id, contact_id
    union all
    select tenant_id, 'ACCPAY', contact_id, sum(amount_due), count(*)
    from {{ ref('xero__ap_ageing') }}
    group by tenant_id, contact_id
), compared as (
    select report.*, coalesce(model.model_due, 0) as model_due,
           coalesce(model.model_invoices, 0) as model_invoices
    from report
    left join model
        on model.tenant_id = report.tenant_id
        and model.invoice_type = report.invoice_type
        and model.contact_id = report.contact_id
), numbers as (
    -- invoice numbers on one side only
    select l.tenant_id, l.invoice_type, l.contact_id, l.value as invoice_number
    from report_lines as l
    where l.row_type = 'Row' and l.column_title = 'Number'
), model_numbers as (
    select tenant_id, 'ACCREC' as invoice_type, contact_id, invoice_number from {{ ref('xero__ar_ageing') }}
    union all
    select tenant_id, 'ACCPAY', contact_id, invoice_number from {{ ref('xero__ap_ageing') }}
)
select tenant_id, invoice_type, contact_id, cast(null as {{ dbt.type_string() }}) as invoice_number,
       report_due, model_due
from compared
where abs(report_due - model_due) >= 0.005 or report_invoices <> model_invoices
union all
select n.tenant_id, n.invoice_type, n.contact_id, n.invoice_number, null, null
from numbers as n
left join model_numbers as m
    on m.tenant_id = n.tenant_id and m.invoice_type = n.invoice_type
    and m.contact_id = n.contact_id and m.invoice_number = n.invoice_number
where m.invoice_number is null
