{#-
  The key of an Amplitude event (metrics.md section 1.2): copies sharing an insert_id are one
  event; an event without an insert_id is its uuid. Prefixed so the two kinds never collide.
-#}
{% macro amplitude_event_key(insert_id_expr, event_uuid_expr) -%}
    case
        when {{ insert_id_expr }} is null then 'uuid:' || {{ event_uuid_expr }}
        else 'insert_id:' || {{ insert_id_expr }}
    end
{%- endmacro %}
