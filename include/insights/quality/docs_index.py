"""The Data Docs index over every stored validation result, without re-reading each result on every run.

GX's DefaultSiteIndexBuilder loads and deserialises every validation result in the store to list
it (its success, asset and batch), ~25 ms each: with ~22 results a night the gate's start-up grew
by about half a second per night of history (measured: 43 results 1.9 s, 473 results 13 s). The
index entries never change once a result is written, so this builder keeps them in a small JSON
cache next to the results and reads only the results it has not seen. Results deleted from the
store drop out of the index as before (GX removes their pages; the cache forgets them).

Imported by GX from the site's `site_index_builder` config, so only when a gate builds Data Docs.
Once GX has written the site, every page is made to work offline (insights.quality.docs_offline).
"""

from __future__ import annotations

import json
import logging
from collections import OrderedDict
from pathlib import Path
from typing import Any

from great_expectations.core.expectation_validation_result import ExpectationSuiteValidationResult
from great_expectations.render.renderer.site_builder import (
    FALSEY_YAML_STRINGS,
    DefaultSiteIndexBuilder,
    _resolve_asset_name,
    resource_key_passes_run_name_filter,
)

from insights.quality.docs_offline import make_site_offline

_log = logging.getLogger(__name__)
CACHE_FILE = "insights_docs_index.json"  # in the validation results store's folder
_CACHE_VERSION = 1


def _cache_key(key: Any) -> str:
    return "/".join(str(part) for part in key.to_fixed_length_tuple())


class CachedSiteIndexBuilder(DefaultSiteIndexBuilder):
    """DefaultSiteIndexBuilder whose validation entries come from a cache of what each result showed."""

    def build(self, skip_and_clean_missing: bool = True, build_index: bool = True) -> Any:
        built = super().build(skip_and_clean_missing=skip_and_clean_missing, build_index=build_index)
        site = site_directory(self)
        if build_index and site is not None:
            # GX writes the index last: every page of the site exists by now. Readable docs must never
            # fail the gate that validated the data: a page that cannot be rewritten stays as GX wrote it.
            try:
                make_site_offline(site)
            except (OSError, ValueError, SyntaxError) as exc:
                _log.warning("Data Docs left as GX wrote them (offline rewrite failed: %s)", exc)
        return built

    def _cache_path(self) -> Path | None:
        root = getattr(self.data_context, "root_directory", None)
        return Path(root) / "uncommitted" / CACHE_FILE if root else None

    def _read_cache(self, path: Path | None) -> dict[str, dict[str, Any]]:
        if path is None or not path.is_file():
            return {}
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}  # a damaged cache is rebuilt from the results
        return doc.get("entries", {}) if doc.get("version") == _CACHE_VERSION else {}

    def _entry(self, key: Any) -> dict[str, Any] | None:
        validation = self.data_context.get_validation_result(
            batch_identifier=key.batch_identifier,
            expectation_suite_name=key.expectation_suite_identifier.name,
            run_id=key.run_id,
            validation_results_store_name=self.source_stores.get("validations"),
        )
        if not isinstance(validation, ExpectationSuiteValidationResult):
            return None
        return {
            "success": validation.success,
            "asset_name": _resolve_asset_name(validation),
            "batch_kwargs": validation.meta.get("batch_kwargs", {}),
            "batch_spec": validation.meta.get("batch_spec", {}),
        }

    def _add_validations_to_index_links(self, index_links_dict: OrderedDict, site_keys: list[Any]) -> None:
        validations = self.site_section_builders_config.get("validations", "None")
        if not validations or validations in FALSEY_YAML_STRINGS:
            return
        run_name_filter = self.site_section_builders_config["validations"]["run_name_filter"]
        keys = sorted(
            (k for k in site_keys if resource_key_passes_run_name_filter(k, run_name_filter)),
            key=lambda k: k.run_id.run_time,
            reverse=True,
        )
        if self.validation_results_limit:
            keys = keys[: self.validation_results_limit]
        path = self._cache_path()
        cached = self._read_cache(path)
        entries: dict[str, dict[str, Any]] = {}
        for key in keys:
            name = _cache_key(key)
            entry = cached.get(name)
            if entry is None:
                try:
                    entry = self._entry(key)
                except Exception:  # as GX does: a broken result is skipped, not fatal to the docs
                    entry = None
                if entry is None:
                    _log.warning("Validation result not found: %s - skipping", key.to_tuple())
                    continue
            entries[name] = entry
            self.add_resource_info_to_index_links_dict(
                index_links_dict=index_links_dict,
                expectation_suite_name=key.expectation_suite_identifier.name,
                section_name="validations",
                batch_identifier=key.batch_identifier,
                run_id=key.run_id,
                validation_success=entry["success"],
                run_time=key.run_id.run_time,
                run_name=key.run_id.run_name,
                asset_name=entry["asset_name"],
                batch_kwargs=entry["batch_kwargs"],
                batch_spec=entry["batch_spec"],
            )
        if path is not None and entries != cached:
            tmp = path.with_name(path.name + ".tmp")
            tmp.write_text(json.dumps({"version": _CACHE_VERSION, "entries": entries}, default=str), "utf-8")
            tmp.replace(path)


def site_directory(builder: DefaultSiteIndexBuilder) -> Path | None:
    """The folder of a filesystem Data Docs site (None for other stores)."""
    backend = getattr(getattr(builder, "target_store", None), "store_backend", None)
    folder = getattr(backend, "full_base_directory", None)
    return Path(folder) if folder else None
