-- metrics_barometer_editions: respondents <= invited_pms, and response_rate = respondents /
-- invited_pms (null exactly when nobody is invited). Returns the editions that break it.
select
    editions.edition,
    editions.invited_pms,
    editions.respondents,
    editions.response_rate
from {{ ref('metrics_barometer_editions') }} as editions
where editions.respondents > editions.invited_pms
    or (editions.invited_pms = 0 and editions.response_rate is not null)
    or (
        editions.invited_pms > 0
        and (
            editions.response_rate is null
            or abs(editions.response_rate - cast(editions.respondents as {{ type_double() }}) / editions.invited_pms) > 1e-9
        )
    )
