-- Trial balance by tenant and month end, as Xero shows it: balance sheet accounts carry their
-- balance to the end of the month, revenue and expense accounts their movement since the start
-- of the financial year, and the profit of earlier years sits in Retained Earnings (the
-- organisation's RETAINEDEARNINGS account, or a row without account if it has none).
-- net_amount is debit positive; every tenant's month sums to zero.
with monthly as (
    select
        tenant_id,
        cast({{ dbt.date_trunc('month', 'journal_date') }} as date) as journal_month,
        account_id, account_code, account_name, account_type, account_class,
        sum(net_amount) as net_amount
    from {{ ref('xero__general_ledger') }}
    group by 1, 2, 3, 4, 5, 6, 7
), organisation as (
    select tenant_id, max(coalesce(financial_year_end_month, 12)) as fy_end_month
    from {{ ref('stg_xero__organisation') }}
    group by tenant_id
), retained as (
    select tenant_id, account_id, account_code, account_name, account_type
    from {{ ref('stg_xero__accounts') }}
    where system_account = 'RETAINEDEARNINGS'
), periods as (
    select
        spine.tenant_id,
        spine.date_month,
        {{ xero_fy_start('spine.date_month', 'coalesce(organisation.fy_end_month, 12)') }} as fy_start
    from {{ ref('xero__calendar_spine') }} as spine
    left join organisation on organisation.tenant_id = spine.tenant_id
), placed as (
    select
        periods.tenant_id,
        periods.date_month,
        monthly.account_class in ('REVENUE', 'EXPENSE')
            and monthly.journal_month < periods.fy_start as earlier_year_profit,
        monthly.account_id, monthly.account_code, monthly.account_name, monthly.account_type,
        monthly.account_class, monthly.net_amount
    from periods
    inner join monthly
        on monthly.tenant_id = periods.tenant_id
        and monthly.journal_month <= periods.date_month
), mapped as (
    select
        placed.tenant_id,
        placed.date_month,
        case when earlier_year_profit or placed.account_id = retained.account_id
             then retained.account_id else placed.account_id end as account_id,
        case when earlier_year_profit or placed.account_id = retained.account_id
             then retained.account_code else placed.account_code end as account_code,
        case when earlier_year_profit or placed.account_id = retained.account_id
             then coalesce(retained.account_name, 'Retained Earnings') else placed.account_name end as account_name,
        case when earlier_year_profit or placed.account_id = retained.account_id
             then coalesce(retained.account_type, 'EQUITY') else placed.account_type end as account_type,
        case when earlier_year_profit then 'EQUITY' else placed.account_class end as account_class,
        placed.net_amount
    from placed
    left join retained on retained.tenant_id = placed.tenant_id
), summed as (
    select tenant_id, date_month, account_id, account_code, account_name, account_type,
           account_class, sum(net_amount) as net_amount
    from mapped
    group by 1, 2, 3, 4, 5, 6, 7
)
select
    tenant_id || '|' || cast(date_month as {{ dbt.type_string() }}) || '|'
        || coalesce(account_id, account_name) as trial_balance_id,
    summed.*,
    case when net_amount > 0 then net_amount else 0 end as debit_amount,
    case when net_amount < 0 then -net_amount else 0 end as credit_amount
from summed
