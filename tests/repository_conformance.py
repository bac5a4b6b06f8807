"""The server's persistence against the repository Protocols the domain packages type against
(modelhub/repository.py, modelhub/finetune/repository.py, agents/resolve.py, evaluation/repository.py).

Not a test module: mypy checks it (``.ci/run``'s lint step). A store whose signatures drift from its Protocol
is a type error here.
"""

from __future__ import annotations

from agents.resolve import WorkflowRepository
from evaluation.repository import EvalRepository
from modelhub.finetune import repository as finetune
from modelhub.repository import DeploymentRecord, ModelRecord, ModelRepository
from server.agents.skills import StoreWorkflows
from server.db.evaluation import EvalStore
from server.db.finetune import AdapterRegistrar, FinetuneJobs, TrainingSources
from server.db.models_registry import DeploymentRow, ModelRow
from server.db.registry import Registry


def model_repository(real: Registry) -> ModelRepository:
    return real


def model_record(real: ModelRow) -> ModelRecord:
    return real


def deployment_record(real: DeploymentRow) -> DeploymentRecord:
    return real


def workflow_repository(real: StoreWorkflows) -> WorkflowRepository:
    return real


def finetune_jobs(real: FinetuneJobs) -> finetune.JobRepository:
    return real


def training_sources(real: TrainingSources) -> finetune.TrainingSources:
    return real


def adapter_registrar(real: AdapterRegistrar) -> finetune.AdapterRegistrar:
    return real


def evaluation_store(real: EvalStore) -> EvalRepository:
    return real
