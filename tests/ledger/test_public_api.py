"""The ledger's public names: what other areas and users import."""

from __future__ import annotations

import modelpact.ledger as ledger
import modelpact.tracking as tracking


def test_exported_members() -> None:
    assert set(ledger.__all__) == {
        "STAGES",
        "VERDICT_SCHEMA",
        "AuditRecord",
        "DatasetSnapshot",
        "Event",
        "MetricValue",
        "ModelVersion",
        "Project",
        "ProjectStatus",
        "PromotionRefused",
        "Run",
        "RunDataset",
        "Stage",
        "Store",
        "VerdictRecord",
        "display_url",
        "is_ledger_ref",
        "open_configured_store",
        "open_store",
        "pact_hash",
        "project_status",
        "resolve_model",
        "resolve_predictions",
        "resolve_run_id",
        "resolve_store_url",
        "resolve_training_frame",
        "upgrade_store",
    }
    assert set(tracking.__all__) == {"ActiveRun", "start_run"}
    for name in ledger.__all__:
        assert getattr(ledger, name) is not None


def test_stages_in_lifecycle_order() -> None:
    assert ledger.STAGES == ("candidate", "signed_off", "champion", "retired")
