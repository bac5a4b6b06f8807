"""LoRA fine-tuning jobs: hyperparameters, the training worker (transformers + peft + TRL) that runs outside the
server process, the job runner that queues jobs per device, and the loss-curve diagnosis (docs/finetuning.md)."""
