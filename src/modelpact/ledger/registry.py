"""The model registry: model versions, their stages, and the rule for promoting them.

The registry owns the promotion rule: a version moves to ``signed_off`` or ``champion``
only with a stored ``signed_off`` verdict about it against the project's current pact, or
when a person forces it and says why (recorded as an event). Otherwise the move is refused
with :class:`~modelpact.errors.PromotionRefused`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path, PurePosixPath
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from modelpact.errors import (
    ConfigurationError,
    NotFoundError,
    PromotionRefused,
    StoreError,
    closest,
)
from modelpact.ledger import _convert as convert
from modelpact.ledger._engine import Database
from modelpact.ledger._sql import prefix_of
from modelpact.ledger.artifacts import ArtifactStore, artifact_sha256
from modelpact.ledger.entities import STAGES, ModelVersion, Project, VerdictRecord
from modelpact.ledger.names import check_name
from modelpact.ledger.records import event_row, verdict_value
from modelpact.ledger.schema import EventRow, ModelVersionRow, ProjectRow, VerdictRow
from modelpact.ledger.tracking import Tracking

__all__ = ["PROMOTING_STAGES", "PromotionRefused", "Registry"]

# Stages a version reaches only on evidence that it meets the pact.
PROMOTING_STAGES = ("signed_off", "champion")


class Registry:
    """Model versions of each project and their stages."""

    def __init__(self, db: Database, artifacts: ArtifactStore, tracking: Tracking) -> None:
        self.db = db
        self.artifacts = artifacts
        self.tracking = tracking

    # ---------------------------------------------------------------- versions

    def register_model(
        self,
        *,
        project: str,
        run_id: str | None = None,
        artifact_path: str | Path | None = None,
        model: object | None = None,
        name: str | None = None,
        params: Mapping[str, Any] | None = None,
        description: str | None = None,
        verdict_json: Mapping[str, Any] | None = None,
        pact_hash: str | None = None,
    ) -> ModelVersion:
        """Register a new version of *project*'s model as a ``candidate``.

        The artifact is either *model* (a scikit-learn estimator in skops format, anything
        else with joblib) or the file at *artifact_path*, copied into the artifact store so
        the ledger is self-contained; its name records its SHA-256.
        Its parent (lineage) is the version that is champion right now. With
        *verdict_json* (``modelpact.verdict/v1``, what ``verify --register`` has), the verdict
        is stored for the new version in the same transaction, against *pact_hash* (the hash
        of the pact it was decided against; default the project's pinned pact).
        """
        if model is not None and artifact_path is not None:
            raise ConfigurationError("give the model object or its file, not both")
        if name is not None:
            check_name(name, what="model")
        verdict = verdict_value(verdict_json) if verdict_json is not None else None
        project_row = self.tracking.ensure_project(project)
        real_run = self.tracking.get_run(run_id).id if run_id is not None else None
        source: Path | None = None
        if artifact_path is not None:
            source = Path(artifact_path)
            if not source.is_file():
                raise StoreError(f"model file {source} does not exist")
        version_id = convert.new_id()
        relative: str | None = None
        if model is not None:
            relative = self.artifacts.put_model(f"models/{project}/{version_id}", model)
        elif source is not None:
            relative = self.artifacts.put_model_file(f"models/{project}/{version_id}", source)
        try:
            return self._insert_version(
                project_row,
                version_id,
                real_run,
                relative,
                name,
                params,
                description,
                (verdict, verdict_json, pact_hash or project_row.pact_hash)
                if verdict is not None and verdict_json
                else None,
            )
        except BaseException:
            if relative is not None:  # no row refers to the artifact: do not leave it behind
                self.artifacts.remove_directory(str(PurePosixPath(relative).parent))
            raise

    def _insert_version(
        self,
        project_row: Project,
        version_id: str,
        real_run: str | None,
        relative: str | None,
        name: str | None,
        params: Mapping[str, Any] | None,
        description: str | None,
        verdict: tuple[str, Mapping[str, Any], str | None] | None,
    ) -> ModelVersion:
        for attempt in range(5):
            try:
                with self.db.writing() as session:
                    self.tracking.lock_project(session, project_row.id)
                    number = (
                        session.scalar(
                            select(func.max(ModelVersionRow.version)).where(
                                ModelVersionRow.project_id == project_row.id
                            )
                        )
                        or 0
                    ) + 1
                    champion = session.scalar(
                        select(ModelVersionRow.id).where(
                            ModelVersionRow.project_id == project_row.id,
                            ModelVersionRow.stage == "champion",
                        )
                    )
                    now = convert.now()
                    row = ModelVersionRow(
                        id=version_id,
                        project_id=project_row.id,
                        version=number,
                        name=name,
                        stage="candidate",
                        run_id=real_run,
                        artifact_path=relative,
                        params_json=convert.json_safe(dict(params)) if params else None,
                        parent_id=champion,
                        description=description,
                        created_at=now,
                        stage_changed_at=now,
                    )
                    session.add(row)
                    session.flush()  # the event below refers to this row
                    session.add(
                        event_row(
                            project_row.id,
                            "registered",
                            model_version_id=version_id,
                            to_stage="candidate",
                            actor=convert.current_user(),
                            created_at=now,
                        )
                    )
                    if verdict is not None:
                        session.add(
                            VerdictRow(
                                id=convert.new_id(),
                                project_id=project_row.id,
                                model_version_id=version_id,
                                run_id=real_run,
                                verdict=verdict[0],
                                pact_hash=verdict[2],
                                body_json=convert.json_safe(dict(verdict[1])),
                                created_at=now,
                            )
                        )
                    session.flush()
                    session.refresh(row)
                    return convert.model_version(row)
            except IntegrityError:
                # two writers took the same version number (PostgreSQL); take the next one
                if attempt == 4:
                    raise
        raise AssertionError("unreachable")

    def version_row(self, session: Session, ref: str) -> ModelVersionRow:
        """The row of a version given as its id (or prefix), ``project:N`` or ``project@stage``."""
        ref = ref.strip()
        row: ModelVersionRow | None = None
        if "@" in ref:
            project, _, stage = ref.partition("@")
            if stage not in STAGES:
                raise ConfigurationError(
                    f"'{ref}': '@{stage}' is not a stage{closest(stage, STAGES)} "
                    f"(stages: {', '.join(STAGES)})"
                )
            project_row = self.tracking.project_row(session, project)
            row = session.scalar(
                select(ModelVersionRow)
                .where(ModelVersionRow.project_id == project_row.id, ModelVersionRow.stage == stage)
                .order_by(ModelVersionRow.version.desc())
                .limit(1)
            )
            if row is None:
                raise NotFoundError(
                    f"project '{project}' has no model version in stage '{stage}'; see "
                    f"'modelpact models list --project {project}'"
                )
            return row
        if ":" in ref:
            project, _, number = ref.rpartition(":")
            project_row = self.tracking.project_row(session, project)
            if number == "latest":
                row = session.scalar(
                    select(ModelVersionRow)
                    .where(ModelVersionRow.project_id == project_row.id)
                    .order_by(ModelVersionRow.version.desc())
                    .limit(1)
                )
            elif number.lstrip("v").isdigit():
                row = session.scalar(
                    select(ModelVersionRow).where(
                        ModelVersionRow.project_id == project_row.id,
                        ModelVersionRow.version == int(number.lstrip("v")),
                    )
                )
        else:
            row = session.get(ModelVersionRow, ref)
            if row is None and len(ref) >= 4:
                matches = session.scalars(
                    select(ModelVersionRow).where(prefix_of(ModelVersionRow.id, ref)).limit(2)
                ).all()
                row = matches[0] if len(matches) == 1 else None
        if row is None:
            raise NotFoundError(
                f"no model version '{ref}' in store {self.db.display_url}; refer to one as "
                "PROJECT:VERSION, PROJECT@champion or its id (see 'modelpact models list')"
            )
        return row

    def get_model_version(self, ref: str) -> ModelVersion:
        """A model version by id (or unique prefix), ``project:N``, or ``project@stage``."""
        with self.db.reading() as session:
            return convert.model_version(self.version_row(session, ref))

    def list_model_versions(
        self, project: str | None = None, *, stage: str | None = None
    ) -> list[ModelVersion]:
        """Model versions by project and version number."""
        with self.db.reading() as session:
            query = (
                select(ModelVersionRow)
                .join(ProjectRow, ModelVersionRow.project_id == ProjectRow.id)
                .order_by(ProjectRow.name, ModelVersionRow.version)
            )
            if project is not None:
                query = query.where(
                    ModelVersionRow.project_id == self.tracking.project_row(session, project).id
                )
            if stage is not None:
                query = query.where(ModelVersionRow.stage == stage)
            return [convert.model_version(r) for r in session.scalars(query).all()]

    def load_model(
        self, ref: str, *, trust_pickle: bool = False, trusted: Sequence[str] | None = None
    ) -> Any:
        """Load a version's model, checking it is the file that was registered.

        A pickle runs the code it holds when loaded, so it loads only with *trust_pickle*;
        skops files load with skops' safe loader (types in *trusted* besides scikit-learn's).
        See :func:`modelpact.evaluate.models.load_registered_model`.
        """
        version = self.get_model_version(ref)
        if version.artifact_path is None:
            raise NotFoundError(f"model version {version.ref} has no artifact")
        from modelpact.evaluate.models import load_registered_model

        with self.db.reading() as session:
            row = session.scalars(
                select(EventRow)
                .where(EventRow.model_version_id == version.id, EventRow.kind == "registered")
                .order_by(EventRow.created_at)
                .limit(1)
            ).first()
            registered = convert.event(row) if row is not None else None
        with self.artifacts.local_file(version.artifact_path) as path:
            return load_registered_model(
                path,
                ref=version.ref,
                sha256=artifact_sha256(version.artifact_path),
                trust_pickle=trust_pickle,
                trusted=trusted,
                registered_by=registered.actor if registered else None,
                registered_at=registered.created_at if registered else None,
            )

    # ---------------------------------------------------------------- stages and promotion

    def signing_verdict(self, version_ref: str) -> VerdictRecord | None:
        """The latest ``signed_off`` verdict that lets this version be promoted, if any.

        It must be about this version (or the run that produced it) and decided against the
        project's pinned pact: a verdict against a merely proposed pact does not count.
        """
        with self.db.reading() as session:
            return self._signing_verdict(session, self.version_row(session, version_ref))

    @staticmethod
    def _signing_verdict(session: Session, row: ModelVersionRow) -> VerdictRecord | None:
        about = VerdictRow.model_version_id == row.id
        if row.run_id is not None:
            about = about | (VerdictRow.run_id == row.run_id)
        query = (
            select(VerdictRow)
            .where(about, VerdictRow.verdict == "signed_off")
            .order_by(VerdictRow.created_at.desc())
        )
        if row.project.pact_hash is not None:
            query = query.where(VerdictRow.pact_hash == row.project.pact_hash)
        found = session.scalars(query.limit(1)).first()
        return None if found is None else convert.verdict_record(found)

    def _check_promotion(
        self, session: Session, row: ModelVersionRow, stage: str, *, forced: bool
    ) -> bool:
        """Apply the promotion rule; return whether the move bypasses it (forced)."""
        if stage not in PROMOTING_STAGES or self._signing_verdict(session, row) is not None:
            return False
        if forced:
            return True
        pact = row.project.pact_name
        against = f"pact '{pact}'" if pact else "the project's pact"
        raise PromotionRefused(
            f"cannot promote {row.project.name}:{row.version} to {stage}: no "
            f"signed_off verdict against {against} is stored for it; run "
            f"'modelpact verify ... --register' or evaluate it in a run, or "
            "override with --force --reason TEXT"
        )

    def set_stage(
        self,
        version_ref: str,
        stage: str,
        *,
        reason: str | None = None,
        forced: bool = False,
        actor: str | None = None,
    ) -> ModelVersion:
        """Move a model version to *stage*, following the registry's rules.

        * ``signed_off`` and ``champion`` need a stored ``signed_off`` verdict for this
          version (or its run) against the project's current pact, unless *forced* with a
          *reason*; who forced it and why are recorded as an event. Without either the
          move raises :class:`~modelpact.errors.PromotionRefused`.
        * Promoting a champion demotes the previous champion to ``signed_off``, in the
          same transaction.
        """
        if stage not in STAGES:
            raise ConfigurationError(
                f"'{stage}' is not a stage{closest(stage, STAGES)} (stages: {', '.join(STAGES)})"
            )
        if forced and not (reason and reason.strip()):
            raise ConfigurationError("--force needs --reason TEXT: say why the rules are bypassed")
        who = actor or convert.current_user()
        with self.db.writing() as session:
            row = self.version_row(session, version_ref)
            self.tracking.lock_project(session, row.project_id)
            session.refresh(row)
            if row.stage == stage:
                return convert.model_version(row)
            used_force = self._check_promotion(session, row, stage, forced=forced)
            now = convert.now()
            if stage == "champion":
                previous = session.scalars(
                    select(ModelVersionRow).where(
                        ModelVersionRow.project_id == row.project_id,
                        ModelVersionRow.stage == "champion",
                        ModelVersionRow.id != row.id,
                    )
                ).all()
                for old in previous:
                    session.add(
                        event_row(
                            row.project_id,
                            "stage_changed",
                            model_version_id=old.id,
                            from_stage=old.stage,
                            to_stage="signed_off",
                            reason=f"replaced by {row.project.name}:{row.version}",
                            actor=who,
                            created_at=now,
                        )
                    )
                    old.stage = "signed_off"
                    old.stage_changed_at = now
            session.add(
                event_row(
                    row.project_id,
                    "stage_changed",
                    model_version_id=row.id,
                    from_stage=row.stage,
                    to_stage=stage,
                    forced=used_force,
                    reason=reason,
                    actor=who,
                    created_at=now,
                )
            )
            row.stage = stage
            row.stage_changed_at = now
            session.flush()
            return convert.model_version(row)
