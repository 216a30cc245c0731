-- One row per tenant and month, from the month of its first journal to the later of its last
-- journal's month and the current month.
with bounds as (
    select
        tenant_id,
        cast({{ dbt.date_trunc('month', 'min(journal_date)') }} as date) as first_month,
        cast({{ dbt.date_trunc('month', 'max(journal_date)') }} as date) as last_month
    from {{ ref('stg_xero__journal_lines') }}
    group by tenant_id
), digits as (
    select 0 as d union all select 1 union all select 2 union all select 3 union all select 4
    union all select 5 union all select 6 union all select 7 union all select 8 union all select 9
), offsets as (
    select a.d + 10 * b.d + 100 * c.d as n
    from digits a cross join digits b cross join digits c
), months as (
    select
        bounds.tenant_id,
        cast({{ dbt.dateadd('month', 'offsets.n', 'bounds.first_month') }} as date) as date_month,
        bounds.last_month
    from bounds
    cross join offsets
)
select tenant_id, date_month
from months
where date_month <= last_month
   or date_month <= cast({{ dbt.date_trunc('month', 'current_date') }} as date)
