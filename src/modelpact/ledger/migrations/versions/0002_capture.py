"""Production capture: monitored models, predictions, feedback, API keys, leases, results, alerts.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30 05:19:58.437911
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "capture_layouts",
        sa.Column("id", sa.String(length=16), nullable=False),
        sa.Column("columns_json", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_capture_layouts")),
    )
    op.create_table(
        "locks",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("holder", sa.String(length=200), nullable=False),
        sa.Column("acquired_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_locks")),
    )
    op.create_table(
        "api_keys",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("project_id", sa.String(length=32), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_api_keys_project_id_projects")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_keys")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_api_keys_key_hash")),
    )
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_keys_project_id"), ["project_id"], unique=False)

    op.create_table(
        "capture_models",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("project_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reference_start", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reference_end", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_capture_models_project_id_projects")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_capture_models")),
        sa.UniqueConstraint("project_id", "name", name=op.f("uq_capture_models_project_id")),
    )
    with op.batch_alter_table("capture_models", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_capture_models_project_id"), ["project_id"], unique=False
        )

    op.create_table(
        "alerts",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("model_id", sa.String(length=32), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("body_json", sa.JSON(), nullable=False),
        sa.Column("result_id", sa.String(length=32), nullable=True),
        sa.Column("first_raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivery_status", sa.String(length=16), nullable=False),
        sa.Column("notify_kind", sa.String(length=16), nullable=False),
        sa.Column("notified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["model_id"], ["capture_models.id"], name=op.f("fk_alerts_model_id_capture_models")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alerts")),
        sa.UniqueConstraint("model_id", "fingerprint", name=op.f("uq_alerts_model_id")),
    )
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_alerts_delivery_status"), ["delivery_status"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_alerts_model_id"), ["model_id"], unique=False)

    op.create_table(
        "captured_feedback",
        sa.Column("model_id", sa.String(length=32), nullable=False),
        sa.Column("prediction_id", sa.String(length=200), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["model_id"],
            ["capture_models.id"],
            name=op.f("fk_captured_feedback_model_id_capture_models"),
        ),
        sa.PrimaryKeyConstraint("model_id", "prediction_id", name=op.f("pk_captured_feedback")),
    )
    op.create_table(
        "captured_predictions",
        sa.Column("model_id", sa.String(length=32), nullable=False),
        sa.Column("prediction_id", sa.String(length=200), nullable=False),
        sa.Column("ts", sa.DateTime(timezone=True), nullable=False),
        sa.Column("layout_id", sa.String(length=16), nullable=False),
        sa.Column("features", sa.Text(), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("scores", sa.Text(), nullable=True),
        sa.Column("prediction", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["model_id"],
            ["capture_models.id"],
            name=op.f("fk_captured_predictions_model_id_capture_models"),
        ),
        sa.PrimaryKeyConstraint("model_id", "prediction_id", name=op.f("pk_captured_predictions")),
    )
    with op.batch_alter_table("captured_predictions", schema=None) as batch_op:
        batch_op.create_index("ix_captured_predictions_model_ts", ["model_id", "ts"], unique=False)

    op.create_table(
        "monitoring_results",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("model_id", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("n_alerts", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("body_json", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["model_id"],
            ["capture_models.id"],
            name=op.f("fk_monitoring_results_model_id_capture_models"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitoring_results")),
    )
    with op.batch_alter_table("monitoring_results", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_monitoring_results_model_id"), ["model_id"], unique=False
        )

    op.create_table(
        "alert_deliveries",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("alert_id", sa.String(length=32), nullable=False),
        sa.Column("target", sa.String(length=500), nullable=False),
        sa.Column("notify_kind", sa.String(length=16), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["alert_id"], ["alerts.id"], name=op.f("fk_alert_deliveries_alert_id_alerts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_deliveries")),
    )
    with op.batch_alter_table("alert_deliveries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_alert_deliveries_alert_id"), ["alert_id"], unique=False
        )


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("alert_deliveries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alert_deliveries_alert_id"))

    op.drop_table("alert_deliveries")
    with op.batch_alter_table("monitoring_results", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_monitoring_results_model_id"))

    op.drop_table("monitoring_results")
    with op.batch_alter_table("captured_predictions", schema=None) as batch_op:
        batch_op.drop_index("ix_captured_predictions_model_ts")

    op.drop_table("captured_predictions")
    op.drop_table("captured_feedback")
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alerts_model_id"))
        batch_op.drop_index(batch_op.f("ix_alerts_delivery_status"))

    op.drop_table("alerts")
    with op.batch_alter_table("capture_models", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_capture_models_project_id"))

    op.drop_table("capture_models")
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_keys_project_id"))

    op.drop_table("api_keys")
    op.drop_table("locks")
    op.drop_table("capture_layouts")
