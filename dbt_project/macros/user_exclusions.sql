{#-
  True when the (already lower-cased) email domain expression is one of the dbt var
  `internal_email_domains`: exact match after lower-casing both sides, so a look-alike
  (`acme-insights.co`, `notacme-insights.com`, `acme-insights.com.evil.io`) never matches.
-#}
{% macro is_internal_email_domain(domain_expr) -%}
    {%- set domains = var('internal_email_domains') -%}
    {%- if domains is string -%}
        {%- set domains = [domains] -%}
    {%- endif -%}
    {%- set cleaned = [] -%}
    {%- for domain in domains -%}
        {%- set value = (domain | string | trim | lower) -%}
        {%- if value -%}
            {%- do cleaned.append("'" ~ value | replace("'", "''") ~ "'") -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if cleaned -%}
        coalesce({{ domain_expr }} in ({{ cleaned | join(', ') }}), false)
    {%- else -%}
        false
    {%- endif -%}
{%- endmacro %}
