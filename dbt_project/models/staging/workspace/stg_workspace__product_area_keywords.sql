-- Routing keywords per product area (product_area_keywords.csv).
select
    area as area,
    keyword as keyword
from {{ source('workspace', 'product_area_keywords') }}
