{# A key unique within each tenant: the same Xero id may exist in two organisations. #}
{% test unique_per_tenant(model, column_name) %}
select tenant_id, {{ column_name }}, count(*) as n
from {{ model }}
where {{ column_name }} is not null
group by tenant_id, {{ column_name }}
having count(*) > 1
{% endtest %}
