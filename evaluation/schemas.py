"""The records of an evaluation, as the sets, the runner, the reports, the store and the API share them.

Ids are strings the store assigns (``set_id``, ``run_id``, ``item_id``); a candidate's ``candidate_id`` is
chosen when the run is created and is unique within the run. Results are keyed by
``(run_id, candidate_id, item_id)``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

RunStatus = Literal["queued", "running", "succeeded", "failed", "cancelled"]
SetSource = Literal["upload", "dataset"]
JudgeMode = Literal["score", "pairwise"]
Language = Literal["zh", "en"]
PairVerdict = Literal["win", "loss", "tie"]
ReviewVerdict = Literal["pass", "fail"]
MAX_CANDIDATES = 10
ID_PATTERN = r"^[A-Za-z0-9_.:-]{1,128}$"


class EvalItem(BaseModel):
    """One sample of an evaluation set: what the candidate is given, and what a good answer is."""

    model_config = ConfigDict(extra="forbid")

    item_id: str = Field(pattern=ID_PATTERN)
    inputs: dict[str, Any]  # workflow start variables; a model gets ``query`` (and ``history``/``system``)
    reference: str | None = None  # the expected answer, or the expected label for classification
    labels: list[str] = Field(default_factory=list)  # gold labels (multi-label); empty unless classification
    tags: list[str] = Field(default_factory=list)  # for per-tag breakdowns ("domain", "general", "长文本", …)
    line: int | None = None  # the line of the uploaded file or dataset it came from

    def expected(self) -> str | None:
        """What metrics compare against: the reference, else the first gold label."""
        if self.reference is not None:
            return self.reference
        return self.labels[0] if self.labels else None


class EvalSet(BaseModel):
    """An evaluation set; its items are stored beside it (:class:`EvalRepository.set_items`)."""

    model_config = ConfigDict(extra="forbid")

    set_id: str = Field(pattern=ID_PATTERN)
    name: str = Field(min_length=1, max_length=200)
    description: str = ""
    source: SetSource = "upload"
    dataset_id: str | None = None  # when built from a dataset version
    dataset_version: int | None = None
    item_count: int = 0
    created_at: float = 0.0


class _CandidateBase(BaseModel):
    model_config = ConfigDict(extra="forbid")

    candidate_id: str = Field(pattern=r"^[A-Za-z0-9_-]{1,64}$")
    name: str = ""  # shown in reports; defaults to what the candidate points at


class ModelCandidate(_CandidateBase):
    """A deployed model or registered endpoint, called by its registry name."""

    kind: Literal["model"] = "model"
    model: str = Field(min_length=1)
    version: int | None = None
    system_prompt: str | None = None
    params: dict[str, Any] = Field(default_factory=dict)  # temperature, top_p, max_tokens, …


class WorkflowCandidate(_CandidateBase):
    """A workflow at a published version, or its draft when ``version`` is None."""

    kind: Literal["workflow"] = "workflow"
    workflow_id: str = Field(min_length=1)
    version: int | None = None
    output: str | None = None  # which end-node output is the answer; None: ``answer``, else the only output


class AgentCandidate(_CandidateBase):
    """An agent app at a published version, or its draft when ``version`` is None."""

    kind: Literal["agent"] = "agent"
    app_id: str = Field(min_length=1)
    version: int | None = None


CandidateSpec = Annotated[ModelCandidate | WorkflowCandidate | AgentCandidate, Field(discriminator="kind")]


class MetricSpec(BaseModel):
    """A metric by registry name (:func:`evaluation.metrics.metric`) with its parameters."""

    model_config = ConfigDict(extra="forbid")

    name: str
    params: dict[str, Any] = Field(default_factory=dict)
    alias: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_.:-]{1,64}$")  # the score's key; default: name

    @property
    def key(self) -> str:
        return self.alias or self.name


class JudgeConfig(BaseModel):
    """LLM-as-judge: which model judges, how, and with which rubric (None: the default for ``language``)."""

    model_config = ConfigDict(extra="forbid")

    model: str = Field(min_length=1)  # registry name of the judge model
    mode: JudgeMode = "score"
    rubric: str | None = None
    language: Language = "zh"
    baseline: str | None = None  # pairwise: the candidate_id every other candidate is compared with

    @model_validator(mode="after")
    def _pairwise_needs_baseline(self) -> JudgeConfig:
        if self.mode == "pairwise" and not self.baseline:
            raise ValueError("a pairwise judge needs a baseline candidate_id")
        return self


class Progress(BaseModel):
    """How far a run is: samples (candidate × item) generated and scored."""

    total: int = 0
    done: int = 0
    failed: int = 0


class CandidateCost(BaseModel):
    """What one candidate spent over a run."""

    samples: int = 0
    errors: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    latency_s: float = 0.0  # sum of per-sample latencies
    wall_s: float = 0.0  # wall-clock time from the candidate's first call to its last


class EvalRun(BaseModel):
    """An evaluation run: up to ten candidates over one set, scored by metrics and an optional judge."""

    model_config = ConfigDict(extra="forbid")

    run_id: str = Field(pattern=ID_PATTERN)
    name: str = ""
    set_id: str
    candidates: list[CandidateSpec] = Field(min_length=1, max_length=MAX_CANDIDATES)
    metrics: list[MetricSpec] = Field(default_factory=list)
    judge: JudgeConfig | None = None
    concurrency: int = Field(default=4, ge=1, le=64)
    status: RunStatus = "queued"
    progress: Progress = Field(default_factory=Progress)
    cost: dict[str, CandidateCost] = Field(default_factory=dict)  # by candidate_id
    error: str | None = None
    created_at: float = 0.0
    started_at: float | None = None
    finished_at: float | None = None

    @model_validator(mode="after")
    def _check_candidates(self) -> EvalRun:
        ids = [candidate.candidate_id for candidate in self.candidates]
        duplicates = sorted({cid for cid in ids if ids.count(cid) > 1})
        if duplicates:
            raise ValueError(f"candidate ids must be unique; repeated: {', '.join(duplicates)}")
        keys = [spec.key for spec in self.metrics]
        repeated = sorted({key for key in keys if keys.count(key) > 1})
        if repeated:
            raise ValueError(f"metric keys must be unique (give an alias); repeated: {', '.join(repeated)}")
        if self.judge and self.judge.baseline and self.judge.baseline not in ids:
            raise ValueError(f"judge baseline {self.judge.baseline!r} is not one of the candidates ({', '.join(ids)})")
        return self

    def candidate(self, candidate_id: str) -> CandidateSpec:
        for spec in self.candidates:
            if spec.candidate_id == candidate_id:
                return spec
        raise KeyError(candidate_id)


class PairwiseOutcome(BaseModel):
    """A pairwise judgement of this candidate against the run's baseline, judged in both orders."""

    verdict: PairVerdict  # from this candidate's side; the two orders disagreeing gives "tie"
    consistent: bool  # both orders gave the same winner (False counts towards the position-bias rate)
    first: PairVerdict  # this candidate shown as A
    second: PairVerdict  # this candidate shown as B
    reasons: list[str] = Field(default_factory=list)


class SampleResult(BaseModel):
    """One candidate's answer to one item, with its cost and scores."""

    model_config = ConfigDict(extra="forbid")

    run_id: str
    candidate_id: str
    item_id: str
    output: str | None = None
    tokens_in: int = 0
    tokens_out: int = 0
    latency_s: float = 0.0
    error: str | None = None  # the candidate failed on this item; output is None and it scores nothing
    scores: dict[str, float] = Field(default_factory=dict)  # metric name → per-item value; "judge" for 1–5
    judge_reasons: dict[str, str] = Field(default_factory=dict)  # "judge" → the judge's reasons
    pairwise: PairwiseOutcome | None = None

    @property
    def key(self) -> tuple[str, str, str]:
        return self.run_id, self.candidate_id, self.item_id


class Review(BaseModel):
    """A reviewer's blind verdict on one candidate's answer to one item.

    Reviewers see ``blind_label`` ("A", "B", …, shuffled per item by :func:`evaluation.reviews.blind_labels`);
    the store keeps ``candidate_id`` and never shows it in the review page.
    """

    model_config = ConfigDict(extra="forbid")

    run_id: str
    item_id: str
    reviewer: str = Field(min_length=1)
    blind_label: str
    candidate_id: str
    verdict: ReviewVerdict | None = None
    score: float | None = None
    flagged: bool = False  # doubtful item (存疑)
    note: str = ""
    created_at: float = 0.0

    @model_validator(mode="after")
    def _has_judgement(self) -> Review:
        if self.verdict is None and self.score is None and not self.flagged:
            raise ValueError("a review needs a verdict (pass/fail), a score, or a flag")
        return self

    @property
    def key(self) -> tuple[str, str, str, str]:
        return self.run_id, self.item_id, self.candidate_id, self.reviewer
