"""Domain services: plain functions over an injected session, no Flask.

Views and form handlers call these; BPMN service tasks call them through
``engine.services``. None of them commits: the caller owns the transaction.
"""
