-- Product barometer maturity per edition and theme: the average score (1-5 opinion scale) over
-- the PMs who scored the theme (each PM's latest completed response of the edition), and its
-- change since the previous edition (the edition just before in order, YYYY-H1 < YYYY-H2 <
-- YYYY+1-H1; null when there is none or it has no score for the theme). Every edition gets a row
-- for every theme seen in any edition (average null when nobody scored it).
with editions as (
    select editions_rows.edition
    from {{ ref('metrics_barometer_editions') }} as editions_rows
),

ordered_editions as (
    select
        editions.edition,
        lag(editions.edition) over (order by {{ ordered_text('editions.edition') }}) as previous_edition
    from editions
),

themes as (
    select distinct scores.theme
    from {{ ref('int_barometer__theme_scores') }} as scores
),

averages as (
    select
        scores.edition,
        scores.theme,
        count(*) as responses,
        avg(cast(scores.score as {{ type_double() }})) as average_score
    from {{ ref('int_barometer__theme_scores') }} as scores
    group by
        scores.edition,
        scores.theme
)

select
    cast(ordered_editions.edition as {{ type_text() }}) as edition,
    cast(themes.theme as {{ type_text() }}) as theme,
    cast(coalesce(current_scores.responses, 0) as bigint) as responses,
    cast(current_scores.average_score as {{ type_double() }}) as average_score,
    cast(ordered_editions.previous_edition as {{ type_text() }}) as previous_edition,
    cast(previous_scores.average_score as {{ type_double() }}) as previous_average_score,
    cast(current_scores.average_score - previous_scores.average_score as {{ type_double() }})
        as change_since_previous_edition
from ordered_editions
cross join themes
left join averages as current_scores
    on ordered_editions.edition = current_scores.edition
    and themes.theme = current_scores.theme
left join averages as previous_scores
    on ordered_editions.previous_edition = previous_scores.edition
    and themes.theme = previous_scores.theme
