{#-
  Spark SQL versions of the project's dispatch macros (the DuckDB/Postgres ones sit next to their
  generic macro). The profile sets the Spark session time zone to UTC, so `timestamp` values are
  read and written as UTC wall-clock times, as the zone-less timestamps of DuckDB and Postgres.
  JSON documents are text on Spark: scalars are read with get_json_object, types and arrays with
  the VARIANT functions (parse_json, schema_of_variant, variant_explode), Spark 4's JSON model.
-#}

{# ---- types -------------------------------------------------------------------------------- #}
{% macro spark__type_text() -%}
    string
{%- endmacro %}

{% macro spark__type_varchar() -%}
    string
{%- endmacro %}

{% macro spark__type_double() -%}
    double
{%- endmacro %}

{# ---- JSON (cross_db_json.sql) ------------------------------------------------------------- #}
{# Bracketed keys ($['a']['$b']) so keys such as `$insert_id` need no escaping; the quotes are
   backslash-escaped because the path sits in a SQL string literal #}
{% macro _spark_json_path(path) -%}
    ${% for key in path %}[\'{{ key }}\']{% endfor %}
{%- endmacro %}

{% macro spark__json_text(column, path) -%}
    get_json_object({{ column }}, '{{ _spark_json_path(path) }}')
{%- endmacro %}

{# A Spark array is 0-based: read its items with list_item (1-based, as on DuckDB/Postgres) #}
{% macro spark__json_texts(column, paths) -%}
    array({% for path in paths %}{{ spark__json_text(column, path) }}{{ ', ' if not loop.last }}{% endfor %})
{%- endmacro %}

{# Objects and arrays stay JSON text #}
{% macro spark__json_value(column, path) -%}
    get_json_object({{ column }}, '{{ _spark_json_path(path) }}')
{%- endmacro %}

{% macro spark__json_type(column, path) -%}
    {%- set value = "variant_get(try_parse_json(" ~ column ~ "), '" ~ _spark_json_path(path) ~ "')" -%}
    case
        when schema_of_variant({{ value }}) like 'OBJECT%' then 'object'
        when schema_of_variant({{ value }}) like 'ARRAY%' then 'array'
        when schema_of_variant({{ value }}) = 'STRING' then 'string'
        when schema_of_variant({{ value }}) = 'BOOLEAN' then 'boolean'
        when schema_of_variant({{ value }}) = 'VOID' then 'null'
        when schema_of_variant({{ value }}) in ('BIGINT', 'INT', 'SMALLINT', 'TINYINT') then 'integer'
        when schema_of_variant({{ value }}) is not null then
            case when cast({{ value }} as double) = floor(cast({{ value }} as double))
                 then 'integer' else 'number' end
    end
{%- endmacro %}

{# ---- record_schema.sql ------------------------------------------------------------------ #}
{# A zone in a timestamp's text (iso8601_utc) is honoured by the plain cast; the session zone (UTC)
   is the result's #}
{% macro spark__field_cast(text_expr, field) -%}
    {{ try_cast_field(text_expr, field) }}
{%- endmacro %}

{# ---- cross_db_sql.sql ------------------------------------------------------------------- #}
{# collect_list keeps no order: sort structs whose leading fields are the sort keys #}
{% macro spark__ordered_string_agg(expr, separator, order_by, distinct) -%}
    {%- set collect = 'collect_set' if distinct else 'collect_list' -%}
    case when count({{ expr }}) > 0 then
        array_join(
            transform(
                sort_array({{ collect }}(named_struct(
                    {%- for key in order_by %}'k{{ loop.index }}', {{ key }}, {% endfor -%}
                    'value', {{ expr }}
                ))),
                item -> item.value
            ),
            '{{ separator }}'
        )
    end
{%- endmacro %}

{% macro spark__list_item(list_expr, n) -%}
    element_at({{ list_expr }}, {{ n }})
{%- endmacro %}

{% macro spark__regexp_contains(text_expr, pattern_expr) -%}
    ({{ text_expr }} rlike {{ pattern_expr }})
{%- endmacro %}

{% macro spark__seconds_between(start_expr, end_expr) -%}
    (unix_timestamp({{ end_expr }}) - unix_timestamp({{ start_expr }}))
{%- endmacro %}

{% macro spark__utc_to_local(utc_ts, tz) -%}
    from_utc_timestamp({{ utc_ts }}, '{{ tz }}')
{%- endmacro %}

{% macro spark__local_to_utc(local_ts, tz) -%}
    to_utc_timestamp({{ local_ts }}, '{{ tz }}')
{%- endmacro %}

{% macro spark__iso_text_to_utc(text_expr) -%}
    cast({{ text_expr }} as timestamp)
{%- endmacro %}

{% macro spark__timestamp_series(start_expr, end_expr, step, alias) -%}
    cross join lateral (
        select series.series_ts
        from explode(sequence(
            cast({{ start_expr }} as timestamp), cast({{ end_expr }} as timestamp), interval {{ step }}
        )) as series (series_ts)
    ) as {{ alias }}
{%- endmacro %}

{% macro spark__day_series(start_expr, end_expr, alias) -%}
    cross join lateral (
        select cast(series.series_ts as date) as date_day
        from explode(sequence(
            cast({{ start_expr }} as timestamp), cast({{ end_expr }} as timestamp), interval 1 day
        )) as series (series_ts)
    ) as {{ alias }}
{%- endmacro %}

{# dbt-spark's dateadd goes through interval arithmetic that breaks on TIMESTAMP_NTZ in Spark 4
   (and drops microseconds); timestampadd() keeps both types and the fraction. #}
{% macro spark__dateadd(datepart, interval, from_date_or_timestamp) -%}
    timestampadd({{ datepart }}, {{ interval }}, {{ from_date_or_timestamp }})
{%- endmacro %}

{# ---- voc/*.sql ---------------------------------------------------------------------------- #}
{% macro spark__voc_median(expr) -%}
    cast(percentile_cont(0.5) within group (order by {{ expr }}) as double)
{%- endmacro %}

{# Elements as JSON text with 1-based ordinals; a missing, null or non-array value: no rows #}
{% macro spark__voc_json_array_rows(column, path, alias) -%}
    {%- set value = "variant_get(try_parse_json(" ~ column ~ "), '" ~ _spark_json_path(path) ~ "')" -%}
    cross join lateral (
        select exploded.pos + 1 as ordinal, to_json(exploded.value) as element
        from variant_explode(case when schema_of_variant({{ value }}) like 'ARRAY%' then {{ value }} end) as exploded
    ) as {{ alias }}
{%- endmacro %}

{# Java regex: (?i) for case-insensitive; the pattern itself is the portable one of voc_keyword_pattern #}
{% macro spark__voc_matches_keyword(text_expr, keyword_expr) -%}
    ({{ text_expr }} rlike ('(?i)' || {{ voc_keyword_pattern(keyword_expr) }}))
{%- endmacro %}

{# Java regex replacement: $1 is the group, \\ a backslash (raw literals: no SQL unescaping) #}
{% macro spark__voc_regex_escape(expr) -%}
    regexp_replace({{ expr }}, r'([.^$*+?()\[\]{}|\\])', r'\\$1')
{%- endmacro %}

{% macro spark__voc_has_text(expr) -%}
    coalesce({{ expr }} rlike r'\S', false)
{%- endmacro %}

{# ---- constraints ------------------------------------------------------------------------- #}
{# Spark tables without Delta/Iceberg take no constraints: the data tests check them instead #}
{% macro spark__persist_constraints(relation, model) -%}
{%- endmacro %}
