-- Product areas with their owning team and PM (product_areas.csv).
select
    area as area,
    team as team,
    pm as pm
from {{ source('workspace', 'product_areas') }}
