-- Every tenant's trial balance nets to zero in every month (debits equal credits), and so does
-- every journal of the general ledger.
{{ config(tags=['reconciliation']) }}
select 'trial balance' as what, tenant_id, cast(date_month as {{ dbt.type_string() }}) as item,
       sum(debit_amount) - sum(credit_amount) as difference
from {{ ref('xero__trial_balance') }}
group by tenant_id, date_month
having abs(sum(debit_amount) - sum(credit_amount)) >= 0.005
union all
select 'journal', tenant_id, journal_id, sum(net_amount)
from {{ ref('xero__general_ledger') }}
group by tenant_id, journal_id
having abs(sum(net_amount)) >= 0.005
