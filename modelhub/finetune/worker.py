"""The training worker process: ``python -m modelhub.finetune.worker <job dir>``.

Reads ``<job dir>/spec.json``, trains, and writes its events as JSON lines on stdout (see modelhub/finetune/spec.py);
anything else any library prints goes to stderr, which the runner keeps as the job's log. SIGTERM stops the run
cleanly at the end of the current step, with a checkpoint. Exit status: 0 done, 1 failed (the last line is an
``error`` event), 3 stopped on request.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import sys
from pathlib import Path
from typing import Any, TextIO

EXIT_FAILED, EXIT_STOPPED = 1, 3


def _emitter(stream: TextIO) -> Any:
    def emit(event: dict[str, Any]) -> None:
        stream.write(json.dumps(event) + "\n")
        stream.flush()

    return emit


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    events = _emitter(os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8"))
    sys.stdout = sys.stderr  # library prints go to the log, not into the event stream
    if len(args) != 1:
        events({"event": "error", "message": "usage: python -m modelhub.finetune.worker <job dir>"})
        return EXIT_FAILED
    stop = {"requested": False}

    def on_term(signum: int, _frame: Any) -> None:
        stop["requested"] = True
        logging.getLogger("modelhub.finetune").warning("stop requested (signal %d): stopping after this step", signum)

    signal.signal(signal.SIGTERM, on_term)
    logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    try:
        from modelhub.finetune.data import DataError
        from modelhub.finetune.spec import read_spec
        from modelhub.finetune.train import TrainingError, run_training

        spec = read_spec(Path(args[0]))
        outcome = run_training(spec, events, lambda: stop["requested"])
    except (DataError, TrainingError) as exc:
        events({"event": "error", "message": str(exc)})
        return EXIT_FAILED
    except Exception as exc:  # the worker's last word must be a readable reason, whatever broke
        logging.getLogger("modelhub.finetune").exception("training failed")
        events({"event": "error", "message": f"training failed: {type(exc).__name__}: {exc}"})
        return EXIT_FAILED
    if outcome.stopped:
        events({"event": "stopped", "checkpoint": outcome.checkpoint})
        return EXIT_STOPPED
    events({"event": "done", "adapter": str(outcome.adapter_dir), "chat_template": outcome.chat_template,
            "train_loss": outcome.train_loss, "eval_loss": outcome.eval_loss, "checkpoint": outcome.checkpoint})
    return 0


if __name__ == "__main__":
    sys.exit(main())
