-- Reconciliation: every line of xero__balance_sheet_report (each account, Retained Earnings and
-- Current Year Earnings) equals Xero's own BalanceSheet report (report_rows) to the cent, for
-- every tenant and every report column dated at a month end (or today, in this month). Xero
-- shows assets as net_amount, liabilities and equity as -net_amount. Rows returned are differences.
{{ config(tags=['reconciliation']) }}
with runs as (
    select distinct tenant_id, cast(parameters as {{ dbt.type_string() }}) as run,
        coalesce(param_date, current_date) as as_at,
        case upper(coalesce(param_timeframe, 'MONTH')) when 'QUARTER' then 3 when 'YEAR' then 12 else 1 end as step
    from {{ ref('stg_xero__report_rows') }}
    where report_type = 'BalanceSheet'
), report as (
    select
        r.tenant_id,
        cast({{ dbt.dateadd('month', '(1 - r.column_index) * m.step', dbt.date_trunc('month', 'm.as_at')) }} as date) as date_month,
        case when r.account_id = '00000000-0000-0000-0000-000000000000' then r.row_title
             else r.account_id end as line_key,
        r.row_title,
        r.value_number as report_amount
    from {{ ref('stg_xero__report_rows') }} as r
    inner join runs as m
        on m.tenant_id = r.tenant_id and m.run = cast(r.parameters as {{ dbt.type_string() }})
    where r.report_type = 'BalanceSheet' and r.row_type = 'Row' and r.account_id is not null
      -- a column at a month end, or the first column when the report is as at today
      and (cast({{ dbt.dateadd('day', 1, 'm.as_at') }} as date)
               = cast({{ dbt.dateadd('month', 1, dbt.date_trunc('month', 'm.as_at')) }} as date)
           or (r.column_index = 1 and m.as_at >= current_date))
), periods as (
    select distinct tenant_id, date_month from report
), model as (
    select
        bs.tenant_id, bs.date_month, coalesce(bs.account_id, bs.account_name) as line_key,
        case when bs.account_class = 'ASSET' then bs.net_amount else -bs.net_amount end as model_amount
    from {{ ref('xero__balance_sheet_report') }} as bs
    inner join periods on periods.tenant_id = bs.tenant_id and periods.date_month = bs.date_month
)
{{ xero_report_differences('line_key') }}
