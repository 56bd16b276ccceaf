"""Checking the audit trail: the hash chains (`chain`), checkpoints over their heads
(`checkpoints`) and the verification (`verify`). The writer is `workflow.audit`."""
