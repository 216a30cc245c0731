-- Invoice line items with their invoice, contact and account: one row per line of every
-- invoice and bill, keyed by tenant_id and line_item_id.
with lines as (
    select * from {{ ref('stg_xero__invoice_line_items') }}
), invoices as (
    select * from {{ ref('stg_xero__invoices') }}
), accounts as (
    select * from {{ ref('stg_xero__accounts') }}
)
select
    lines.tenant_id,
    lines.line_item_id,
    lines.invoice_id,
    lines.line_position,
    invoices.invoice_number,
    invoices.invoice_type,
    invoices.status as invoice_status,
    invoices.invoice_date,
    invoices.due_date,
    invoices.contact_id,
    invoices.contact_name,
    invoices.currency_code,
    invoices.currency_rate,
    invoices.line_amount_types,
    invoices.reference,
    lines.description,
    lines.quantity,
    lines.unit_amount,
    lines.discount_rate,
    lines.item_code,
    coalesce(lines.account_id, accounts.account_id) as account_id,
    lines.account_code,
    accounts.account_name,
    accounts.account_type,
    accounts.account_class,
    lines.tax_type,
    lines.tax_amount,
    lines.line_amount,
    lines.tracking,
    invoices.updated_at
from lines
inner join invoices
    on invoices.tenant_id = lines.tenant_id and invoices.invoice_id = lines.invoice_id
left join accounts
    on accounts.tenant_id = lines.tenant_id
    and (accounts.account_id = lines.account_id
         or (lines.account_id is null and accounts.account_code = lines.account_code))
