"""One error root for the evaluation layer; ``str()`` of each is the message shown to people.

::

    EvaluationError
    ├── SetError         an evaluation set file or dataset cannot be read (rows carry their line)
    ├── MetricError      unknown metric, bad parameter, or inputs a metric cannot score
    ├── JudgeError       the judge model's reply cannot be parsed, or the judge failed
    ├── CandidateError   a candidate cannot be built or failed to answer
    └── RunError         an evaluation run cannot start or continue
"""

from __future__ import annotations


class EvaluationError(Exception):
    """Root of every error this package raises on purpose."""


class SetError(EvaluationError):
    """An evaluation set cannot be built from the given file or dataset."""


class MetricError(EvaluationError):
    """A metric is unknown, misconfigured, or cannot score its inputs."""


class JudgeError(EvaluationError):
    """The LLM judge failed or replied in a form that cannot be parsed."""


class CandidateError(EvaluationError):
    """A candidate (model, workflow, agent app) cannot be built or failed on a sample."""


class RunError(EvaluationError):
    """An evaluation run cannot be started or resumed."""
