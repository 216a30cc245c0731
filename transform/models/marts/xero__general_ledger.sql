-- The general ledger: one row per journal line, with its journal, account and source document.
-- net_amount is Xero's: positive for debits, negative for credits; each journal sums to zero.
with lines as (
    select * from {{ ref('stg_xero__journal_lines') }}
), journals as (
    select * from {{ ref('stg_xero__journals') }}
), accounts as (
    select * from {{ ref('stg_xero__accounts') }}
), invoices as (
    select tenant_id, invoice_id, contact_id from {{ ref('stg_xero__invoices') }}
), credit_notes as (
    select tenant_id, credit_note_id, contact_id from {{ ref('stg_xero__credit_notes') }}
), bank_transactions as (
    select tenant_id, bank_transaction_id, contact_id from {{ ref('stg_xero__bank_transactions') }}
), contacts as (
    select tenant_id, contact_id, contact_name from {{ ref('stg_xero__contacts') }}
), joined as (
    select
        lines.tenant_id,
        lines.journal_id,
        lines.journal_line_id,
        lines.line_position,
        lines.parent_journal_number as journal_number,
        coalesce(lines.journal_date, journals.journal_date) as journal_date,
        journals.created_at as created_date_utc,
        journals.reference,
        coalesce(lines.source_id, journals.source_id) as source_id,
        coalesce(lines.source_type, journals.source_type) as source_type,
        lines.account_id,
        coalesce(accounts.account_code, lines.account_code) as account_code,
        coalesce(accounts.account_name, lines.account_name) as account_name,
        coalesce(accounts.account_type, lines.account_type) as account_type,
        coalesce(accounts.account_class, {{ xero_class_of_type('lines.account_type') }}) as account_class,
        lines.description,
        lines.net_amount,
        lines.gross_amount,
        lines.tax_amount,
        lines.tax_type,
        lines.tax_name,
        lines.tracking_categories
    from lines
    left join journals
        on journals.tenant_id = lines.tenant_id and journals.journal_id = lines.journal_id
    left join accounts
        on accounts.tenant_id = lines.tenant_id and accounts.account_id = lines.account_id
), sourced as (
    select
        joined.*,
        case when source_type in ('ACCPAY', 'ACCREC') then source_id end as invoice_id,
        case when source_type in ('CASHREC', 'CASHPAID') then source_id end as bank_transaction_id,
        case when source_type = 'TRANSFER' then source_id end as bank_transfer_id,
        case when source_type = 'MANJOURNAL' then source_id end as manual_journal_id,
        case when source_type in ('ACCRECPAYMENT', 'ACCPAYPAYMENT', 'ARCREDITPAYMENT',
                                  'APCREDITPAYMENT', 'AROVERPAYMENTPAYMENT',
                                  'APOVERPAYMENTPAYMENT', 'ARPREPAYMENTPAYMENT',
                                  'APPREPAYMENTPAYMENT') then source_id end as payment_id,
        case when source_type in ('ACCPAYCREDIT', 'ACCRECCREDIT') then source_id end as credit_note_id,
        case when source_type in ('AROVERPAYMENT', 'APOVERPAYMENT') then source_id end as overpayment_id,
        case when source_type in ('ARPREPAYMENT', 'APPREPAYMENT') then source_id end as prepayment_id
    from joined
)
select
    sourced.*,
    coalesce(invoices.contact_id, credit_notes.contact_id, bank_transactions.contact_id) as contact_id,
    contacts.contact_name
from sourced
left join invoices
    on invoices.tenant_id = sourced.tenant_id and invoices.invoice_id = sourced.invoice_id
left join credit_notes
    on credit_notes.tenant_id = sourced.tenant_id and credit_notes.credit_note_id = sourced.credit_note_id
left join bank_transactions
    on bank_transactions.tenant_id = sourced.tenant_id
    and bank_transactions.bank_transaction_id = sourced.bank_transaction_id
left join contacts
    on contacts.tenant_id = sourced.tenant_id
    and contacts.contact_id = coalesce(invoices.contact_id, credit_notes.contact_id, bank_transactions.contact_id)
