-- Profit and loss by tenant, month and account (REVENUE and EXPENSE classes), from the general
-- ledger. Sign as Fivetran's dbt_xero: net_amount = -(sum of journal net amounts), so income is
-- positive and expenses negative; the month's net profit is the sum of net_amount. Xero's
-- ProfitAndLoss report shows income as net_amount and expenses as -net_amount.
select
    tenant_id || '|' || cast(date_month as {{ dbt.type_string() }}) || '|' || account_id as profit_and_loss_id,
    tenant_id,
    date_month,
    account_id,
    account_code,
    account_name,
    account_type,
    account_class,
    -sum(net_amount) as net_amount
from (
    select
        ledger.*,
        cast({{ dbt.date_trunc('month', 'journal_date') }} as date) as date_month
    from {{ ref('xero__general_ledger') }} as ledger
    where account_class in ('REVENUE', 'EXPENSE')
) as ledger
group by tenant_id, date_month, account_id, account_code, account_name, account_type, account_class
