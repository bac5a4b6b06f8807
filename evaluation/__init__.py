"""Evaluation of models, workflows and agent apps: sets, runs, metrics, judges, reports.

A pure library: nothing here imports server/. The server implements the Protocols of
:mod:`evaluation.repository` (persistence, candidates, judge models) and builds the API on top.
"""
