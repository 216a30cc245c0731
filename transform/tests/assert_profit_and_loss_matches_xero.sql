-- Reconciliation: every account's amount in xero__profit_and_loss_report equals Xero's own
-- ProfitAndLoss report (as tap-xero landed it in report_rows) to the cent, for every tenant and
-- every report column that covers one calendar month; an account the model has and the report
-- lacks (or the other way round) counts too. Xero shows income as net_amount and expenses as
-- -net_amount. Rows returned are differences.
{{ config(tags=['reconciliation']) }}
with runs as (
    select distinct tenant_id, cast(parameters as {{ dbt.type_string() }}) as run,
        coalesce(param_to_date, current_date) as to_date,
        coalesce(param_from_date, cast({{ dbt.date_trunc('month', 'coalesce(param_to_date, current_date)') }} as date)) as from_date,
        case upper(coalesce(param_timeframe, 'MONTH')) when 'QUARTER' then 3 when 'YEAR' then 12 else 1 end as step
    from {{ ref('stg_xero__report_rows') }}
    where report_type = 'ProfitAndLoss'
), monthly_runs as (
    -- Only runs whose columns are whole calendar months (or this month up to today).
    select * from runs
    where step = 1
      and extract(day from from_date) = 1
      and cast({{ dbt.date_trunc('month', 'to_date') }} as date) = from_date
      and (cast({{ dbt.dateadd('day', 1, 'to_date') }} as date) = cast({{ dbt.dateadd('month', 1, 'from_date') }} as date)
           or to_date >= current_date)
), report as (
    select
        r.tenant_id,
        cast({{ dbt.dateadd('month', '1 - r.column_index', 'm.from_date') }} as date) as date_month,
        r.account_id,
        r.row_title,
        r.value_number as report_amount
    from {{ ref('stg_xero__report_rows') }} as r
    inner join monthly_runs as m
        on m.tenant_id = r.tenant_id and m.run = cast(r.parameters as {{ dbt.type_string() }})
    where r.report_type = 'ProfitAndLoss' and r.row_type = 'Row' and r.account_id is not null
), periods as (
    select distinct tenant_id, date_month from report
), model as (
    select
        pl.tenant_id, pl.date_month, pl.account_id,
        case when pl.account_class = 'REVENUE' then pl.net_amount else -pl.net_amount end as model_amount
    from {{ ref('xero__profit_and_loss_report') }} as pl
    inner join periods on periods.tenant_id = pl.tenant_id and periods.date_month = pl.date_month
)
{{ xero_report_differences('account_id') }}
