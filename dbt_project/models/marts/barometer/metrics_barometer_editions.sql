-- Product barometer participation per edition: invited PMs (workspace config
-- barometer_invitees.csv), how many of them completed the survey, and the response rate.
-- Editions are those with invitees or with responses. Completed responses of PMs not on the
-- edition's list are counted apart (uninvited_respondents) and left out of the rate, so it
-- stays a share of the invited list; their scores still count in the theme averages.
with invitees as (
    select
        invited.edition,
        invited.pm_email
    from {{ ref('stg_workspace__barometer_invitees') }} as invited
),

respondents as (
    select distinct
        responses.edition,
        responses.pm_email
    from {{ ref('int_barometer__responses') }} as responses
),

editions as (
    select invitees.edition from invitees
    union
    select respondents.edition from respondents
),

invited_counts as (
    select
        invitees.edition,
        count(*) as invited_pms,
        count(respondents.pm_email) as respondents
    from invitees
    left join respondents
        on invitees.edition = respondents.edition
        and invitees.pm_email = respondents.pm_email
    group by invitees.edition
),

uninvited_counts as (
    select
        respondents.edition,
        count(*) as uninvited_respondents
    from respondents
    left join invitees
        on respondents.edition = invitees.edition
        and respondents.pm_email = invitees.pm_email
    where invitees.pm_email is null
    group by respondents.edition
)

select
    cast(editions.edition as {{ type_text() }}) as edition,
    cast(coalesce(invited_counts.invited_pms, 0) as bigint) as invited_pms,
    cast(coalesce(invited_counts.respondents, 0) as bigint) as respondents,
    {{ ratio_or_null('invited_counts.respondents', 'invited_counts.invited_pms') }} as response_rate,
    cast(coalesce(uninvited_counts.uninvited_respondents, 0) as bigint) as uninvited_respondents
from editions
left join invited_counts
    on editions.edition = invited_counts.edition
left join uninvited_counts
    on editions.edition = uninvited_counts.edition
