-- Balance sheet by tenant and month end, cumulative to the end of each month, as Xero shows it:
-- one row per asset, liability and equity account, the profit of earlier financial years in
-- Retained Earnings, and this financial year's profit as Current Year Earnings (account_id null).
-- Sign as Fivetran's dbt_xero: net_amount is debit positive (assets positive, liabilities and
-- equity negative); Xero's BalanceSheet report shows liabilities and equity as -net_amount.
with trial_balance as (
    select * from {{ ref('xero__trial_balance') }}
), mapped as (
    select
        tenant_id,
        date_month,
        case when account_class in ('REVENUE', 'EXPENSE') then null else account_id end as account_id,
        case when account_class in ('REVENUE', 'EXPENSE') then null else account_code end as account_code,
        case when account_class in ('REVENUE', 'EXPENSE') then 'Current Year Earnings'
             else account_name end as account_name,
        case when account_class in ('REVENUE', 'EXPENSE') then null else account_type end as account_type,
        case when account_class in ('REVENUE', 'EXPENSE') then 'EQUITY' else account_class end as account_class,
        net_amount
    from trial_balance
)
select
    tenant_id || '|' || cast(date_month as {{ dbt.type_string() }}) || '|'
        || coalesce(account_id, account_name) as balance_sheet_id,
    tenant_id, date_month, account_id, account_code, account_name, account_type, account_class,
    sum(net_amount) as net_amount
from mapped
group by tenant_id, date_month, account_id, account_code, account_name, account_type, account_class
