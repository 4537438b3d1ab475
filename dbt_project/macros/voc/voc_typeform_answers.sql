{#-
  The answers of Typeform responses with their question's definition, the join the survey models
  share (NPS, survey feedback, barometer theme scores). Written after a `from` of responses
  (`responses_alias`: any relation with form_id and response_id), it adds `answers`
  (stg_typeform__answers: one row per answer) and `fields` (stg_typeform__form_fields: the
  answered question in the form definition, left joined, so its columns are null when the
  definition lacks it).
-#}
{% macro join_typeform_answers(responses_alias) -%}
    inner join {{ ref('stg_typeform__answers') }} as answers
        on {{ responses_alias }}.form_id = answers.form_id
        and {{ responses_alias }}.response_id = answers.response_id
    left join {{ ref('stg_typeform__form_fields') }} as fields
        on answers.form_id = fields.form_id
        and answers.field_id = fields.field_id
{%- endmacro %}

{#- An answer's question attribute (`type`, `ref`) after join_typeform_answers: the answer carries
    its field's, the form definition is the fallback when it does not. -#}
{% macro typeform_answer_field(attribute) -%}
    coalesce(answers.field_{{ attribute }}, fields.field_{{ attribute }})
{%- endmacro %}
